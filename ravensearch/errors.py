"""The base of every expected failure: a message for humans and the HTTP status it maps to."""

from __future__ import annotations


class RavensearchError(Exception):
    """An expected outcome the caller must hear about; never rendered as a 500 stack trace."""

    status_code: int = 400
    error: str = "bad_request"
    # Seconds a client should wait before trying again (sent as `Retry-After`), when known.
    retry_after_seconds: int | None = None

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code


class NotFound(RavensearchError):
    status_code = 404
    error = "not_found"


class Conflict(RavensearchError):
    status_code = 409
    error = "conflict"


class InvalidInput(RavensearchError):
    status_code = 400
    error = "invalid_input"


class UpstreamError(RavensearchError):
    """An external service failed in a way the user can act on (unreachable, key, plan)."""

    status_code = 502
    error = "upstream_error"


class DatabaseUnavailable(RavensearchError):
    """The database cannot serve this request now (no free connection, or it is down);
    the client should retry shortly."""

    status_code = 503
    error = "database_unavailable"
    retry_after_seconds = 5
