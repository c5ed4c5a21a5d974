"""One in-process job consumer per queue and machine, however many `serve` workers run.

With `serve --workers N` every worker process would otherwise start Huey's consumer, and
with it the periodic scheduler, so each sweep and campaign sync would run N times. The
first worker to take an exclusive `flock` on a file named after the queue runs the
consumer; the lock dies with its process, and the worker uvicorn starts in its place
takes it over.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from pathlib import Path

from ravensearch.config import Settings


def lock_path(settings: Settings) -> Path:
    if settings.REDIS_URL:
        digest = hashlib.sha256(f"{settings.REDIS_URL}|{settings.JOBS_QUEUE}".encode())
        return Path(tempfile.gettempdir()) / f"ravensearch-jobs-{digest.hexdigest()[:16]}.lock"
    return Path(f"{Path(settings.JOBS_DATABASE).resolve()}.consumer.lock")


class ConsumerLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        """True when this process now holds the lock; False when another one does."""
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None
