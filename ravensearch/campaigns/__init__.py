"""Campaigns linked to Instantly: validation, linking, stats sync and counters (golden module)."""
