"""Kept for the campaign code that imports it: the wording lives in `instantly/explain.py`,
below the domains, so `events` can use it too."""

from ravensearch.instantly.explain import explain_instantly_failure

__all__ = ["explain_instantly_failure"]
