"""`serve` hands uvicorn the trusted proxies: X-Forwarded-* from anyone else is ignored."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from ravensearch.cli import serve as serve_command
from ravensearch.config import Settings

FORWARDED = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9", "X-Forwarded-Proto": "https"}


async def _echo(scope: Scope, receive: Receive, send: Send) -> None:
    body = json.dumps({"client": scope["client"][0], "scheme": scope["scheme"]}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def _served_options(monkeypatch: pytest.MonkeyPatch, workers: int, **env: str) -> dict[str, Any]:
    """What `serve` passes to uvicorn.run, besides the app, host and port."""
    settings = Settings(_env_file=None, INSTANTLY_API_KEY="k", **env)  # type: ignore[call-arg]
    captured: dict[str, Any] = {}

    async def first_start(_settings: Settings) -> serve_command.FirstStart:
        return serve_command.FirstStart()

    monkeypatch.setattr(serve_command, "settings_or_exit", lambda: settings)
    monkeypatch.setattr(serve_command, "configure_logging", lambda _level: None)
    monkeypatch.setattr(serve_command, "_first_start", first_start)
    monkeypatch.setattr(serve_command.uvicorn, "run", lambda _app, **kw: captured.update(kw))
    serve_command.serve(host="127.0.0.1", port=8000, workers=workers)
    return {k: v for k, v in captured.items() if k not in {"host", "port", "log_level"}}


def _seen_by_the_app(options: dict[str, Any]) -> dict[str, str]:
    """One request from 127.0.0.1 with forwarded headers, through uvicorn's own wrapping."""
    options = {k: v for k, v in options.items() if k not in {"factory", "workers"}}
    config = uvicorn.Config(_echo, log_config=None, **options)
    config.load()

    async def ask() -> dict[str, str]:
        transport = httpx.ASGITransport(app=config.loaded_app)  # client 127.0.0.1
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            seen: dict[str, str] = (await http.get("/", headers=FORWARDED)).json()
            return seen

    return asyncio.run(ask())


@pytest.mark.parametrize("workers", [1, 2])
def test_by_default_no_forwarded_header_is_believed(
    monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    options = _served_options(monkeypatch, workers)
    assert _seen_by_the_app(options) == {"client": "127.0.0.1", "scheme": "http"}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_trusted_proxy_is_believed(monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    options = _served_options(monkeypatch, workers, TRUSTED_PROXIES="127.0.0.1")
    assert options["forwarded_allow_ips"] == "127.0.0.1"
    assert _seen_by_the_app(options) == {"client": "203.0.113.9", "scheme": "https"}


def test_a_proxy_not_in_the_list_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    options = _served_options(monkeypatch, 1, TRUSTED_PROXIES="10.0.0.0/8")
    assert _seen_by_the_app(options) == {"client": "127.0.0.1", "scheme": "http"}
