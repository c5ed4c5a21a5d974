"""Google Places API (New) Text Search: the client, the JSON → listing mapping, and the fake."""
