"""How a build reports its long steps: a rich spinner on a terminal, plain lines in CI or a pipe."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from rich.console import Console
from rich.markup import escape
from rich.status import Status


class Progress(Protocol):
    def step(self, title: str) -> AbstractContextManager[None]:
        """A context manager around one long step."""
        ...

    def line(self, text: str) -> None:
        """Live output of the running step (a command's output line)."""

    def note(self, text: str) -> None:
        """A fact worth one line (cache hit, what was built)."""


class NullProgress:
    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        yield

    def line(self, text: str) -> None:
        pass

    def note(self, text: str) -> None:
        pass


class PlainProgress:
    """One line when a step starts and one when it ends; command output only when verbose."""

    def __init__(self, console: Console, verbose: bool = False) -> None:
        self.console, self.verbose = console, verbose

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        self.console.print(f"==> {escape(title)}", highlight=False)
        started = time.monotonic()
        yield
        self.console.print(f"    done in {time.monotonic() - started:.1f}s", highlight=False)

    def line(self, text: str) -> None:
        if self.verbose:
            self.console.print(f"    {escape(text)}", highlight=False)

    def note(self, text: str) -> None:
        self.console.print(text, highlight=False)


class RichProgress:
    """A spinner per step showing elapsed time and the latest output line."""

    def __init__(self, console: Console, verbose: bool = False) -> None:
        self.console, self.verbose = console, verbose
        self._status: Status | None = None
        self._title = ""
        self._started = 0.0

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        self._title, self._started = title, time.monotonic()
        with self.console.status(escape(title)) as status:
            self._status = status
            try:
                yield
            finally:
                self._status = None
        self.console.print(
            f"[green]✓[/green] {escape(title)} [dim]({time.monotonic() - self._started:.1f}s)[/dim]"
        )

    def line(self, text: str) -> None:
        if self.verbose:
            self.console.print(f"  [dim]{escape(text)}[/dim]")
        status = self._status
        if status is not None and text.strip():
            elapsed = time.monotonic() - self._started
            short = text.strip()[:100]
            status.update(f"{escape(self._title)} [dim]{elapsed:.0f}s · {escape(short)}[/dim]")

    def note(self, text: str) -> None:
        self.console.print(text)


def for_console(console: Console, interactive: bool, verbose: bool = False) -> Progress:
    return RichProgress(console, verbose) if interactive else PlainProgress(console, verbose)
