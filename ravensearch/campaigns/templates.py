"""Sequence templates: Jinja2 in a sandbox, over a fixed set of the technician's fields.

A template reaches only these fields (no attributes of our objects, no globals); an unknown
name or a syntax error is refused when the campaign is saved, so sending never meets one.
Text only, so no autoescape: an `&` in a business name stays an `&`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

# The names a template may use, with what each holds.
FIELDS: dict[str, str] = {
    "first_name": "the owner's or contact's first name, else “there”",
    "business_name": "the business's name",
    "city": "the business's city",
    "state": "its state (two letters)",
    "trade": "its trade (plumbing, hvac …)",
    "website": "its website",
}
NEUTRAL_FIRST_NAME = "there"

# Longest string or list `*` may build, and the largest exponent `**` may take.
MAX_REPEAT = 10_000
MAX_EXPONENT = 100


class _Sandbox(SandboxedEnvironment):
    """The stock sandbox lets `{{ "x" * 10**9 }}` allocate a gigabyte: not here."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"exponent above {MAX_EXPONENT}")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                repeated = isinstance(seq, str | list | tuple) and isinstance(times, int)
                if repeated and len(seq) * times > MAX_REPEAT:
                    raise SecurityError(f"a repeated value longer than {MAX_REPEAT}")
        return super().call_binop(context, operator, left, right)


_env = _Sandbox(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)


class TemplateProblem(ValueError):
    """A template that cannot be saved; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Recipient:
    """The fields a template sees for one technician."""

    first_name: str | None
    business_name: str
    city: str | None = None
    state: str | None = None
    trade: str | None = None
    website: str | None = None

    def variables(self) -> dict[str, str]:
        return {
            "first_name": (self.first_name or "").strip() or NEUTRAL_FIRST_NAME,
            "business_name": self.business_name,
            "city": self.city or "",
            "state": self.state or "",
            "trade": self.trade or "",
            "website": self.website or "",
        }


_SAMPLE = Recipient(
    first_name="Pat", business_name="Acme Plumbing", city="Austin", state="TX", trade="plumbing"
)


def check(source: str) -> None:
    """Raise TemplateProblem for a syntax error (with its line) or an unknown field."""
    try:
        parsed = _env.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"template error on line {exc.lineno}: {exc.message}") from None
    unknown = sorted(meta.find_undeclared_variables(parsed) - FIELDS.keys())
    if unknown:
        names = ", ".join(unknown)
        raise TemplateProblem(f"unknown template variable(s) {names}; use {', '.join(FIELDS)}.")
    # What the parser cannot see (`{{ city.__class__ }}`) the sandbox refuses at render.
    render(source, _SAMPLE)


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    # Compiling costs ~100× rendering; a run renders the same few templates 10,000 times.
    return _env.from_string(source)


def render(source: str, recipient: Recipient) -> str:
    """The template filled in for one technician; TemplateProblem if the sandbox refuses."""
    try:
        return _compiled(source).render(recipient.variables())
    # A template is a person's code: whatever it raises ({{ 1 / 0 }}, a refused attribute),
    # it is that template's problem, never a crash of the caller.
    except Exception as exc:  # noqa: BLE001
        raise TemplateProblem(f"the template cannot be rendered: {exc}") from None
