"""Fault rules: nftables text and tc argv."""

import pytest

from deploytool.errors import UsageError
from deploytool.fleet import faults
from deploytool.fleet.faults import Faults


def test_no_fault_needs_no_table() -> None:
    assert faults.nft_ruleset(Faults()) is None
    assert faults.nft_ruleset(Faults(rate="1mbit")) is None


def test_cut_drops_everything_but_loopback_both_ways() -> None:
    text = faults.nft_ruleset(Faults(cut=True, loss=30))
    assert text is not None
    assert text.startswith("table inet deploytool_fault\ndelete table inet deploytool_fault\n")
    assert text.count("    drop\n") == 2
    assert 'iifname "lo" accept' in text and 'oifname "lo" accept' in text
    assert "numgen" not in text


def test_loss_is_a_random_drop_of_that_share() -> None:
    text = faults.nft_ruleset(Faults(loss=25))
    assert text is not None
    assert text.count("numgen random mod 100 < 25 drop") == 2


def test_clearing_declares_the_table_before_deleting_it() -> None:
    argv, text = faults.nft_clear("dt-t-h1")
    assert argv == ["ip", "netns", "exec", "dt-t-h1", "nft", "-f", "-"]
    assert text == "table inet deploytool_fault\ndelete table inet deploytool_fault\n"


def test_shaping_puts_tbf_on_both_ends_of_the_link() -> None:
    assert faults.tc_shape("dt-t-h1", "dt-t-1", "1mbit", "200ms") == [
        ["tc", "qdisc", "replace", "dev", "dt-t-1", "root", "tbf", "rate", "1mbit", "burst", "8192",
         "latency", "200ms"],
        ["ip", "netns", "exec", "dt-t-h1", "tc", "qdisc", "replace", "dev", "eth0", "root", "tbf", "rate",
         "1mbit", "burst", "8192", "latency", "200ms"],
    ]  # fmt: skip
    assert faults.tc_unshape("dt-t-h1", "dt-t-1")[0] == ["tc", "qdisc", "del", "dev", "dt-t-1", "root"]


@pytest.mark.parametrize(("rate", "burst"), [("1mbit", "8192"), ("100mbit", "250000"), ("10mbps", "200000")])
def test_burst_grows_with_the_rate(rate: str, burst: str) -> None:
    assert faults.tbf_burst(rate) == burst


@pytest.mark.parametrize(
    ("rate", "latency"), [("fast", "200ms"), ("1mbit; rm -rf /", "200ms"), ("1mbit", "soon")]
)
def test_bad_rates_and_latencies_are_usage_errors(rate: str, latency: str) -> None:
    with pytest.raises(UsageError):
        faults.check_rate(rate, latency)


def test_loss_is_a_percentage() -> None:
    assert faults.check_loss(100) == 100
    with pytest.raises(UsageError):
        faults.check_loss(101)


def test_faults_round_trip_through_json() -> None:
    f = Faults(cut=True, loss=5, rate="2mbit", latency="50ms")
    assert Faults.from_json(f.to_json()) == f
    assert Faults.from_json({}) == Faults()
