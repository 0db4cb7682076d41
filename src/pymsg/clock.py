"""pymsg.ManualClock: the core's manual clock, plus Python hooks that run after it moves.

The core's timers (visibility, delays, retention, TTLs, long polls) react to advance() and set()
inside the C++ core. Python-side timers, such as SNS delivery retries to callables and HTTP
endpoints, register a hook here and run right after the clock moved, in the caller's thread.
"""

from __future__ import annotations

import threading
import weakref
from typing import Callable

from . import _core


class ManualClock(_core.ManualClock):
    """A clock that moves only when told to: time-dependent behaviour without sleeping.

    ``advance(seconds)`` and ``set(t)`` move it (never backwards) and wake every timer whose time
    came, long-poll waiters and delivery retries included. Thread-safe.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        super().__init__(start)
        self._hooks: "weakref.WeakSet[_Hook]" = weakref.WeakSet()
        self._hooks_lock = threading.Lock()

    def advance(self, seconds: float) -> None:
        super().advance(seconds)
        self._run_hooks()

    def set(self, t: float) -> None:
        super().set(t)
        self._run_hooks()

    def _add_hook(self, hook: "_Hook") -> None:
        with self._hooks_lock:
            self._hooks.add(hook)

    def _run_hooks(self) -> None:
        with self._hooks_lock:
            hooks = list(self._hooks)
        for hook in hooks:
            hook()


class _Hook:
    """A weakly held callback (the broker's delivery scheduler keeps it alive)."""

    __slots__ = ("fn", "__weakref__")

    def __init__(self, fn: Callable[[], None]) -> None:
        self.fn = fn

    def __call__(self) -> None:
        self.fn()
