"""Dispatch: record each technician → campaign push first, then push in bulk, exactly once."""
