"""Cross-source identity: when two records are the same business, and how to merge them.

Pure: records are plain column dicts (`Row`), whether loaded from the table or read from a
file, so an import of 10k rows never builds 10k ORM objects.
"""

from __future__ import annotations

import functools
import re
import uuid
from typing import Any

from ravensearch.db.models import TargetStatus

Row = dict[str, Any]

# Filled only while empty; a known value is never replaced, and never blanked.
FILLABLE = ("first_name", "last_name", "trade", "email", "address", "city", "state", "zip")
# Each number or URL travels with the key derived from it, so the two never disagree.
PAIRED = (("phone", "phone_e164"), ("website", "website_domain"))
MERGED_COLUMNS = (*FILLABLE, *(column for pair in PAIRED for column in pair))

_LEGAL_SUFFIXES = frozenset({"llc", "inc", "co", "corp", "corporation", "company", "ltd", "lp"})
_WORD = re.compile(r"[^\W_]+")


def business_key(name: str) -> str:
    """ "Joe's Plumbing, LLC" and "joes plumbing" → "joes plumbing"."""
    text = name.lower().replace("'", "").replace("’", "").replace("&", " and ")
    words = _WORD.findall(text)
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def fill_empty(current: Row, incoming: Row) -> set[str]:
    """Copy `incoming` values into `current`'s empty columns; return the columns changed.

    A target that gains an email is ready for dispatch, so it becomes `completed`.
    """
    filled: set[str] = set()
    for name in FILLABLE:
        if incoming.get(name) and not current.get(name):
            current[name] = incoming[name]
            filled.add(name)
    for name, derived in PAIRED:
        if incoming.get(name) and not current.get(name):
            current[name] = incoming[name]
            current[derived] = incoming.get(derived)
            filled.update((name, derived))
    if "email" in filled and current.get("status") != TargetStatus.completed:
        current["status"] = TargetStatus.completed
        current["status_reason"] = None
        filled.update(("status", "status_reason"))
    return filled


class TargetMatcher:
    """An in-memory index of the rows one chunk of an import has seen, loaded or newly read.

    Match order: email (case-insensitive), then E.164 phone, then website domain with the
    same normalised business name. A phone or domain match whose email differs from the
    row's is another contact (two technicians of one firm), so it does not count. A row
    with none of those keys matches on normalised business name, city and state, so that
    re-importing it does not duplicate it. The first row indexed under a key keeps it.

    `places` maps a place key's hash to the id of the first row indexed under it, and is
    shared by every chunk of one import: a name spelt another way ("Joe's Plumbing LLC",
    "joes plumbing") cannot be looked up in the table, so the import remembers it. An id
    per row, not the row, keeps that index small; the chunk loads the rows it names.
    """

    def __init__(self, places: dict[int, uuid.UUID] | None = None) -> None:
        self._by_email: dict[str, Row] = {}
        self._by_phone: dict[str, Row] = {}
        self._by_site: dict[tuple[str, str], Row] = {}
        self._by_id: dict[uuid.UUID, Row] = {}
        self.places = {} if places is None else places

    def add(self, row: Row) -> None:
        if row.get("email"):
            self._by_email.setdefault(row["email"].lower(), row)
        if row.get("phone_e164"):
            self._by_phone.setdefault(row["phone_e164"], row)
        if row.get("website_domain"):
            key = (row["website_domain"], business_key(row["business_name"]))
            self._by_site.setdefault(key, row)
        self._by_id[row["id"]] = row
        self.places.setdefault(place_hash(row), row["id"])

    def find(self, values: Row) -> Row | None:
        email: str | None = values.get("email")
        if not has_match_key(values):
            return self._by_id.get(self.places.get(place_hash(values)))  # type: ignore[arg-type]
        if email and (found := self._by_email.get(email.lower())):
            return found
        candidates = []
        if values.get("phone_e164"):
            candidates.append(self._by_phone.get(values["phone_e164"]))
        if values.get("website_domain"):
            key = (values["website_domain"], business_key(values["business_name"]))
            candidates.append(self._by_site.get(key))
        for candidate in candidates:
            if candidate is not None and _same_contact(candidate, email):
                return candidate
        return None


def has_match_key(row: Row) -> bool:
    return bool(row.get("email") or row.get("phone_e164") or row.get("website_domain"))


def place_hash(row: Row) -> int:
    """The row's normalised business name, city and state, hashed (see TargetMatcher)."""
    city = " ".join((row.get("city") or "").lower().split())
    return hash((business_key(row["business_name"]), city, row.get("state") or ""))


def _same_contact(row: Row, email: str | None) -> bool:
    return not (email and row.get("email") and row["email"].lower() != email.lower())


# --- listings (Google, Yelp) --------------------------------------------------------

# Hosts shared by many businesses: a page there says nothing about identity.
SHARED_HOSTS = frozenset(
    {
        "facebook.com", "fb.com", "instagram.com", "twitter.com", "x.com", "linkedin.com",
        "youtube.com", "tiktok.com", "pinterest.com", "yelp.com", "google.com", "goo.gl",
        "g.page", "business.site", "godaddysites.com", "square.site", "squarespace.com",
        "wixsite.com", "weebly.com", "wordpress.com", "blogspot.com", "linktr.ee",
        "nextdoor.com", "angi.com", "angieslist.com", "homeadvisor.com", "thumbtack.com",
        "bbb.org", "houzz.com", "porch.com", "yellowpages.com", "mapquest.com",
    }
)  # fmt: skip


@functools.cache
def _tld_extractor() -> Any:
    import tldextract  # about 0.1 s to load: only when listings are merged

    # The bundled suffix-list snapshot only: nothing is fetched at run time.
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


@functools.lru_cache(maxsize=65_536)
def registrable_domain(host: str | None) -> str | None:
    """ "shop.acme.co.uk" → "acme.co.uk"; builder subdomains ("joes.wixsite.com") stay whole."""
    if not host:
        return None
    domain: str = _tld_extractor()(host).top_domain_under_public_suffix
    return domain or host


def identity_domain(host: str | None) -> str | None:
    """The registrable domain to match businesses on, or None for shared hosts."""
    domain = registrable_domain(host)
    return None if domain is None or domain in SHARED_HOSTS else domain


def name_key(
    name: str, *, city: str | None = None, state: str | None = None, zip_code: str | None = None
) -> str | None:
    """ "Joe's Plumbing LLC" in Saint Louis, MO → "joes plumbing|st louis|MO"; with no city,
    the ZIP stands in; None when there is neither (a name alone identifies nothing)."""
    key = business_key(name)
    if not key:
        return None
    if city and state:
        words = _WORD.findall(city.lower().replace("saint ", "st ").replace(".", ""))
        place = f"{' '.join(words)}|{state.upper()}"
    elif zip_code:
        place = zip_code[:5]
    else:
        return None
    return f"{key}|{place}"[:300]
