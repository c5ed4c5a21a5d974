"""Enrichment: find each target's email on its website (crawl, extract, rank, verify).

It owns `target_emails` and the `enriching → completed | no_email | failed` moves of a
target; collecting targets and dispatching them belong to other domains.
"""
