"""In-memory state of the fake SendGrid: the keys it accepts, the mail it accepted, the faults
injected for the next calls, and a log of what was asked of it."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Literal

FaultKind = Literal["status", "rate_limit", "accept_then_hang"]
# SendGrid's mail send reference: the whole request must stay under 30 MB (REFERENCE.md §1).
MAX_BODY_BYTES = 30 * 1024 * 1024


@dataclass
class Fault:
    """The next `remaining` mail send calls go wrong this way (None: until cleared)."""

    kind: FaultKind
    status_code: int = 500
    # rate_limit: X-RateLimit-Reset is this many seconds from now.
    reset_in: float = 0.0
    # accept_then_hang: the mail is stored, then the answer waits this long.
    hang_seconds: float = 0.0
    remaining: int | None = 1


@dataclass(frozen=True, slots=True)
class FakeMessage:
    """One accepted recipient's email, as SendGrid would deliver it."""

    to: str
    to_name: str | None
    from_email: str
    reply_to: str | None
    subject: str
    text: str | None
    html: str | None
    headers: dict[str, str]
    custom_args: dict[str, str]
    substitutions: dict[str, str]
    categories: list[str]
    x_message_id: str  # the batch's, from the 202's X-Message-Id header
    sg_message_id: str  # this recipient's, as events carry it: "<x_message_id>.filter…"
    accepted_at: float

    @property
    def message_id_header(self) -> str | None:
        """The RFC 5322 Message-ID Ravensearch set, which replies point back at."""
        for name, value in self.headers.items():
            if name.lower() == "message-id":
                return value
        return None


@dataclass
class FakeSendGridState:
    """Everything the fake knows; `messages` in the order they were accepted."""

    api_keys: set[str] = field(default_factory=lambda: {"SG.test-key"})
    accept_any_key: bool = False
    latency_seconds: float = 0.0
    max_body_bytes: int = MAX_BODY_BYTES
    rate_limit_per_window: int = 600  # what X-RateLimit-Limit says
    messages: list[FakeMessage] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    request_log: list[tuple[str, str, int]] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    in_flight: int = 0
    _sequence: int = 0

    def is_valid_key(self, key: str) -> bool:
        return bool(key) and (self.accept_any_key or key in self.api_keys)

    def add_fault(self, fault: Fault) -> Fault:
        with self.lock:
            self.faults.append(fault)
        return fault

    def take_fault(self) -> Fault | None:
        """The first injected fault, its use counted against `remaining`."""
        with self.lock:
            if not self.faults:
                return None
            fault = self.faults[0]
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.pop(0)
            return fault

    def new_batch_id(self) -> str:
        # SendGrid's X-Message-Id is a 22-character URL-safe token.
        return secrets.token_urlsafe(16)[:22]

    def sg_message_id(self, x_message_id: str, index: int) -> str:
        with self.lock:
            self._sequence += 1
            sequence = self._sequence
        return f"{x_message_id}.filter0001.{sequence}.{int(time.time()):X}.{index}"

    def store(self, messages: list[FakeMessage]) -> None:
        with self.lock:
            self.messages.extend(messages)

    def reset(self) -> None:
        """Forget the mail, faults and log; keys and settings stay."""
        with self.lock:
            self.messages.clear()
            self.faults.clear()
            self.request_log.clear()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block (not on the server's thread) until no request is being answered: a hanging
        answer must not outlive the test that caused it."""
        deadline = time.monotonic() + timeout
        while self.in_flight:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True
