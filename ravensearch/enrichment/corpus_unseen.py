"""A second corpus of trade-business sites, written apart from the email finder (issue #9).

The hard corpus (`corpus.py`) grew next to the finder, so its recall says how well the two
fit. These sites were written from how site builders mark pages up and how people show an
address, before the finder's code was read; `benchmarks/enrich.py --corpus unseen` measures
the finder on them. How a site is put together: `corpus_unseen_parts`; the builders' shells:
`corpus_unseen_layouts`; the sites: `corpus_unseen_wordpress`, `_builders`, `_handmade`
and `_onepage`.
"""

from __future__ import annotations

from ravensearch.enrichment.corpus_unseen_builders import builder_sites
from ravensearch.enrichment.corpus_unseen_handmade import handmade_sites
from ravensearch.enrichment.corpus_unseen_onepage import onepage_sites
from ravensearch.enrichment.corpus_unseen_parts import Found, UnseenSite
from ravensearch.enrichment.corpus_unseen_wordpress import wordpress_sites

__all__ = ["Found", "UnseenSite", "generate_unseen_corpus"]


def generate_unseen_corpus() -> list[UnseenSite]:
    """Every site of the unseen corpus, in a fixed order."""
    return [*wordpress_sites(), *builder_sites(), *handmade_sites(), *onepage_sites()]
