"""Form posts → Pydantic models, with one human message per field for inline errors."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

FORM_ERROR = "__form__"


async def read_form(request: Request) -> dict[str, str]:
    """The posted text fields (files and the CSRF token are left out)."""
    form = await request.form()
    return {
        key: value for key, value in form.items() if isinstance(value, str) and key != "csrf_token"
    }


def validate_form(model: type[M], data: dict[str, str]) -> tuple[M | None, dict[str, str]]:
    """(model, {}) when valid, else (None, {field: message}); `FORM_ERROR` keys the rest."""
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else FORM_ERROR
            message = str(error["msg"]).removeprefix("Value error, ")
            errors.setdefault(field, message)
        return None, errors
