"""Which database failures are the database's (retry later) and which are the data's.

The web answers the first with 503 + `Retry-After`, the webhook intake with 503 (Instantly
retries), and the event applier leaves its events pending. A failure of the data (a value
the column cannot hold) will fail the same way on every retry, so it must not be a 5xx.
"""

from __future__ import annotations

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# SQLSTATE classes of a server that cannot serve now: connection exception, insufficient
# resources (too many connections, disk full), operator intervention (shutdown, starting
# up), system error.
_UNAVAILABLE_CLASSES = frozenset({"08", "53", "57", "58"})
# Data exception (NUL, out of range, too long) and integrity constraint violation.
_BAD_VALUE_CLASSES = frozenset({"22", "23"})


def sqlstate(exc: BaseException) -> str | None:
    """PostgreSQL's error code (asyncpg's errors are wrapped without their class)."""
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code if isinstance(code, str) else None


def is_unavailable(exc: BaseException) -> bool:
    """The database could not be reached or could not serve now: retrying later may work."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        code = sqlstate(exc)
        if code is not None:
            return code[:2] in _UNAVAILABLE_CLASSES
    # asyncpg raises OSError (connection refused) unwrapped; a pool timeout is SQLAlchemy's.
    return isinstance(exc, OperationalError | InterfaceError | PoolTimeout | OSError | TimeoutError)


def is_bad_value(exc: BaseException) -> bool:
    """The statement's values cannot be stored: the same row fails on every retry."""
    code = sqlstate(exc)
    if code is not None:
        return code[:2] in _BAD_VALUE_CLASSES
    return isinstance(exc, DataError | IntegrityError)
