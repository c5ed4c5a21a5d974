"""A request whose body stops arriving, against a real `ravensearch serve` over raw sockets:
408 with a JSON error and the connection closed; a client that hangs up mid-body is a
warning in the log, not a traceback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixtures.processes import stop

TIMEOUT_SECONDS = 1


@dataclass
class Server:
    port: int
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until(check: object, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.1)
    pytest.fail(f"gave up waiting for {what}")


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(b"GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return sock.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("serve")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INSTANTLY_", "RAVENSEARCH_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{workdir}/ravensearch.db",
        INSTANTLY_WEBHOOK_SECRET="whsec_body_timeout",
        RAVENSEARCH_JOBS_DATABASE=str(workdir / "jobs.db"),
        RAVENSEARCH_BODY_TIMEOUT_SECONDS=str(TIMEOUT_SECONDS),
        RAVENSEARCH_MOCK_ACTIVITY_SECONDS="0",
        RAVENSEARCH_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    log = workdir / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ravensearch", "serve", "--port", str(port)],
            env=env,
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until(lambda: process.poll() is not None or _answers(port), "serve to answer")
        assert process.poll() is None, log.read_text()
        yield Server(port, log)
    finally:
        stop(process)


def _read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes the connection (bounded by the socket timeout)."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _partial_request(method: str, path: str, content_type: str, sent: bytes) -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"X-Webhook-Secret: whsec_body_timeout\r\nContent-Length: {len(sent) + 1000}\r\n\r\n"
    )
    return head.encode() + sent


@pytest.mark.parametrize(
    ("path", "content_type", "sent"),
    [
        ("/api/webhooks/instantly", "application/json", b'{"event_type": "email_'),
        ("/api/targets", "application/json", b'{"businessName": "Co'),
        ("/login", "application/x-www-form-urlencoded", b"email=a%40b.example&pass"),
    ],
)
def test_stalled_body_is_answered_408_and_closed(
    server: Server, path: str, content_type: str, sent: bytes
) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(_partial_request("POST", path, content_type, sent))
        started = time.monotonic()
        answer = _read_all(sock)  # returns only because the server closed the connection
    waited = time.monotonic() - started
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"connection: close" in head.lower()
    error = json.loads(body)
    assert error["error"] == "request_timeout"
    assert "RAVENSEARCH_BODY_TIMEOUT_SECONDS" in error["detail"]
    assert waited >= TIMEOUT_SECONDS * 0.9  # not refused early: it waited for the body
    _wait_until(lambda: f"web.body_timeout method=POST path={path}" in server.text(), "the log")
    assert "Traceback" not in server.text()


def test_client_gone_mid_body_is_a_warning(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(
            _partial_request("POST", "/api/webhooks/instantly", "application/json", b'{"ev')
        )
        time.sleep(0.2)  # let the server start reading the body before the client goes
    _wait_until(
        lambda: "web.client_disconnected method=POST path=/api/webhooks/instantly" in server.text(),
        "the disconnect in the log",
    )
    log = server.text()
    assert "WARNING" in log.split("web.client_disconnected")[0].splitlines()[-1]
    assert "Traceback" not in log
    assert "web.unhandled_error" not in log


def test_a_body_that_arrives_in_pieces_in_time_is_served(server: Server) -> None:
    body = json.dumps({"event_type": "email_opened", "lead_email": "a@b.example"}).encode()
    head = (
        "POST /api/webhooks/instantly HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nX-Webhook-Secret: whsec_body_timeout\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(head + body[:10])
        time.sleep(TIMEOUT_SECONDS * 0.5)  # each wait is under the limit
        sock.sendall(body[10:20])
        time.sleep(TIMEOUT_SECONDS * 0.5)
        sock.sendall(body[20:])
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
