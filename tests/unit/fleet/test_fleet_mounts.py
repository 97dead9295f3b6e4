"""Mount argv and finding a fleet's mounts in mountinfo."""

from pathlib import Path

from deploytool.fleet import mounts

MOUNTINFO = """\
22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
90 22 0:50 / /var/lib/deploytool/fleet/t/hosts/h1/srv rw - tmpfs dtsrv-t-h1 rw,size=524288k
91 22 0:51 / /var/lib/deploytool/fleet/t/hosts/h1/rootfs rw - overlay dtroot-t-h1 rw
92 22 0:52 / /var/lib/deploytool/fleet/t2/hosts/h1/srv rw - tmpfs dtsrv-t2-h1 rw
93 22 0:53 / /var/lib/deploytool/fleet/t/hosts/h2/my\\040dir rw - tmpfs x rw
"""


def test_mounts_under_a_folder_come_deepest_and_latest_first_and_skip_look_alikes() -> None:
    assert mounts.under(Path("/var/lib/deploytool/fleet/t"), MOUNTINFO) == [
        "/var/lib/deploytool/fleet/t/hosts/h2/my dir",
        "/var/lib/deploytool/fleet/t/hosts/h1/rootfs",
        "/var/lib/deploytool/fleet/t/hosts/h1/srv",
    ]


def test_argv() -> None:
    assert mounts.tmpfs(Path("/s/srv"), "512M", "dtsrv-t-h1") == [
        "mount", "-t", "tmpfs", "-o", "size=512M,mode=0755", "dtsrv-t-h1", "/s/srv",
    ]  # fmt: skip
    assert mounts.overlay(Path("/img"), Path("/h/upper"), Path("/h/work"), Path("/h/rootfs"), "dtroot-t-h1") == [
        "mount", "-t", "overlay", "-o", "lowerdir=/img,upperdir=/h/upper,workdir=/h/work", "dtroot-t-h1",
        "/h/rootfs",
    ]  # fmt: skip
    assert mounts.umount("/h/rootfs", lazy=True) == ["umount", "--lazy", "/h/rootfs"]
