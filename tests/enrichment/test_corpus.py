"""The hard corpus: every site gives back exactly the addresses people read on it."""

from __future__ import annotations

from collections import Counter

import pytest

from ravensearch.enrichment.corpus import WAYS, CorpusSite, generate_corpus
from ravensearch.enrichment.corpus_layouts import LAYOUTS
from ravensearch.enrichment.crawler import Crawler
from ravensearch.enrichment.fake_web import mock_network
from ravensearch.enrichment.service import Enricher
from ravensearch.enrichment.verify import EmailVerifier, StaticMxResolver

CORPUS = generate_corpus()


def test_every_way_in_every_layout_with_truth_and_decoys() -> None:
    assert len(CORPUS) >= 80
    assert Counter(site.way for site in CORPUS) == dict.fromkeys(WAYS, len(LAYOUTS))
    assert len({site.domain for site in CORPUS}) == len(CORPUS)
    assert sum(1 for site in CORPUS if not site.emails) >= 6
    assert all(site.decoys and not site.decoys & site.emails for site in CORPUS)


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    transport, resolver = mock_network({site.domain: site for site in CORPUS}.get)
    return Enricher(
        Crawler(transport=transport, resolver=resolver), EmailVerifier(StaticMxResolver())
    )


@pytest.mark.parametrize("site", CORPUS, ids=lambda site: f"{site.way}-{site.layout}")
async def test_site_gives_its_addresses_and_no_decoy(enricher: Enricher, site: CorpusSite) -> None:
    report = await enricher.find(f"https://{site.domain}/")
    assert {found.email for found in report.emails} == site.emails
    assert len(report.pages) <= 8
