"""Contract checks against SendGrid's documented shapes (JSON Schemas in this folder, written
from ravensearch/sendgrid/REFERENCE.md, not from what the client sends).

`ContractTransport` wraps any transport: every mail send request the client makes is checked
against the request schema (plus the rules a schema cannot say: content order, byte sizes),
and every answer against the documented status/body shapes. Violations are collected for a
fixture to assert on at teardown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator

HERE = Path(__file__).parent
MAX_ARGS_BYTES = 10_000  # custom_args (merged) and substitutions, per personalization (§1)


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads((HERE / name).read_text()))


def check_request(body: bytes) -> list[str]:
    """What a mail send body breaks of the documented request (§1); [] when it fits."""
    try:
        data: Any = json.loads(body)
    except ValueError:
        return ["request: the body is not JSON"]
    problems = [
        f"request {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in _validator("mail_send.schema.json").iter_errors(data)
    ]
    if problems or not isinstance(data, dict):
        return problems
    types = [block["type"] for block in data["content"]]
    if "text/plain" in types and types[0] != "text/plain":
        problems.append("request content: text/plain must come first")
    top_args = data.get("custom_args", {})
    for i, item in enumerate(data["personalizations"]):
        for name, value in (
            ("custom_args", {**top_args, **item.get("custom_args", {})}),
            ("substitutions", item.get("substitutions", {})),
        ):
            if sum(len(k.encode()) + len(v.encode()) for k, v in value.items()) > MAX_ARGS_BYTES:
                problems.append(f"request personalizations/{i}/{name}: over 10,000 bytes")
    return problems


def check_response(status: int, headers: httpx.Headers, body: bytes) -> list[str]:
    """What an answer breaks of the documented shapes (§1–§3); [] when it fits."""
    if status == 202:
        problems = [] if headers.get("x-message-id") else ["202 without X-Message-Id"]
        return problems + (["202 with a body"] if body else [])
    if status < 400:
        return [f"undocumented status {status}"]
    try:
        data: Any = json.loads(body)
    except ValueError:
        return [f"{status}: the error body is not JSON"]
    problems = [
        f"{status} body {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in _validator("error.schema.json").iter_errors(data)
    ]
    if status == 429:
        for name in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"):
            if not headers.get(name, "").isdigit():
                problems.append(f"429 without a numeric {name}")
    return problems


@dataclass
class ContractTransport(httpx.AsyncBaseTransport):
    """Passes every exchange to `inner`, checking both sides on the way."""

    inner: httpx.AsyncBaseTransport
    violations: list[str] = field(default_factory=list)
    requests: list[bytes] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        self.requests.append(body)
        self.violations += check_request(body)
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        self.violations += check_response(response.status_code, response.headers, content)
        return httpx.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )

    async def aclose(self) -> None:
        await self.inner.aclose()
