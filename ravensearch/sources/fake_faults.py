"""Fault injection shared by the provider fakes: "the next N requests fail with status S"."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass


@dataclass
class Fault:
    status_code: int
    remaining: int
    retry_after: float | None = None  # sent as Retry-After when set
    code: str | None = None  # the provider's error code, when it has several for one status


class FaultQueue:
    """Faults in the order injected; each answers `remaining` requests, then the next one."""

    def __init__(self) -> None:
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._faults)

    def inject(
        self,
        status_code: int = 429,
        *,
        count: int = 1,
        retry_after: float | None = None,
        code: str | None = None,
    ) -> None:
        with self._lock:
            self._faults.append(Fault(status_code, count, retry_after, code))

    def take(self) -> Fault | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.popleft()
            return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
