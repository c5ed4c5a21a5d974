"""Instantly webhook events: store every delivery, then apply it once, in an order-safe way."""
