"""Failed authentication (wrong credentials: a guess), counted per client address: after too many in a
window, 429 until it ends.

Fixed windows: the first failure of an address opens a window of ``window_seconds``; the
``max_failures``-th failure in it blocks the address for the rest of it, and every request it sends
meanwhile is answered 429 with ``Retry-After``, its credentials unread (so a blocked client learns nothing
by guessing on). Memory is bounded: at most ``max_clients`` addresses are remembered, the one that failed
longest ago is forgotten first. The clock is injected (seconds, monotonic).

>>> now = [0.0]
>>> limit = FailedAuthLimiter(max_failures=2, window_seconds=60, clock=lambda: now[0])
>>> limit.retry_after("10.0.0.1") is None
True
>>> limit.failed("10.0.0.1"); limit.failed("10.0.0.1"); limit.retry_after("10.0.0.1")
60
>>> now[0] = 59.5; limit.retry_after("10.0.0.1")
1
>>> now[0] = 60.0; limit.retry_after("10.0.0.1") is None
True
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

#: Failed authentications one address may have per window before it is blocked.
MAX_FAILED_AUTHENTICATIONS = 20
AUTH_FAILURE_WINDOW_SECONDS = 60.0
#: Addresses remembered at once (each costs a few dozen bytes).
MAX_TRACKED_CLIENTS = 10_000


class FailedAuthLimiter:
    def __init__(self, max_failures: int = MAX_FAILED_AUTHENTICATIONS,
                 window_seconds: float = AUTH_FAILURE_WINDOW_SECONDS,
                 max_clients: int = MAX_TRACKED_CLIENTS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self.max_clients = max_clients
        self.clock = clock
        self._windows: OrderedDict[str, tuple[float, int]] = OrderedDict()  # client -> (opened, failures)
        # Requests are authenticated in worker threads (api.auth.gate): one lock for the table.
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int | None:
        """Seconds until ``client`` may try again, or None if it is not blocked."""
        with self._lock:
            window = self._open_window(client)
            if window is None or window[1] < self.max_failures:
                return None
            return max(1, math.ceil(window[0] + self.window_seconds - self.clock()))

    def failed(self, client: str) -> None:
        with self._lock:
            window = self._open_window(client)
            opened, failures = window if window is not None else (self.clock(), 0)
            self._windows[client] = (opened, failures + 1)
            self._windows.move_to_end(client)
            while len(self._windows) > self.max_clients:
                self._windows.popitem(last=False)

    def tracked(self) -> int:
        return len(self._windows)

    def _open_window(self, client: str) -> tuple[float, int] | None:
        window = self._windows.get(client)
        if window is not None and self.clock() >= window[0] + self.window_seconds:
            del self._windows[client]
            return None
        return window
