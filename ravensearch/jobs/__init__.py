"""Durable background jobs on Huey (SQLite queue in-process by default, Redis for workers).

The `jobs` row is the truth: a job lost by the queue is re-enqueued by the sweep.
"""
