"""Addresses and domains that must never be emailed; dispatch asks here before every push."""
