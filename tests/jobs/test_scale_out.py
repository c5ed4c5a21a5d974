"""Several workers on one Redis: periodic tasks run once per period for all of them, and a
Redis that is missing or goes away costs one line per retry, not a traceback per poll."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
import redis
from huey import SqliteHuey

from ravensearch.jobs import tasks
from ravensearch.jobs.backend import PatientRedisHuey, RedisOutage, unreachable_queue
from ravensearch.jobs.periodic import first_in_period

NOWHERE = "redis://:hunter2@127.0.0.1:1/0"


@pytest.fixture
def queue(redis_url: str) -> Iterator[PatientRedisHuey]:
    huey = PatientRedisHuey(f"rs-test-{uuid.uuid4().hex[:8]}", url=redis_url, results=False)
    yield huey
    huey.storage.conn.delete(*huey.storage.conn.keys(f"*{huey.storage.name}*") or ["-"])


class TestOncePerPeriod:
    def test_only_the_first_copy_in_a_period_runs(self, queue: PatientRedisHuey) -> None:
        assert first_in_period(queue, "jobs.sweep", 60)
        assert not first_in_period(queue, "jobs.sweep", 60)
        assert first_in_period(queue, "campaigns.sync_all", 900)  # a lock per task

    def test_the_lock_lapses_before_the_next_period(self, queue: PatientRedisHuey) -> None:
        assert first_in_period(queue, "jobs.sweep", 60)
        ttl = queue.storage.conn.ttl(f"ravensearch.periodic.{queue.storage.name}.jobs.sweep")
        assert 0 < ttl < 60

    def test_the_sqlite_queue_needs_no_lock(self, tmp_path: object) -> None:
        local = SqliteHuey("rs-test", filename=f"{tmp_path}/jobs.db", results=False)
        assert first_in_period(local, "jobs.sweep", 60)
        assert first_in_period(local, "jobs.sweep", 60)

    def test_two_workers_enqueueing_the_sweep_sweep_once(
        self, queue: PatientRedisHuey, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        swept: list[str] = []

        class Host:
            def run(self, work: object) -> object:
                swept.append("sweep")
                return type("Report", (), {"requeued_jobs": []})()

        monkeypatch.setattr(tasks, "huey", queue)
        monkeypatch.setattr(tasks, "current_host", Host)
        tasks.sweep_task.call_local()
        tasks.sweep_task.call_local()
        assert swept == ["sweep"]


class TestRedisOutage:
    def test_retries_back_off_to_the_cap_with_one_line_each(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        now = [0.0]
        outage = RedisOutage("redis://127.0.0.1:1/0", first=1.0, cap=8.0, clock=lambda: now[0])
        waits = []
        with caplog.at_level(logging.WARNING):
            for _ in range(6):
                waits.append(outage.failed(redis.ConnectionError("Connection refused")))
                outage.failed(redis.ConnectionError("refused"))  # another thread, same wait
                now[0] += waits[-1]
        assert waits == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
        lines = [r for r in caplog.records if "jobs.redis.unreachable" in r.getMessage()]
        assert len(lines) == 6
        assert not any(r.exc_info for r in caplog.records)
        outage.recovered()
        assert not outage.active

    def test_a_lost_redis_makes_dequeue_wait_not_raise(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        huey = PatientRedisHuey("rs-test-lost", url=NOWHERE, results=False)
        slept: list[float] = []
        huey.sleep = slept.append
        with caplog.at_level(logging.WARNING):
            assert huey.dequeue() is None
            assert huey.read_schedule() == []
        assert slept == [1.0]
        assert huey.read_periodic(None) == []  # nothing enqueued while Redis is away
        assert "hunter2" not in caplog.text


class TestWorkerStart:
    def test_an_unreachable_redis_url_stops_the_worker_with_one_line(
        self, tmp_path: object
    ) -> None:
        assert unreachable_queue(PatientRedisHuey("rs", url=NOWHERE, results=False))
        env = {
            **os.environ,
            "REDIS_URL": NOWHERE,
            "DATABASE_URL": f"sqlite:///{tmp_path}/rs.db",
            "RAVENSEARCH_MOCK": "1",
            "COLUMNS": "400",  # so that Rich does not wrap the line
        }
        done = subprocess.run(
            [sys.executable, "-m", "ravensearch", "worker"],
            env=env,
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
        output = (done.stdout + done.stderr).strip()
        assert done.returncode == 1
        assert "REDIS_URL" in output
        assert "Traceback" not in output
        assert "hunter2" not in output
        assert len(output.splitlines()) == 1
