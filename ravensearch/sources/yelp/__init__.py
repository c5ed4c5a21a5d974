"""Yelp Fusion business search: the client, the JSON → listing mapping, and the fake."""
