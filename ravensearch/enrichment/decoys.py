"""Addresses that look like emails but are not the business's: assets, placeholders, noise.

Pure checks used by `extract.py`; each returns the reason a candidate is dropped.
"""

from __future__ import annotations

import re

from ravensearch.enrichment.domains import registrable_domain

ASSET_EXTENSIONS = frozenset({
    "png", "jpg", "jpeg", "gif", "webp", "svg", "ico", "bmp", "tif", "tiff", "avif", "css",
    "js", "mjs", "map", "json", "woff", "woff2", "ttf", "otf", "eot", "mp4", "webm", "mov",
    "mp3", "pdf", "zip", "php", "html", "htm",
})  # fmt: skip
PLACEHOLDER_DOMAINS = frozenset({
    "example.com", "example.org", "example.net", "domain.com", "yourdomain.com", "yoursite.com",
    "yourwebsite.com", "yourcompany.com", "company.com", "email.com", "website.com",
    "mysite.com", "mydomain.com", "test.com", "sample.com", "site.com",
})  # fmt: skip
PLACEHOLDER_LOCALS = frozenset({
    "you", "your", "youremail", "your.email", "your-email", "yourname", "your.name", "yourmail",
    "email", "e-mail", "name", "user", "username", "someone", "somebody", "firstname",
    "lastname", "firstname.lastname", "first.last", "john.doe", "johndoe", "jane.doe",
    "janedoe", "jdoe", "example", "test", "sample",
})  # fmt: skip
# Monitoring, site builders, CDNs and mailing platforms: addresses at these domains are
# telemetry keys or platform mail, never the business (sources.md §3.4).
PLATFORM_DOMAINS = frozenset({
    "sentry.io", "wixpress.com", "wix.com", "wixsite.com", "squarespace.com", "godaddy.com",
    "secureserver.net", "weebly.com", "wordpress.com", "wordpress.org", "shopify.com",
    "cloudflare.com", "gstatic.com", "googleapis.com", "schema.org", "w3.org", "sendgrid.net",
    "mailchimp.com", "amazonses.com", "jsdelivr.net", "unpkg.com", "cdnjs.com", "duda.co",
    "site123.com", "jimdo.com", "webflow.io", "mailgun.org", "mailgun.net", "mandrillapp.com",
    "hubspotemail.net", "list-manage.com", "mcsv.net", "constantcontact.com", "mcdlv.net",
})  # fmt: skip
NO_REPLY_LOCALS = frozenset({
    "noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply",
    "mailer-daemon", "postmaster", "bounce", "bounces", "abuse", "unsubscribe",
})  # fmt: skip
_RETINA = re.compile(r"^\d+(\.\d+)?x\.")
_HEX_KEY = re.compile(r"^[0-9a-f]{32}$")


def decoy_reason(email: str) -> str | None:
    """Why `email` (lower-case, one `@`) is not a contact address, or None if it may be one."""
    local, _, domain = email.rpartition("@")
    labels = domain.split(".")
    if _RETINA.match(domain):
        return "asset file name"  # logo@2x.png, icon@1.5x.webp
    if labels[0].isdigit():
        return "package version"  # jquery@3.6.0.min.js
    if labels[-1] in ASSET_EXTENSIONS:
        return "asset file name"
    registrable = registrable_domain(domain)
    if registrable is None:
        return "not a public domain"
    if registrable in PLACEHOLDER_DOMAINS or local in PLACEHOLDER_LOCALS:
        return "placeholder"
    if registrable in PLATFORM_DOMAINS or _HEX_KEY.match(local):
        return "platform or monitoring address"
    if local.split("+", 1)[0] in NO_REPLY_LOCALS:
        return "no-reply address"
    return None
