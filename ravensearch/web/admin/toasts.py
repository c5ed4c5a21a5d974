"""Toasts: short messages collected during a request and shown by the page or the fragment.

`add_toast()` during a request; `render()` shows them (in the page, or as an out-of-band swap
into `#toasts` for HTMX), and `HXRedirectResponse` carries them over the redirect in a
short-lived signed cookie.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from fastapi import Request

ToastLevel = Literal["success", "info", "error"]


@dataclass(frozen=True)
class Toast:
    message: str
    level: ToastLevel = "success"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def add_toast(request: Request, message: str, level: ToastLevel = "success") -> None:
    pending(request).append(Toast(message, level))


def pending(request: Request) -> list[Toast]:
    """The toasts added so far in this request (a mutable list)."""
    toasts: list[Toast] | None = getattr(request.state, "toasts", None)
    if toasts is None:
        toasts = []
        request.state.toasts = toasts
    return toasts


def from_dicts(items: object) -> list[Toast]:
    """Toasts from a decoded flash cookie; anything malformed is dropped."""
    toasts: list[Toast] = []
    if isinstance(items, list):
        for item in items[:10]:
            if isinstance(item, dict) and isinstance(item.get("message"), str):
                level = item.get("level")
                toasts.append(
                    Toast(
                        item["message"], level if level in ("success", "info", "error") else "info"
                    )
                )
    return toasts
