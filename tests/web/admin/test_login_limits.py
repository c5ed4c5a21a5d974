"""The failed-login limit (5 per email and client IP per 5 minutes) under parallel attempts."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import httpx
import pytest

from ravensearch.db.models import User
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
