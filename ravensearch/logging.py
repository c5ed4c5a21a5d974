"""Logging setup: structlog on top of stdlib logging, one line per event, secrets redacted."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

_SECRET_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    # The webhook secret as a URL token (/api/webhooks/instantly/<secret>): access logs,
    # httpx's request lines and error messages all carry the path.
    re.compile(r"(/api/webhooks/instantly/)[^\s\"'?#]+"),
    re.compile(r"(/api/webhooks/sendgrid/inbound/)[^\s\"'?#]+"),
    re.compile(r"(?i)((?:api[_-]?key|secret|password|token)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"),
]
_SECRET_KEYS = ("key", "secret", "password", "token", "authorization")


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(r"\1[redacted]", text)
    return text


def _redact_event(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for name in list(event):
        if any(part in name.lower() for part in _SECRET_KEYS):
            event[name] = "[redacted]"
    return event


class AccessLogFilter(logging.Filter):
    """Redacts uvicorn's access lines argument by argument: its formatter unpacks `args`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class _CurrentStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time of the record, not at configuration.

    A command run inside a harness that swaps and later closes stderr (Typer's test runner,
    pytest's capture) would otherwise leave a handler writing to a closed file.
    """

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(level: str = "INFO") -> None:
    """Route structlog through stdlib logging so one level and one filter govern both."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            _redact_event,
            structlog.processors.KeyValueRenderer(key_order=["event"], sort_keys=True),
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    handler = _CurrentStderrHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's loggers have handlers of their own (and do not propagate); a filter on the
    # logger survives uvicorn's dictConfig, which replaces handlers but keeps filters.
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessLogFilter) for f in access.filters):
        access.addFilter(AccessLogFilter())
