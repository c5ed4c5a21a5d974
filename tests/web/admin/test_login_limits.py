"""The failed-login limit (5 per email and client IP per 5 minutes) under parallel attempts."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import httpx
import pytest

from ravensearch.config import Settings
from ravensearch.db.models import User
from ravensearch.runtime import Runtime
from ravensearch.users.service import user_service
from tests.fixtures.admin import PASSWORD, AdminClient, UserFactory

# Only reached when the code under test serialises the attempts (a lock held across the
# password check); the test then goes on one attempt at a time.
DEADLINE = 10.0


class ParallelLogins:
    """Login attempts sent at once, with every password check held until `release()`: the
    test sends its attempts, waits until each has reached its check or been answered, then
    lets the checks run, all overlapping, as when an attacker fires them in parallel."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, client: AdminClient, email: str) -> None:
        self.client, self.email, self.token = client, email, client.csrf_token
        self.passwords: list[str] = []  # as they reached their check
        self.sent = 0
        self.answered = 0
        self._released = asyncio.Event()
        original = user_service.authenticate

        async def authenticate(session: Any, email: str, password: str) -> User | None:
            self.passwords.append(password)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), DEADLINE)
            return await original(session, email, password)

        monkeypatch.setattr(user_service, "authenticate", authenticate)

    def send(self, password: str) -> asyncio.Task[httpx.Response]:
        self.sent += 1
        form = {"email": self.email, "password": password, "csrf_token": self.token}

        async def run() -> httpx.Response:
            try:
                return await self.client.post("/login", data=form)
            finally:
                self.answered += 1

        return asyncio.ensure_future(run())

    async def settled(self) -> None:
        deadline = time.monotonic() + DEADLINE
        while len(self.passwords) + self.answered < self.sent and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    async def release(self) -> None:
        await self.settled()
        self._released.set()


async def _parallel(
    monkeypatch: pytest.MonkeyPatch, anon: AdminClient, make_user: UserFactory
) -> ParallelLogins:
    user = await make_user()
    await anon.get("/login")
    return ParallelLogins(monkeypatch, anon, user.email)


async def test_parallel_wrong_passwords_get_five_checks_then_the_right_one_waits(
    anon: AdminClient, make_user: UserFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    logins = await _parallel(monkeypatch, anon, make_user)
    wrong = [logins.send(f"wrong password {n}") for n in range(20)]
    await logins.settled()  # every wrong attempt is at its check or was refused
    right = logins.send(PASSWORD)
    await logins.release()
    responses = await asyncio.gather(*wrong)
    right_response = await right

    assert len(logins.passwords) == 5
    assert PASSWORD not in logins.passwords
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [401] * 5 + [429] * 15
    assert right_response.status_code == 429
    assert right_response.context["page"].error == "Too many attempts, try again in 5 minutes."


async def test_parallel_attempts_with_the_right_password_among_them(
    anon: AdminClient, make_user: UserFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sent at once, the right password is checked only if it is among the first five."""
    logins = await _parallel(monkeypatch, anon, make_user)
    passwords = [f"wrong password {n}" for n in range(20)] + [PASSWORD]
    tasks = [logins.send(password) for password in passwords]
    await logins.release()
    responses = dict(zip(passwords, await asyncio.gather(*tasks), strict=True))

    assert len(logins.passwords) == 5
    signed_in = [p for p, r in responses.items() if r.status_code == 303]
    assert signed_in == ([PASSWORD] if PASSWORD in logins.passwords else [])
    assert sum(r.status_code == 429 for r in responses.values()) == 16


async def test_a_success_clears_the_count(anon: AdminClient, make_user: UserFactory) -> None:
    user = await make_user()
    for _ in range(4):
        assert (await anon.login(user.email, "nope")).status_code == 401
    assert (await anon.login(user.email)).status_code == 303
    for _ in range(5):  # the success's own reservation is not left behind as a failure
        assert (await anon.login(user.email, "nope")).status_code == 401
    assert (await anon.login(user.email)).status_code == 429


def _trust(monkeypatch: pytest.MonkeyPatch, runtime: Runtime, proxies: str) -> None:
    settings = Settings.model_validate(
        {**runtime.settings.model_dump(), "TRUSTED_PROXIES": proxies}
    )
    monkeypatch.setattr(runtime, "settings", settings)


async def _login_from(
    client: AdminClient, email: str, password: str, headers: dict[str, str]
) -> httpx.Response:
    await client.get("/login")
    form = {"email": email, "password": password, "csrf_token": client.csrf_token}
    return await client.post("/login", data=form, headers=headers)


class TestBehindAProxy:
    async def test_a_forged_forwarded_for_does_not_escape_the_limit(
        self, anon: AdminClient, make_user: UserFactory
    ) -> None:
        user = await make_user()
        for n in range(5):
            forged = {"X-Forwarded-For": f"203.0.113.{n}"}
            assert (await _login_from(anon, user.email, "nope", forged)).status_code == 401
        last = await _login_from(anon, user.email, PASSWORD, {"X-Forwarded-For": "203.0.113.99"})
        assert last.status_code == 429

    async def test_a_trusted_proxy_names_the_client(
        self,
        anon: AdminClient,
        make_user: UserFactory,
        runtime: Runtime,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        _trust(monkeypatch, runtime, "127.0.0.1")  # the test client's address
        user = await make_user()
        for n in range(5):  # what the client writes left of the proxy's entry is ignored
            via = {"X-Forwarded-For": f"198.51.100.{n}, 203.0.113.9"}
            assert (await _login_from(anon, user.email, "nope", via)).status_code == 401
        blocked = await _login_from(anon, user.email, PASSWORD, {"X-Forwarded-For": "203.0.113.9"})
        assert blocked.status_code == 429
        other = await _login_from(anon, user.email, PASSWORD, {"X-Forwarded-For": "203.0.113.10"})
        assert other.status_code == 303


@pytest.mark.parametrize(
    ("trusted", "base_url", "headers", "secure"),
    [
        ("", "http://testserver", {}, False),
        ("", "https://testserver", {}, True),
        ("", "http://testserver", {"X-Forwarded-Proto": "https"}, False),
        ("10.0.0.0/8", "http://testserver", {"X-Forwarded-Proto": "https"}, False),
        ("127.0.0.1", "http://testserver", {"X-Forwarded-Proto": "https"}, True),
        ("127.0.0.1", "http://testserver", {"X-Forwarded-Proto": "http"}, False),
    ],
)
async def test_the_session_cookie_is_secure_when_the_browser_used_https(
    anon: AdminClient,
    make_user: UserFactory,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
    trusted: str,
    base_url: str,
    headers: dict[str, str],
    secure: bool,
) -> None:
    _trust(monkeypatch, runtime, trusted)
    user = await make_user()
    anon.base_url = httpx.URL(base_url)
    response = await _login_from(anon, user.email, PASSWORD, headers)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert ("; secure" in cookie) is secure
