"""The audit log: who did what to a sensitive record (secret rotations, token changes, removals)."""
