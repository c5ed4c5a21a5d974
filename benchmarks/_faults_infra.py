"""What `benchmarks/faults.py` runs its scenarios on: a PostgreSQL instance of its own (so
stopping it never touches the shared server), Ravensearch processes it can `kill -9`, and
fresh, migrated databases on that instance.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from ravensearch.db import migrate
from ravensearch.db.engine import create_engine

PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin")
SECRET = "faults-webhook-secret-3c9e"
API_KEY = "faults-instantly-key"
REDIS_URL = "redis://127.0.0.1:6379/0"
# Any Instantly call a scenario does not expect lands on a closed local port.
UNREACHABLE_INSTANTLY_URL = "http://127.0.0.1:9/api/v2"


def pg_bin_dir() -> Path | None:
    """Where initdb and pg_ctl live, or None (the suite cannot run without them)."""
    for candidate in (os.environ.get("RS_FAULTS_PG_BIN"), *PG_BIN_DIRS):
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_until(
    check: Callable[[], Awaitable[bool]], *, timeout: float, what: str, every: float = 0.1
) -> None:
    """Poll `check` until it is true; RuntimeError naming `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() >= deadline:
            raise RuntimeError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(every)


class PostgresInstance:
    """A throw-away PostgreSQL cluster in a temp directory, on a free port, trust auth.

    initdb refuses to run as root: as root the cluster belongs to the `postgres` OS user
    (`runuser`); as anyone else, to the caller.
    """

    def __init__(self, bin_dir: Path, workdir: str) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        self.root = Path(workdir) / "pg"
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"

    def _run(self, *argv: str) -> None:
        command = [str(self.bin_dir / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed: {done.stderr.strip() or done.stdout.strip()}")

    def init(self) -> None:
        self.root.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres")
            os.chmod(Path(self.root).parent, 0o755)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -h 127.0.0.1 -k {self.root} -c max_connections=300"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60",
            "start",
        )  # fmt: skip

    def stop(self, mode: str = "immediate") -> None:
        """`immediate` is a crash as far as the clients are concerned: no clean shutdown."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    async def fresh_database(self, name: str) -> str:
        """A new, migrated database on this instance; its URL."""
        admin = create_async_engine(
            f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres",
            isolation_level="AUTOCOMMIT",
        )
        try:
            async with admin.connect() as conn:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            await admin.dispose()
        url = self.url(name)
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
        finally:
            await engine.dispose()
        return url


@dataclass
class Service:
    """One `ravensearch …` command in its own process group, so `kill9` takes it whole (as
    systemd does with a unit's cgroup): `serve --workers 2` is a supervisor and two workers."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: str
    cwd: str
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Service:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "ravensearch", *self.argv],
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        assert self.proc is not None
        with_group(self.proc, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if not self.running():
            return
        assert self.proc is not None
        with_group(self.proc, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill9()

    def log_tail(self, lines: int = 20) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""


def with_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """Signal the process group this suite created for `proc` (its pid is the group id)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


class Workspace:
    """A temp directory for logs, a Redis queue name of its own, and environments for the
    Ravensearch processes (nothing from the caller's RAVENSEARCH_*/INSTANTLY_* leaks in,
    and the working directory holds no `.env`)."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="rs-faults-")
        self.queue = f"rs-faults-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.services: list[Service] = []

    def env(
        self,
        database_url: str,
        *,
        instantly_url: str = UNREACHABLE_INSTANTLY_URL,
        redis: bool = False,
        events_in_process: bool = True,
        jobs_in_process: bool = True,
    ) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("INSTANTLY_", "RAVENSEARCH_", "DATABASE_URL", "REDIS_URL"))
        }
        env.update(
            DATABASE_URL=database_url,
            INSTANTLY_API_KEY=API_KEY,
            INSTANTLY_API_URL=instantly_url,
            INSTANTLY_WEBHOOK_SECRET=SECRET,
            REDIS_URL=REDIS_URL if redis else "",
            RAVENSEARCH_JOBS_QUEUE=self.queue,
            RAVENSEARCH_JOBS_DATABASE=os.path.join(self.dir, f"jobs-{uuid.uuid4().hex[:6]}.db"),
            RAVENSEARCH_EVENTS_IN_PROCESS=str(events_in_process).lower(),
            RAVENSEARCH_JOBS_IN_PROCESS=str(jobs_in_process).lower(),
            RAVENSEARCH_LOG_LEVEL="WARNING",
        )
        return env

    def service(self, name: str, argv: list[str], env: dict[str, str]) -> Service:
        log_path = os.path.join(self.dir, f"{name}.log")
        service = Service(name, argv, env, log_path, self.dir)
        self.services.append(service)
        return service

    def stop_all(self) -> None:
        for service in self.services:
            service.stop()

    def clear_redis(self) -> None:
        """Drop this run's queue keys (huey names its keys after the queue)."""
        try:
            import redis
        except ImportError:
            return
        client = redis.Redis.from_url(REDIS_URL)
        try:
            keys = list(client.scan_iter(match=f"*{self.queue}*"))
            if keys:
                client.delete(*keys)
        except redis.RedisError:
            pass
        finally:
            client.close()

    def cleanup(self, keep: bool) -> None:
        self.stop_all()
        self.clear_redis()
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)


async def wait_http_ok(url: str, *, timeout: float = 60.0, service: Service | None = None) -> None:
    """Until `url` answers 200 (the service is up); fails early if the service exited."""

    async def up() -> bool:
        if service is not None and not service.running():
            raise RuntimeError(f"{service.name} exited:\n{service.log_tail()}")
        try:
            async with httpx.AsyncClient(timeout=2.0) as client:
                return (await client.get(url)).status_code == 200
        except httpx.HTTPError:
            return False

    await wait_until(up, timeout=timeout, what=url, every=0.2)


def serve_argv(port: int, workers: int = 1) -> list[str]:
    return ["serve", "--port", str(port), "--workers", str(workers)]


@dataclass
class Outcome:
    """One scenario's line in the table. `problems` are failures other than loss and
    duplication (rows left pending, a 5xx found, an event never acknowledged …)."""

    scenario: str
    sent: int = 0
    acked: int = 0
    stored: int = 0
    applied: int = 0
    lost: int = 0
    duplicated: int = 0
    detail: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and not self.problems
