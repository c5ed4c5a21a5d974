"""Text as a browser shows it: inline elements joined, invisible characters dropped (pure).

`info<span>@</span>acme.com` reads as one address on screen, and so does an address with
a zero-width space or a soft hyphen inside; matching the raw text nodes one by one finds
nothing (or, worse, the tail `fice@acme.com` of `of&shy;fice@acme.com`). Block elements and
`<br>` still separate runs, so text of neighbouring blocks never glues into an address.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

# Zero-width space / non-joiner / joiner, word joiner, BOM, soft hyphen: not drawn at all.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# Elements that a browser lays out inside the line (no break before or after).
INLINE_TAGS = [
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "em", "font", "i", "kbd", "mark",
    "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr",
]  # fmt: skip


@dataclass(frozen=True)
class Run:
    """Text drawn without a break, and the offsets where one of its text nodes begins."""

    text: str
    starts: tuple[int, ...]


def visible(text: str) -> str:
    """`text` without the characters a browser does not draw."""
    return text.translate(INVISIBLE)


def rendered_runs(tree: LexborHTMLParser) -> Iterator[Run]:
    """Each run of text a browser draws without a break, invisible characters dropped.

    Consumes `tree`: its inline elements are unwrapped, so call this after everything
    that reads links and attributes.
    """
    tree.unwrap_tags(INLINE_TAGS)
    root = tree.root
    if root is None:
        return
    parts: list[str] = []
    starts: list[int] = []
    length = 0
    for node in root.traverse(include_text=True):
        if not node.is_text_node or not node.text_content:
            continue
        previous = node.prev
        if parts and not (previous is not None and previous.is_text_node):
            yield Run("".join(parts), tuple(starts))
            parts, starts, length = [], [], 0
        text = visible(node.text_content)
        parts.append(text)
        starts.append(length)
        length += len(text)
    if parts:
        yield Run("".join(parts), tuple(starts))
