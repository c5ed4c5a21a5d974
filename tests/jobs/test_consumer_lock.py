from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from ravensearch.config import Settings
from ravensearch.jobs.consumer_lock import ConsumerLock, lock_path

HOLD_LOCK = """
import sys, time
from pathlib import Path
from ravensearch.jobs.consumer_lock import ConsumerLock
assert ConsumerLock(Path(sys.argv[1])).acquire()
print("held", flush=True)
time.sleep(60)
"""


def test_one_holder_at_a_time(tmp_path: Path) -> None:
    first, second = ConsumerLock(tmp_path / "q.lock"), ConsumerLock(tmp_path / "q.lock")
    assert first.acquire()
    assert first.acquire()  # already held by this one
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_a_dead_holder_frees_it(tmp_path: Path) -> None:
    path = tmp_path / "q.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        assert not ConsumerLock(path).acquire()
    finally:
        holder.kill()
        holder.wait()
    deadline = time.monotonic() + 5
    lock = ConsumerLock(path)
    while not lock.acquire():
        assert time.monotonic() < deadline, "the lock outlived its process"
        time.sleep(0.05)
    lock.release()


def test_path_is_per_queue(tmp_path: Path) -> None:
    def settings(**kw: str) -> Settings:
        return Settings(_env_file=None, **kw)  # type: ignore[call-arg]

    sqlite_a = lock_path(settings(RAVENSEARCH_JOBS_DATABASE=str(tmp_path / "a.db")))
    sqlite_b = lock_path(settings(RAVENSEARCH_JOBS_DATABASE=str(tmp_path / "b.db")))
    assert sqlite_a == tmp_path / "a.db.consumer.lock"
    assert sqlite_a != sqlite_b
    redis = "redis://127.0.0.1:6379/0"
    queue_a = lock_path(settings(REDIS_URL=redis, RAVENSEARCH_JOBS_QUEUE="a"))
    queue_b = lock_path(settings(REDIS_URL=redis, RAVENSEARCH_JOBS_QUEUE="b"))
    assert queue_a != queue_b
