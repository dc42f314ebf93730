"""The held-out extraction set (tests/golden/extract_heldout/): well-formed, and never crashes the extractor.

These 20 articles were written and labelled by hand *after* the extractor was tuned on
tests/golden/extract/, and scored once while still unseen (figures in the set's README.md).
They are measurement data, not tuning targets: nothing here gates on precision, recall or F1.
Re-measure with ``bench/extract_quality.py --dir tests/golden/extract_heldout --verbose``.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path

import pytest

from feeds.models import Extraction, Language
from feeds.text import fold
from tests.test_extract_golden import LABEL_LEFT_IN, _check_event, _extract_function, quality

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "tests" / "golden" / "extract_heldout"
ARTICLES = sorted(HELDOUT.glob("*.txt"))


@pytest.fixture(scope="module")
def cases():
    return quality.load_cases(HELDOUT)


def test_set_is_complete_and_varied(cases):
    assert len(cases) == len(ARTICLES) == 20
    assert {p.stem for p in HELDOUT.glob("*.json")} == {p.stem for p in ARTICLES}, "every .txt needs its .json"
    assert sum(c.language is Language.EN for c in cases) >= 6
    assert sum(not unicodedata.is_normalized("NFC", p.read_text(encoding="utf-8")) for p in ARTICLES) >= 2
    assert sum(not c.gold.events and not c.gold.recommendations for c in cases) >= 4
    assert sum(len(c.gold.events) > 1 for c in cases) >= 2
    assert any(r.sub_items for c in cases for r in c.gold.recommendations)


def test_readme_records_the_unseen_first_run():
    readme = (HELDOUT / "README.md").read_text(encoding="utf-8")
    assert "unseen" in readme
    for row in ("event dates", "event location", "organizers", "participants", "recommendation items"):
        assert row in readme, f"README.md lacks the first-run row {row!r}"


@pytest.mark.parametrize("txt", ARTICLES, ids=lambda p: p.stem)
def test_article_and_labels_are_well_formed(txt):
    fields, body = quality.parse_article(txt.read_text(encoding="utf-8"), where=txt.name)
    published = dt.datetime.fromisoformat(fields["published"])
    assert published.tzinfo is not None and fields["title"] and "\n\n" in body
    data = json.loads(txt.with_suffix(".json").read_text(encoding="utf-8"))
    assert set(data) == {"events", "recommendations"}
    for event in data["events"]:
        _check_event(event, published.date())
    for rec in data["recommendations"]:
        assert set(rec) == {"text", "sub_items"}
        for text in [rec["text"], *rec["sub_items"]]:
            assert isinstance(text, str) and text and text.strip() == text
            assert not LABEL_LEFT_IN.match(text), f"list label left in {text!r}"


@pytest.mark.parametrize("txt", ARTICLES, ids=lambda p: p.stem)
def test_labelled_texts_are_quoted_from_the_article(txt):
    case = quality.load_case(txt)
    body = fold(case.body)
    for event in case.gold.events:
        assert all(fold(o) in body for o in event.organizers), event.organizers
    for rec in case.gold.recommendations:
        for text in [rec.text, *rec.sub_items]:
            assert fold(text) in body, text


@pytest.mark.parametrize("txt", ARTICLES, ids=lambda p: p.stem)
def test_extractor_never_raises(txt):
    case = quality.load_case(txt)
    extraction = _extract_function()(case.body, language=case.language, published=case.published, title=case.title)
    assert isinstance(extraction, Extraction)
    for event in extraction.events:
        assert event.start is None or event.end is None or event.start <= event.end


def test_scorer_runs_over_the_whole_set(cases):
    """Measured, not gated: the report covers every file and no file raised."""
    report = quality.evaluate(cases, _extract_function())
    assert report.files == 20 and report.errors == {}
    assert sum(c.tp + c.fn for c in report.rows.values()) > 0
