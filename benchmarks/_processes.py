"""The processes of `benchmarks/webhooks.py` (floors, `ravensearch serve`, `ravensearch worker`)
and the CPU each side of the benchmark used, read from /proc."""

from __future__ import annotations

import asyncio
import http.client
import os
import resource
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from _common import UNREACHABLE_INSTANTLY_URL
from sqlalchemy.engine import make_url

BENCH_DIR = Path(__file__).resolve().parent
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process:
    """A server under test: started at once, logging to a file in `work_dir`."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], work_dir: str) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = os.path.join(work_dir, f"{name}.log")
        command = [part.replace("{port}", str(self.port)) for part in command]
        with open(self.log_path, "wb") as log:
            # cwd: the work dir, so a developer's .env never configures the benchmark.
            self.popen = subprocess.Popen(
                command, env=env, cwd=work_dir, stdout=log, stderr=subprocess.STDOUT
            )

    def pids(self) -> list[int]:
        """This process and its children (`serve --workers` forks)."""
        found = [self.popen.pid]
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        if int(f.read().rpartition(")")[2].split()[1]) == self.popen.pid:
                            found.append(int(entry))
                except (OSError, ValueError, IndexError):
                    continue
        return found

    async def wait_ready(self, path: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            if await asyncio.to_thread(self._answers, path):
                return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout:g} s:\n{self.log_tail()}")

    def _answers(self, path: str) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", path)
            return conn.getresponse().status == 200
        except OSError:
            return False

    def start_py_spy(self, py_spy: str, seconds: float) -> PySpy:
        out = os.path.join(os.path.dirname(self.log_path), f"py-spy-{self.name}.txt")
        popen = subprocess.Popen(
            [
                *(py_spy, "record", "--pid", str(self.popen.pid), "--subprocesses"),
                *("--duration", str(max(1, int(seconds))), "--rate", "250"),
                *("--format", "raw", "--output", out, "--nonblocking"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return PySpy(popen, out)

    def log_tail(self, lines: int = 30) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def errors_in_log(self) -> str:
        tail = self.log_tail(400).splitlines()
        return "\n".join([line for line in tail if "ERROR" in line or "Traceback" in line][-5:])

    def stop(self) -> None:
        if self.popen.poll() is not None:
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


@dataclass
class PySpy:
    popen: subprocess.Popen[bytes]
    out: str

    def wait(self) -> str:
        self.popen.wait(timeout=60)
        return self.out


def _uvicorn(app: str) -> list[str]:
    return [
        *(sys.executable, "-m", "uvicorn", "--factory", app, "--app-dir", str(BENCH_DIR)),
        *("--host", "127.0.0.1", "--port", "{port}", "--loop", "uvloop", "--http", "httptools"),
        *("--no-access-log", "--log-level", "warning"),
    ]


def floor_process(mode: str, database_url: str, secret: str, work_dir: str) -> Process:
    dsn = make_url(database_url).set(drivername="postgresql")
    env = dict(
        os.environ,
        RS_FLOOR_MODE=mode,
        RS_FLOOR_DSN=dsn.render_as_string(hide_password=False),
        RS_FLOOR_SECRET=secret,
    )
    return Process(f"floor-{mode}", _uvicorn("_floors:create"), env, work_dir)


def _product_env(database_url: str, work_dir: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INSTANTLY_", "RAVENSEARCH_"))}
    env.update(
        DATABASE_URL=database_url,
        INSTANTLY_API_KEY="bench-key",
        # Nothing here should call Instantly; if something does, it stays on this host.
        INSTANTLY_API_URL=UNREACHABLE_INSTANTLY_URL,
        REDIS_URL="",
        RAVENSEARCH_JOBS_DATABASE=os.path.join(work_dir, "jobs.db"),
        RAVENSEARCH_LOG_LEVEL="WARNING",
        **settings,
    )
    return env


def serve_process(
    database_url: str, secret: str, work_dir: str, *, workers: int, applier: str, **settings: str
) -> Process:
    """`ravensearch serve`; `settings` are further environment settings (SENDGRID_…)."""
    env = _product_env(
        database_url,
        work_dir,
        INSTANTLY_WEBHOOK_SECRET=secret,
        RAVENSEARCH_EVENTS_IN_PROCESS="true" if applier == "in-process" else "false",
        **settings,
    )
    command = [sys.executable, "-m", "ravensearch", "serve", "--port", "{port}"]
    return Process("serve", [*command, "--workers", str(workers)], env, work_dir)


def worker_process(database_url: str, work_dir: str) -> Process:
    env = _product_env(database_url, work_dir, RAVENSEARCH_JOBS_IN_PROCESS="false")
    command = [sys.executable, "-m", "ravensearch", "worker", "--workers", "1"]
    return Process("worker", command, env, work_dir)


@dataclass
class CpuShares:
    """CPU over a measured run, in % of one core."""

    server: float
    postgres: float
    load: float  # the load generator (wrk)
    other: float  # every other process on the host (other people's work)


class CpuMeter:
    """Started before a run; `shares()` after it. PostgreSQL counts its shared processes (WAL
    writer, checkpointer …) and the backends of `database`, not other databases' backends."""

    def __init__(self, server_pids: list[int], database: str) -> None:
        self.server_pids = server_pids
        self.database = database
        self.at = time.monotonic()
        self.server = self._server()
        self.postgres = self._postgres()
        self.children = self._children()
        self.host_busy, self.host_total = self._host()

    def shares(self) -> CpuShares:
        wall = time.monotonic() - self.at
        server = 100 * (self._server() - self.server) / wall
        # Per process, so a backend that ended in between does not count negative.
        postgres = 100 * sum(s - self.postgres.get(p, 0.0) for p, s in self._postgres().items())
        postgres /= wall
        load = 100 * (self._children() - self.children) / wall
        busy, total = self._host()
        cores = (total - self.host_total) / wall
        host = 100 * (busy - self.host_busy) / wall * (os.cpu_count() or 1) / max(cores, 1e-9)
        return CpuShares(server, postgres, load, max(0.0, host - server - postgres - load))

    def _server(self) -> float:
        return sum(_cpu_seconds(pid)[1] for pid in self.server_pids)

    @staticmethod
    def _children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def _postgres(self) -> dict[int, float]:
        found: dict[int, float] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                name, seconds = _cpu_seconds(int(entry))
                if name != "postgres":
                    continue
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    command = f.read().replace(b"\0", b" ").decode(errors="replace")
            except (OSError, ValueError, IndexError):
                continue
            is_backend = "(" in command.partition(":")[2] or "[local]" in command
            if not is_backend or f" {self.database} " in command:
                found[int(entry)] = seconds
        return found

    @staticmethod
    def _host() -> tuple[float, float]:
        """(busy, total) CPU seconds of the whole host, all cores."""
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        idle = values[3] + values[4]
        return (sum(values) - idle) / TICK, sum(values) / TICK


def _cpu_seconds(pid: int) -> tuple[str, float]:
    """(command name, user + system CPU seconds of all its threads)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            head, _, rest = f.read().rpartition(")")
    except OSError:
        return "", 0.0
    parts = rest.split()
    return head.partition("(")[2], (int(parts[11]) + int(parts[12])) / TICK
