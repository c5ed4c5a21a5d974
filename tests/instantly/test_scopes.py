"""Which scope an operation needs, from method and concrete path."""

from __future__ import annotations

import pytest

from ravensearch.instantly.scopes import accepted_scopes, is_granted, required_scope


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [("GET", "/api/v2/workspaces/current", "workspaces:read"),
     ("post", "/block-lists-entries/bulk-create", "block_list_entries:create"),
     ("GET", "/api/v2/webhooks/0199e9d9-0000-7000-8000-000000000000", "webhooks:read"),
     ("POST", "/api/v2/webhooks/0199e9d9-0000-7000-8000-000000000000/resume", "webhooks:update"),
     ("GET", "/api/v2/webhooks/event-types", None),  # a literal path wins over `{id}`
     ("GET", "/api/v2/campaigns/analytics", None),
     ("GET", "/api/v2/campaigns/0199e9d9-0000-7000-8000-000000000000", "campaigns:read"),
     ("DELETE", "/api/v2/block-lists-entries", None)],  # not an operation we know
)  # fmt: skip
def test_required_scope(method: str, path: str, scope: str | None) -> None:
    assert required_scope(method, path) == scope


def test_wildcards_grant_a_scope() -> None:
    assert accepted_scopes("leads:create") == [
        "leads:create",
        "leads:all",
        "all:create",
        "all:all",
    ]
    assert is_granted("leads:create", {"all:create"})
    assert not is_granted("leads:create", {"leads:read", "campaigns:all"})
