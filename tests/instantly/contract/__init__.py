"""Contract checks against Instantly's published API v2 definition (a structural subset in
`openapi-v2-subset.json`, copied from ../shared; descriptions stripped).

Both sides are checked on every exchange a test makes: the request our client sends must
fit the operation's parameters and request schema, and the fake's answer must fit the
response schema of its status. `ContractRecorder` collects violations for a fixture to
assert on at teardown, so every test that talks to the fake is a contract test too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from jsonschema import Draft202012Validator

SPEC_PATH = Path(__file__).with_name("openapi-v2-subset.json")
PREFIX = "/api/v2"


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: dict[str, Any]


@cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    return loaded


@cache
def operations() -> tuple[Operation, ...]:
    found = []
    for template, methods in spec()["paths"].items():
        regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        for method, operation in methods.items():
            found.append(Operation(method.upper(), template, re.compile(f"^{regex}$"), operation))
    # Literal paths before templated ones: /webhooks/event-types is not /webhooks/{id}.
    return tuple(sorted(found, key=lambda op: op.template.count("{")))


def find_operation(method: str, path: str) -> Operation | None:
    for operation in operations():
        if operation.method == method and operation.pattern.match(path):
            return operation
    return None


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    # `$ref`s point into #/components of the whole document.
    rooted = {**schema, "components": spec()["components"]}
    return Draft202012Validator(rooted, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _errors(schema: dict[str, Any], value: Any, where: str) -> list[str]:
    return [
        f"{where}{'/' + '/'.join(map(str, e.absolute_path)) if e.absolute_path else ''}: "
        f"{e.message}"
        for e in _validator(schema).iter_errors(value)
    ]


def _coerce(value: str, schema: dict[str, Any]) -> Any:
    """A query string value as the type its schema declares (they all travel as text)."""
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    if "boolean" in types and value in ("true", "false"):
        return value == "true"
    for kind, convert in (("integer", int), ("number", float)):
        if kind in types:
            try:
                return convert(value)
            except ValueError:
                return value
    return value


def check_request(method: str, path: str, query: str, body: bytes | None) -> list[str]:
    """Violations of the published definition by one request (empty when it fits)."""
    operation = find_operation(method, path)
    if operation is None:
        return [f"{method} {path} is not an operation of Instantly's API v2 definition"]
    problems: list[str] = []
    declared = {
        p["name"]: p for p in operation.spec.get("parameters", []) if p.get("in") == "query"
    }
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name not in declared:
            problems.append(f"{method} {operation.template}: undeclared query parameter {name}")
            continue
        schema = declared[name].get("schema", {})
        problems += _errors(schema, _coerce(value, schema), f"query/{name}")
    request_body = operation.spec.get("requestBody")
    if body:
        if request_body is None:
            problems.append(f"{method} {operation.template} takes no body")
        else:
            schema = request_body["content"]["application/json"]["schema"]
            problems += _errors(schema, json.loads(body), "body")
    elif request_body is not None and request_body.get("required"):
        problems.append(f"{method} {operation.template} requires a body")
    return [f"{method} {operation.template}: {p}" for p in problems]


def check_response(method: str, path: str, status: int, body: bytes) -> list[str]:
    """Violations by one answer: its body must fit the schema declared for its status."""
    operation = find_operation(method, path)
    if operation is None:
        return []  # already reported on the request
    declared = operation.spec.get("responses", {})
    response = declared.get(str(status))
    if response is None:
        if 200 <= status < 300:
            return [f"{method} {operation.template}: status {status} is not declared"]
        # An injected fault (500, 503 …): still Instantly's error envelope.
        envelope = {
            "type": "object",
            "required": ["statusCode", "error", "message"],
            "properties": {"statusCode": {"type": "number"}, "error": {"type": "string"}},
        }
        return [
            f"{method} {operation.template} {status}: {p}"
            for p in _errors(envelope, json.loads(body or b"null"), "response")
        ]
    content = response.get("content", {}).get("application/json")
    if content is None:
        return []
    return [
        f"{method} {operation.template} {status}: {p}"
        for p in _errors(content["schema"], json.loads(body or b"null"), "response")
    ]


@dataclass
class ContractRecorder:
    """Checks exchanges as they happen and keeps the violations (and what was checked)."""

    violations: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def exchange(
        self, method: str, path: str, query: str, request: bytes | None, status: int, body: bytes
    ) -> None:
        if not path.startswith(PREFIX):
            return  # the fake's own control routes
        self.checked.append(f"{method} {path}")
        self.violations += check_request(method, path, query, request)
        self.violations += check_response(method, path, status, body)


class ContractCheckedApp:
    """An ASGI wrapper around the fake that checks every exchange with `recorder`."""

    def __init__(self, app: Any, recorder: ContractRecorder) -> None:
        self.app = app
        self.recorder = recorder

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Read the whole body first: a fault may answer without reading it.
        request = bytearray()
        while True:
            message = await receive()
            request.extend(message.get("body", b""))
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        response = bytearray()
        status = 0
        replayed = False

        async def recording_receive() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(request), "more_body": False}
            return await receive()

        async def recording_send(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                response.extend(message.get("body", b""))
            await send(message)

        await self.app(scope, recording_receive, recording_send)
        self.recorder.exchange(
            scope["method"],
            scope["path"],
            scope.get("query_string", b"").decode(),
            bytes(request) or None,
            status,
            bytes(response),
        )


def contract_hooks(recorder: ContractRecorder) -> dict[str, list[Any]]:
    """httpx event hooks that check each exchange of a client talking over a socket."""

    async def on_response(response: Any) -> None:
        await response.aread()
        request = response.request
        recorder.exchange(
            request.method,
            request.url.path,
            request.url.query.decode(),
            request.content or None,
            response.status_code,
            response.content,
        )

    return {"response": [on_response]}
