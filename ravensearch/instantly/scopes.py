"""Which API-key scope each Instantly operation we use needs (instantly_v2.md §1.2).

Copied from the `x-scopes` of the published definition (tests check it against
`openapi-v2-subset.json`). Every list there has one shape, `[<res>:<action>, <res>:all,
all:<action>, all:all]`, so only the first is kept; `accepted_scopes()` rebuilds the rest.
The fake enforces them, and the app names the missing one when Instantly answers 401/403.
"""

from __future__ import annotations

import re

API_PREFIX = "/api/v2"

# (method, path under /api/v2) -> the narrowest scope; None: the reference lists no scope.
OPERATION_SCOPES: dict[tuple[str, str], str | None] = {
    ("GET", "/block-lists-entries"): "block_list_entries:read",
    ("POST", "/block-lists-entries"): "block_list_entries:create",
    ("POST", "/block-lists-entries/bulk-create"): "block_list_entries:create",
    ("GET", "/campaigns"): "campaigns:read",
    ("GET", "/campaigns/analytics"): None,
    ("GET", "/campaigns/{id}"): "campaigns:read",
    ("POST", "/leads"): "leads:create",
    ("POST", "/leads/add"): "leads:create",
    ("POST", "/leads/list"): "leads:read",
    ("GET", "/webhook-events"): "webhook_events:read",
    ("GET", "/webhooks"): None,
    ("POST", "/webhooks"): "webhooks:create",
    ("GET", "/webhooks/event-types"): None,
    ("DELETE", "/webhooks/{id}"): "webhooks:delete",
    ("GET", "/webhooks/{id}"): "webhooks:read",
    ("PATCH", "/webhooks/{id}"): "webhooks:update",
    ("POST", "/webhooks/{id}/resume"): "webhooks:update",
    ("POST", "/webhooks/{id}/test"): None,
    ("GET", "/workspaces/current"): "workspaces:read",
}

_TEMPLATES = [
    (method, re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$"), scope)
    for (method, path), scope in OPERATION_SCOPES.items()
    if "{" in path
]


def required_scope(method: str, path: str) -> str | None:
    """The narrowest scope for `method path` (with or without `/api/v2`); None when the
    reference lists none or the operation is not one we know."""
    path = path.removeprefix(API_PREFIX).rstrip("/") or "/"
    method = method.upper()
    if (method, path) in OPERATION_SCOPES:  # a literal path wins over a `{id}` template
        return OPERATION_SCOPES[(method, path)]
    for template_method, pattern, scope in _TEMPLATES:
        if template_method == method and pattern.match(path):
            return scope
    return None


def accepted_scopes(scope: str) -> list[str]:
    """Every scope that grants `scope`, in the reference's order."""
    resource, _, action = scope.partition(":")
    return [scope, f"{resource}:all", f"all:{action}", "all:all"]


def is_granted(scope: str, granted: set[str]) -> bool:
    return any(s in granted for s in accepted_scopes(scope))
