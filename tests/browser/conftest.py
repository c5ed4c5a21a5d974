"""Browser tests: `ravensearch serve` in mock mode as a subprocess, driven by Debian's Chromium.

The server runs on a free port with its own SQLite file; its first start prints the admin's
one-time password and an API token, which the fixtures read from its stdout. Screenshots go
to artifacts/screenshots/ (git-ignored; CI keeps them as artifacts).
"""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.fixtures.processes import stop

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
WEBHOOK_SECRET = "whsec_browser_tests"
VIEWER_EMAIL = "viewer@example.com"
VIEWER_PASSWORD = "viewer-password-1"
START_TIMEOUT = 90.0


@dataclass(frozen=True)
class Server:
    url: str
    admin_email: str
    admin_password: str
    api_token: str
    env: dict[str, str]
    workdir: Path

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.api_token}"}, timeout=30
        )

    def linked_campaign(self, instantly_id: str) -> str:
        """Our id of a demo campaign, linked by whichever test needs it first."""
        with self.api() as api:
            linked = api.post("/api/campaigns", json={"instantlyCampaignId": instantly_id})
            if linked.status_code == 201:
                return str(linked.json()["id"])
            assert linked.status_code == 409, linked.text
            items = api.get("/api/campaigns").json()["items"]
            return next(c["id"] for c in items if c["instantly_campaign_id"] == instantly_id)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INSTANTLY_", "RAVENSEARCH_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{workdir / 'ravensearch.db'}",
        INSTANTLY_API_KEY="",
        INSTANTLY_WEBHOOK_SECRET=WEBHOOK_SECRET,
        GOOGLE_PLACES_API_KEY="",
        YELP_API_KEY="",
        RAVENSEARCH_MOCK="1",
        RAVENSEARCH_MOCK_ACTIVITY_SECONDS="0.5",
        RAVENSEARCH_JOBS_DATABASE=str(workdir / "jobs.db"),
        RAVENSEARCH_JOBS_WORKERS="1",
        RAVENSEARCH_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        COLUMNS="200",
    )
    return env


def _read_lines(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def _wait_for_credentials(
    lines: queue.Queue[str], proc: subprocess.Popen[str]
) -> tuple[str, str, str]:
    deadline = time.monotonic() + START_TIMEOUT
    seen: list[str] = []
    while time.monotonic() < deadline:
        try:
            seen.append(lines.get(timeout=0.5))
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        output = "".join(seen)
        login = re.search(r"Admin login: (\S+)\s+password: (\S+)", output)
        token = re.search(r"\b(rs_[A-Za-z0-9_-]{20,})", output)
        if login and token:
            return login.group(1), login.group(2), token.group(1)
    raise RuntimeError("`ravensearch serve` printed no admin password:\n" + "".join(seen))


def _wait_until_healthy(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"`ravensearch serve` exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url}/healthz never answered")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing (apt-get install chromium); browser tests need it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def server(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("serve")
    env = _server_env(workdir)
    port = _free_port()
    log = (workdir / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ravensearch", "serve", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_lines, args=(proc.stdout, lines), daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    try:
        email, password, token = _wait_for_credentials(lines, proc)
        _wait_until_healthy(url, proc)
        yield Server(url, email, password, token, env, workdir)
    except RuntimeError as exc:
        pytest.fail(f"{exc}\n--- server.log ---\n{(workdir / 'server.log').read_text()}")
    finally:
        stop(proc)
        log.close()


@pytest.fixture(scope="session")
def viewer_account(server: Server) -> tuple[str, str]:
    """A viewer, created with the CLI against the running server's database."""
    result = subprocess.run(
        [sys.executable, "-m", "ravensearch", "users", "create", VIEWER_EMAIL, "--role", "viewer",
         "--password-stdin"],
        input=VIEWER_PASSWORD + "\n", cwd=server.workdir, env=server.env,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return VIEWER_EMAIL, VIEWER_PASSWORD


# Module scope, not session: while Playwright's sync API runs, an asyncio loop counts as
# running in this thread, which breaks every pytest-asyncio test after it in the worker.
@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, server: Server, email: str, password: str) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.url}/outreach/campaigns")
