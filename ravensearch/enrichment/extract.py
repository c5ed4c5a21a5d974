"""HTML → email candidates, each with the method that found it (pure; no I/O).

The order of `Method` is the order of confidence (sources.md §3.3). Text is matched per
text node so that adjacent nodes never glue into one address, scripts and styles are
ignored except JSON-LD, and every decoy that is dropped is reported with its reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ravensearch.enrichment.decoys import decoy_reason
from ravensearch.enrichment.domains import (
    FREE_MAIL_DOMAINS,
    SOCIAL_DOMAINS,
    registrable_domain,
    url_host,
)
from ravensearch.enrichment.rendered import rendered_runs, visible


class Method(StrEnum):
    mailto = "mailto"
    cloudflare = "cloudflare"
    jsonld = "jsonld"
    microdata = "microdata"
    text = "text"
    obfuscated = "obfuscated"
    reversed = "reversed"
    alt = "alt"  # an alt, title or aria-label text
    form = "form"  # a form's action="mailto:…" or a hidden input's value
    attribute = "attribute"


METHOD_RANK = {method: rank for rank, method in enumerate(Method)}


@dataclass(frozen=True)
class Candidate:
    email: str
    method: Method
    page_url: str


@dataclass(frozen=True)
class Rejected:
    email: str
    reason: str
    page_url: str


@dataclass
class PageEmails:
    candidates: list[Candidate] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    # Registrable domains of web agencies credited on the page ("Website by …").
    agency_domains: set[str] = field(default_factory=set)


_LOCAL = r"[a-z0-9][a-z0-9._+-]{0,63}"
_DOMAIN = r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}"
EMAIL_PATTERN = re.compile(rf"(?<![\w.+-]){_LOCAL}@{_DOMAIN}(?![\w-])", re.IGNORECASE)
_EXACT = re.compile(rf"{_LOCAL}@{_DOMAIN}", re.IGNORECASE)
_AT = r"(?P<at>\s*[\[({<]\s*(?:at|@)\s*[\])}>]\s*|\s+at\s+|\s*@\s*)"
_DOT = r"(?:\s*[\[({<]\s*(?:dot|\.)\s*[\])}>]\s*|\s+dot\s+|\s*\.\s*)"
_OBFUSCATED = re.compile(
    rf"(?<![\w.+-])(?P<local>[a-z0-9][a-z0-9._+-]*){_AT}"
    rf"(?P<domain>[a-z0-9-]+(?:{_DOT}[a-z0-9-]+)*?{_DOT}[a-z]{{2,24}})(?![\w-])",
    re.IGNORECASE,
)
_DOT_SPLIT = re.compile(_DOT, re.IGNORECASE)
# With a bare " at " the words before it are prose far more often than an address.
_PROSE_LOCALS = frozenset((
    "us", "me", "you", "them", "him", "her", "it", "we", "one", "all", "anytime", "home",
    "least", "most", "once", "work", "today", "now", "here", "there", "available", "open",
    "located", "call", "text", "email", "reach", "visit", "find", "is", "are", "be", "or", "and",
))  # fmt: skip
_CREDIT = re.compile(
    r"\b(?:web\s*site|site|web|design(?:ed)?|develop(?:ed|ment)|powered|built|made|created"
    r"|crafted|hosted|managed|maintained|marketing|seo)\b[\w\s&,+/-]{0,30}?\bby\b",
    re.IGNORECASE,
)
_NOT_AGENCIES = SOCIAL_DOMAINS | FREE_MAIL_DOMAINS
_MAX_CREDIT_CHARS = 400
_INLINE = frozenset({"a", "span", "small", "strong", "b", "em", "i", "u", "font", "sup", "sub"})
_IGNORED = ["script", "style", "template", "textarea"]
_ATTRIBUTE_SELECTOR = "[value], [data-email], [data-mail], [data-address], [data-contact]"
_ATTRIBUTE_NAMES = ("value", "data-email", "data-mail", "data-address", "data-contact")
_LABELS = ("alt", "title", "aria-label")


def extract_emails(html: str | LexborHTMLParser, page_url: str) -> PageEmails:
    """Every plausible address on the page, decoys moved to `rejected`.

    A parsed document may be passed instead of HTML text; it is consumed (scripts and
    styles are stripped from it).
    """
    tree = LexborHTMLParser(html) if isinstance(html, str) else html
    found: list[tuple[str, Method]] = []
    found.extend((email, Method.jsonld) for email in _jsonld_emails(tree))
    tree.strip_tags(_IGNORED)
    found.extend(_mailto_emails(tree))
    found.extend(_cloudflare_emails(tree))
    found.extend(_microdata_emails(tree))
    found.extend(_form_emails(tree))
    credited: set[str] = set()
    found.extend(_label_emails(tree, credited))
    found.extend(_reversed_emails(tree))
    found.extend(_attribute_emails(tree))
    site = registrable_domain(url_host(page_url))
    agencies, credited_here = _agency_credits(tree, site)
    credited |= credited_here
    # Last: reading the text as rendered unwraps the inline elements the steps above read.
    found.extend(_text_emails(tree, site, credited))
    result = PageEmails(agency_domains=agencies)
    seen: set[tuple[str, Method]] = set()
    for raw, method in found:
        email = _clean(raw)
        if email is None or (email, method) in seen:
            continue
        seen.add((email, method))
        reason = decoy_reason(email)
        if reason is None and (email in credited or _domain_of(email) in agencies):
            reason = "web agency credit"
        if reason is None:
            result.candidates.append(Candidate(email, method, page_url))
        else:
            result.rejected.append(Rejected(email, reason, page_url))
    return result


def decode_cfemail(encoded: str) -> str | None:
    """Cloudflare's email obfuscation: the first byte is the XOR key for the rest."""
    try:
        data = bytes.fromhex(encoded.strip())
    except ValueError:
        return None
    if len(data) < 2:
        return None
    try:
        return bytes(byte ^ data[0] for byte in data[1:]).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _clean(raw: str) -> str | None:
    email = raw.strip().strip(".").lower()
    match = _EXACT.fullmatch(email)
    if match is None or len(email) > 254 or ".." in email:
        return None
    return email


def _domain_of(email: str) -> str | None:
    return registrable_domain(email.rpartition("@")[2])


def _find(text: str) -> list[str]:
    if "%" in text:
        text = unquote(text)
    return EMAIL_PATTERN.findall(visible(text))


def _mailto_addresses(href: str) -> list[str]:
    value = href.strip()
    if not value.lower().startswith("mailto:"):
        return []
    recipients, _, query = value[len("mailto:") :].partition("?")
    parts = [unquote(recipients)]
    parts.extend(v for k, v in parse_qsl(query) if k.lower() in ("to", "cc", "bcc"))
    return [email for part in parts for email in _find(part.replace(";", ","))]


def _mailto_emails(tree: LexborHTMLParser) -> Iterator[tuple[str, Method]]:
    for node in tree.css("a[href], area[href]"):
        for email in _mailto_addresses(node.attributes.get("href") or ""):
            yield email, Method.mailto


def _cloudflare_emails(tree: LexborHTMLParser) -> Iterator[tuple[str, Method]]:
    for node in tree.css("[data-cfemail]"):
        decoded = decode_cfemail(node.attributes.get("data-cfemail") or "")
        if decoded:
            yield decoded, Method.cloudflare
    for node in tree.css('a[href*="/cdn-cgi/l/email-protection#"]'):
        encoded = (node.attributes.get("href") or "").rpartition("#")[2]
        decoded = decode_cfemail(encoded)
        if decoded:
            yield decoded, Method.cloudflare


def _jsonld_emails(tree: LexborHTMLParser) -> Iterator[str]:
    for node in tree.css("script[type]"):
        if "ld+json" not in (node.attributes.get("type") or "").lower():
            continue
        text = node.text(deep=True).strip()
        try:
            data = json.loads(text)
        except ValueError:
            # Hand-written JSON-LD is often invalid (trailing commas); the field survives.
            for value in re.findall(r'"email"\s*:\s*"([^"]+)"', text):
                yield from _find(value)
            continue
        for value in _json_emails(data):
            yield from _find(value.removeprefix("mailto:").replace(";", ","))


def _json_emails(data: object) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key.lower() == "email" and isinstance(value, str):
                yield value
            elif key.lower() == "email" and isinstance(value, list):
                yield from (item for item in value if isinstance(item, str))
            else:
                yield from _json_emails(value)
    elif isinstance(data, list):
        for item in data:
            yield from _json_emails(item)


def _microdata_emails(tree: LexborHTMLParser) -> Iterator[tuple[str, Method]]:
    for node in tree.css('[itemprop="email"]'):
        content = node.attributes.get("content") or node.text(deep=True)
        for email in _find(content.removeprefix("mailto:")):
            yield email, Method.microdata
    for node in tree.css("meta[content]"):
        name = (node.attributes.get("name") or node.attributes.get("property") or "").lower()
        if "email" in name or name == "reply-to":
            for email in _find(node.attributes.get("content") or ""):
                yield email, Method.microdata


def _text_nodes(tree: LexborHTMLParser) -> Iterator[tuple[LexborNode, str]]:
    root = tree.root
    if root is None:
        return
    for node in root.traverse(include_text=True, skip_empty=True):
        if node.is_text_node and node.text_content:
            yield node, node.text_content


def _text_emails(
    tree: LexborHTMLParser, site: str | None, credited: set[str]
) -> Iterator[tuple[str, Method]]:
    for run in rendered_runs(tree):
        # Offsets no longer line up once decoded; such runs are rare and kept whole.
        text, starts = (unquote(run.text), ()) if "%" in run.text else (run.text, run.starts)
        emails = [_split_off_glued(text, match, starts) for match in EMAIL_PATTERN.finditer(text)]
        if emails and _CREDIT.search(text):
            credited.update(e.lower() for e in emails if _is_third_party(e.lower(), site))
        yield from ((email, Method.text) for email in emails)
        if "@" in text or "at" in text.lower():
            yield from ((email, Method.obfuscated) for email in _deobfuscate(text))


def _split_off_glued(text: str, match: re.Match[str], starts: tuple[int, ...]) -> str:
    """`License 6HT` + `eva@acme.com` in two elements is `eva@…`: an element boundary inside
    the local part (not right before the `@`) starts the address there."""
    begin, at = match.start(), match.group(0).index("@") + match.start()
    cut = max((start for start in starts if begin < start < at), default=begin)
    return match.group(0)[cut - begin :]


def _is_third_party(email: str, site: str | None) -> bool:
    domain = _domain_of(email)
    return domain is not None and domain != site and domain not in _NOT_AGENCIES


def _form_emails(tree: LexborHTMLParser) -> Iterator[tuple[str, Method]]:
    for node in tree.css("form[action]"):
        for email in _mailto_addresses(node.attributes.get("action") or ""):
            yield email, Method.form
    for node in tree.css("input[type=hidden][value]"):
        for email in _find(node.attributes.get("value") or ""):
            yield email, Method.form


def _label_emails(tree: LexborHTMLParser, credited: set[str]) -> Iterator[tuple[str, Method]]:
    """Addresses people read in alt text (shown for an image) or hover/aria labels."""
    for node in tree.css("[alt], [title], [aria-label]"):
        for name in _LABELS:
            label = node.attributes.get(name) or ""
            if "@" not in label:
                continue
            emails = _find(label)
            if emails and _CREDIT.search(label):
                credited.update(email.lower() for email in emails)
            yield from ((email, Method.alt) for email in emails)


def _deobfuscate(text: str) -> Iterator[str]:
    for match in _OBFUSCATED.finditer(text):
        local, at = match["local"], match["at"]
        if at.strip().lower() in ("at", "@") and local.lower() in _PROSE_LOCALS:
            continue
        email = f"{local}@{'.'.join(_DOT_SPLIT.split(match['domain']))}"
        if email != match.group(0):
            yield email


def _reversed_emails(tree: LexborHTMLParser) -> Iterator[tuple[str, Method]]:
    # CSS `direction: rtl` with `unicode-bidi: bidi-override` shows reversed source text
    # the right way round; spam bots read it backwards.
    for node in tree.css("[style]"):
        style = (node.attributes.get("style") or "").replace(" ", "").lower()
        if "direction:rtl" in style and "bidi-override" in style:
            for email in _find(node.text(deep=True)[::-1]):
                yield email, Method.reversed


def _attribute_emails(tree: LexborHTMLParser) -> Iterator[tuple[str, Method]]:
    for node in tree.css(_ATTRIBUTE_SELECTOR):
        if node.tag == "input" and (node.attributes.get("type") or "").lower() == "hidden":
            continue  # a form's recipient: read by _form_emails
        for name in _ATTRIBUTE_NAMES:
            for email in _find(node.attributes.get(name) or ""):
                yield email, Method.attribute
    for node in tree.css("[data-user][data-domain]"):
        user, domain = node.attributes.get("data-user"), node.attributes.get("data-domain")
        for email in _find(f"{user}@{domain}"):
            yield email, Method.attribute


def _agency_credits(tree: LexborHTMLParser, site: str | None) -> tuple[set[str], set[str]]:
    """Domains and addresses of web agencies named in "Website by …" credits."""
    agencies: set[str] = set()
    credited: set[str] = set()
    containers: list[LexborNode] = []
    for node, text in _text_nodes(tree):
        if _CREDIT.search(text) and node.parent is not None:
            credited.update(email.lower() for email in _find(text))
            container = _container(node.parent)
            # A credit written straight into a big block must not taint the whole page.
            if len(container.text(deep=True)) <= _MAX_CREDIT_CHARS:
                containers.append(container)
    for link in tree.css("a[title]"):
        if _CREDIT.search(link.attributes.get("title") or ""):
            containers.append(link)
    for container in containers:
        for link in container.css("a[href]") if container.tag != "a" else [container]:
            href = link.attributes.get("href") or ""
            domain = _link_domain(href, link)
            if domain and domain != site and domain not in _NOT_AGENCIES:
                agencies.add(domain)
        for email in _find(container.text(deep=True)):
            domain = _domain_of(email.lower())
            if domain and domain != site and domain not in _NOT_AGENCIES:
                agencies.add(domain)
    return agencies, credited


def _container(element: LexborNode) -> LexborNode:
    while element.tag in _INLINE and element.parent is not None:
        element = element.parent
    return element


def _link_domain(href: str, link: LexborNode) -> str | None:
    if link.tag == "a" and href.lower().startswith("mailto:"):
        emails = _mailto_addresses(href)
        return _domain_of(emails[0].lower()) if emails else None
    absolute = urljoin("https://invalid.invalid/", href.strip())
    if urlsplit(absolute).scheme not in ("http", "https"):
        return None
    return registrable_domain(url_host(absolute))
