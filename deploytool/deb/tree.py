"""The package's file tree, laid out in a scratch folder for dpkg-deb: the release and env trees at
their install paths (hard links to the staged trees: nothing is copied), plus generated files.

Every directory is 0755 and every path gets the build's fixed mtime, so the tree, and the .deb made
from it, depend only on the release and the config.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Tree:
    """A package root being filled. Paths are package paths (`/srv/app/...`)."""

    root: Path
    epoch: int
    files: dict[str, Path] = field(default_factory=dict)  # every regular file, for md5sums
    others: int = 0  # directories and symlinks (Installed-Size counts them as 1 KiB each)

    def _dest(self, path: str) -> Path:
        assert path.startswith("/") and ".." not in path.split("/"), path
        return self.root / path.lstrip("/")

    def _dirs(self, folder: Path) -> None:
        """`folder` and its missing parents, 0755 whatever the umask."""
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for d in reversed(missing):
            d.mkdir(mode=0o755)
            os.chmod(d, 0o755)
            self.others += 1

    def write(self, path: str, data: bytes, mode: int = 0o644) -> None:
        dest = self._dest(path)
        self._dirs(dest.parent)
        dest.write_bytes(data)
        os.chmod(dest, mode)
        self.files[path] = dest

    def mirror(self, source: Path, path: str) -> None:
        """`source`'s tree at `path`: files hard-linked (their mtimes are the build's), symlinks made
        again, directories made 0755."""
        top = self._dest(path)
        self._dirs(top)
        for folder, dirnames, filenames in os.walk(source):
            dirnames.sort()
            rel = os.path.relpath(folder, source)
            here = top if rel == "." else top / rel
            for name in [*dirnames, *sorted(filenames)]:
                src, dst = Path(folder) / name, here / name
                if src.is_symlink():
                    os.symlink(os.readlink(src), dst)
                    self.others += 1
                elif src.is_dir():
                    dst.mkdir(mode=0o755)
                    os.chmod(dst, 0o755)
                    self.others += 1
                else:
                    self._place(src, dst)
                    self.files[f"{path}/{os.path.relpath(src, source)}"] = dst

    @staticmethod
    def _place(src: Path, dst: Path) -> None:
        """A hard link when the file's mode is already 0644 or 0755 (as the build's tarballs make
        them); else a copy set to that mode, so the umask of whoever staged the tree does not show."""
        mode = stat.S_IMODE(src.stat().st_mode)
        want = 0o755 if mode & 0o111 else 0o644
        if mode == want:
            os.link(src, dst)
        else:
            shutil.copyfile(src, dst)
            os.chmod(dst, want)
            os.utime(dst, ns=(src.stat().st_mtime_ns, src.stat().st_mtime_ns))

    def control(self, files: Mapping[str, tuple[str | bytes, int]]) -> None:
        """DEBIAN/<name> files (not part of the installed tree)."""
        folder = self.root / "DEBIAN"
        folder.mkdir(mode=0o755, exist_ok=True)
        os.chmod(folder, 0o755)
        for name, (content, mode) in files.items():
            dest = folder / name
            dest.write_bytes(content.encode() if isinstance(content, str) else content)
            os.chmod(dest, mode)

    def sizes(self) -> list[int]:
        return [p.stat().st_size for p in self.files.values()]

    def fix_times(self) -> None:
        """The fixed mtime on everything made here (hard-linked files already carry it)."""
        linked = {p for p in self.files.values() if p.stat().st_nlink > 1}
        for folder, dirnames, filenames in os.walk(self.root, topdown=False):
            for name in [*filenames, *dirnames]:
                path = Path(folder) / name
                if path not in linked:
                    os.utime(path, (self.epoch, self.epoch), follow_symlinks=False)
        os.utime(self.root, (self.epoch, self.epoch))
