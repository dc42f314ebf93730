"""The second unseen extraction set (tests/golden/extract_unseen/): well-formed, and never crashes the extractor.

25 articles written and labelled by hand after the extractor had been tuned on tests/golden/extract/
and fixed against tests/golden/extract_heldout/, then scored once while still unseen (first-run table
and diagnosed misses in the set's README.md). Measurement data, not tuning targets: no F1 gate here.
Re-measure with ``bench/extract_quality.py --dir tests/golden/extract_unseen --verbose``.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from feeds.models import Language
from tests import test_extract_golden as golden
from tests import test_extract_heldout as heldout
from tests.test_extract_golden import _extract_function, quality

ROOT = Path(__file__).resolve().parents[1]
UNSEEN = ROOT / "tests" / "golden" / "extract_unseen"
ARTICLES = sorted(UNSEEN.glob("*.txt"))


@pytest.fixture(scope="module")
def cases():
    return quality.load_cases(UNSEEN)


def test_set_has_the_promised_mix(cases):
    assert len(cases) == len(ARTICLES) == 25
    assert {p.stem for p in UNSEEN.glob("*.json")} == {p.stem for p in ARTICLES}, "every .txt needs its .json"
    assert sum(c.language is Language.EN for c in cases) >= 7
    assert sum(not unicodedata.is_normalized("NFC", p.read_text(encoding="utf-8")) for p in ARTICLES) >= 2
    assert sum(len(c.gold.events) > 1 for c in cases) >= 3, "several events in one article"
    assert any(e.province is None for c in cases for e in c.gold.events), "online / abroad events"
    assert any(e.status == "upcoming" for c in cases for e in c.gold.events)
    assert any(r.sub_items for c in cases for r in c.gold.recommendations)
    assert sum(not c.gold.recommendations for c in cases) >= 10, "articles without recommendations"


def test_readme_records_the_unseen_first_run():
    readme = (UNSEEN / "README.md").read_text(encoding="utf-8")
    assert "unseen" in readme and "First run" in readme
    for row in ("event dates", "event location", "organizers", "participants", "recommendation items"):
        assert f"| {row}" in readme, f"README.md lacks the first-run row {row!r}"
    for case in ARTICLES:
        assert case.stem in readme, f"README.md does not mention {case.stem}"


# The per-file checks are the held-out set's and the main set's own, applied to these files.


@pytest.mark.parametrize("txt", ARTICLES, ids=lambda p: p.stem)
def test_article_and_labels_are_well_formed(txt):
    heldout.test_article_and_labels_are_well_formed(txt)


@pytest.mark.parametrize("txt", ARTICLES, ids=lambda p: p.stem)
def test_labelled_texts_are_quoted_from_the_article(txt):
    heldout.test_labelled_texts_are_quoted_from_the_article(txt)


@pytest.mark.parametrize("txt", ARTICLES, ids=lambda p: p.stem)
def test_extractor_never_raises_nor_logs_an_error(txt, caplog):
    golden.test_extractor_never_raises(txt, caplog)
    case = quality.load_case(txt)
    result = _extract_function()(case.body, language=case.language, published=case.published, title=case.title)
    assert all(e.start is None or e.end is None or e.start <= e.end for e in result.events)


def test_scorer_covers_the_whole_set(cases):
    """Measured, not gated: every file is scored and none raised."""
    report = quality.evaluate(cases, _extract_function())
    assert report.files == 25 and report.errors == {}
    assert report.rows["event dates"].tp + report.rows["event dates"].fn == sum(len(c.gold.events) for c in cases)
