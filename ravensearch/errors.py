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

    @property
    def headers(self) -> dict[str, str]:
        """Extra response headers (`Retry-After` when the client should come back later)."""
        if self.retry_after_seconds is None:
            return {}
        return {"Retry-After": str(self.retry_after_seconds)}


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


class ServiceUnavailable(RavensearchError):
    """A dependency (the database) cannot serve now; the client should retry later."""

    status_code = 503
    error = "unavailable"
    retry_after_seconds = 5


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot serve this request now (down, or no free connection)."""

    error = "database_unavailable"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "The database is not answering right now; nothing was changed. "
            f"Retry in {self.retry_after_seconds} seconds."
        )
