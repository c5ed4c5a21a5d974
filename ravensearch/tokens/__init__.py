"""API tokens: created once, shown once, stored as SHA-256, checked on every /api call."""
