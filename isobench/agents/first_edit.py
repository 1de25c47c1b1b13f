"""Time to first edit: when an agent first changed its workspace, seen by polling it."""

from __future__ import annotations

import threading
import time

from isobench.agents.workspace import Workspace


class FirstEditWatcher:
    """Polls the workspace (``git status`` through the harness's git dir) about once a second.

    ``seconds`` is the time from the start to the first poll that saw a change (resolution: the
    interval), or None when the tree never changed. A change first seen by the final check at
    :meth:`stop` is timed at the stop (an upper bound, for runs shorter than one interval).
    """

    def __init__(self, ws: Workspace, interval_s: float = 1.0) -> None:
        self.ws = ws
        self.interval_s = interval_s
        self.seconds: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="first-edit", daemon=True)
        self._start = 0.0

    def __enter__(self) -> FirstEditWatcher:
        self._start = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        stopped = time.monotonic()
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        if self.seconds is None and self._start:
            try:
                if self.ws.changed():
                    self.seconds = round(stopped - self._start, 3)
            except OSError:
                pass

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                if self.ws.changed():
                    self.seconds = round(time.monotonic() - self._start, 3)
                    return
            except OSError:
                return
