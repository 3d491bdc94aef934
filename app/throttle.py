"""Failed key attempts, counted per client: after too many in a window, the client is answered
429 with Retry-After, and its key is not even looked up.

Keys are 256-bit, so guessing one is hopeless; this is about noise: a misconfigured script
retrying a revoked key, or a scanner, filling the logs and the database with lookups. A client
is its address as uvicorn reports it (behind a proxy, set uvicorn's `--forwarded-allow-ips` so
that it is the browser's, not the proxy's). Only failures count, so other clients, and this
one's successful requests before it is blocked, are never slowed. Blocking logs one line per
client per window, not one per request.

The counts live in the process: with several workers each throttles the requests it answers,
so a client may make up to `workers x allowed` failures in a window before all of them refuse
it. That is enough for noise, and costs no database write per failure."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

import structlog

from app.errors import TooManyRequests

log = structlog.get_logger(__name__)
# Beyond this many clients, those with no failure left in the window are forgotten.
SWEEP_AT = 10_000


class Throttle:
    def __init__(
        self, *, allowed: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.allowed = allowed
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._logged_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        """Raise TooManyRequests when `client` has failed too often in the window."""
        if client not in self._failures:  # the common case: no lock, no clock
            return
        with self._lock:
            now = self.clock()
            recent = self._recent(client, now)
            if len(recent) < self.allowed:
                return
            # Free again when enough of the failures leave the window.
            free_at = recent[len(recent) - self.allowed] + self.window
            wait = max(1, math.ceil(free_at - now))
            if self._logged_until.get(client, -math.inf) <= now:
                self._logged_until[client] = free_at
                log.warning("keys.throttled", client=client, failures=len(recent), seconds=wait)
        raise TooManyRequests(
            f"too many failed API key attempts from this address; try again in {wait} s",
            retry_after=wait,
        )

    def failed(self, client: str) -> None:
        with self._lock:
            now = self.clock()
            if len(self._failures) >= SWEEP_AT:
                for other in list(self._failures):
                    self._recent(other, now)
            self._failures.setdefault(client, deque()).append(now)

    def _recent(self, client: str, now: float) -> deque[float]:
        recent = self._failures.get(client, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if not recent:
            self._failures.pop(client, None)
            if self._logged_until.get(client, -math.inf) <= now:
                self._logged_until.pop(client, None)
        return recent
