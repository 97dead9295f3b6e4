"""The pure parts of a push plan: layout, batches, pruning."""

from deploytool.release.plan import Layout, batches, releases_to_prune


def test_layout_paths_follow_the_design() -> None:
    layout = Layout("/srv/sample")
    assert layout.release("r1") == "/srv/sample/releases/r1"
    assert layout.env("e1") == "/srv/sample/envs/e1"
    assert layout.lock == "/srv/sample/.deploytool/lock"
    assert layout.journal == "/srv/sample/.deploytool/journal.jsonl"
    assert layout.env_file("web") == "/srv/sample/shared/env/web.env"
    assert Layout.link_target("r1") == "releases/r1"


def test_batches_put_the_canary_first_then_fixed_size_groups() -> None:
    hosts = ["h1", "h2", "h3", "h4", "h5", "h6"]
    assert batches(hosts, canary=1, size=2) == [["h1"], ["h2", "h3"], ["h4", "h5"], ["h6"]]
    assert batches(hosts, canary=0, size=4) == [["h1", "h2", "h3", "h4"], ["h5", "h6"]]
    assert batches(["h1"], canary=1, size=5) == [["h1"]]


def test_pruning_keeps_n_newest_and_never_current_or_previous() -> None:
    ordered = ["r1", "r2", "r3", "r4", "r5", "r6"]  # oldest first
    assert releases_to_prune(ordered, keep=3, protect=["r6", "r5"]) == ["r1", "r2", "r3"]
    # current and previous are old ones (after a rollback): still kept
    assert releases_to_prune(ordered, keep=2, protect=["r1", "r2"]) == ["r3", "r4", "r5", "r6"]
    assert releases_to_prune(ordered, keep=10, protect=["r6", None]) == []
