"""Ravensearch: collect trade technicians, find their emails, and run Instantly.ai campaigns."""

__version__ = "0.1.0"
