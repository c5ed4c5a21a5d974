"""Targets: the businesses we may recruit. Owns creating, importing, listing and de-duplicating
them; finding their emails belongs to enrichment, and collecting them to the sources."""
