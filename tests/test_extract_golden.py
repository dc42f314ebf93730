"""The hand-labelled extraction set (tests/golden/extract/) and the extractor's score on it.

The labels are written by hand; the scoring rules live in bench/extract_quality.py.
"""

from __future__ import annotations

import calendar
import datetime as dt
import importlib.util
import json
import logging
import re
import sys
import unicodedata
from pathlib import Path

import pytest

from feeds.models import Extraction, Language
from feeds.text import fold

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "extract"
ARTICLES = sorted(GOLDEN.glob("*.txt"))
MIN_F1 = 0.9

# Canonical names: no "tỉnh"/"thành phố"/"TP", traditional tone placement. The 63 provinces and
# centrally-run cities before the 1 July 2025 merger, plus "Huế" (the one new name after it).
_PROVINCES = """
Hà Nội|Hồ Chí Minh|Hải Phòng|Đà Nẵng|Cần Thơ|An Giang|Bà Rịa - Vũng Tàu|Bắc Giang|Bắc Kạn|Bạc Liêu|
Bắc Ninh|Bến Tre|Bình Định|Bình Dương|Bình Phước|Bình Thuận|Cà Mau|Cao Bằng|Đắk Lắk|Đắk Nông|
Điện Biên|Đồng Nai|Đồng Tháp|Gia Lai|Hà Giang|Hà Nam|Hà Tĩnh|Hải Dương|Hậu Giang|Hòa Bình|Hưng Yên|
Khánh Hòa|Kiên Giang|Kon Tum|Lai Châu|Lâm Đồng|Lạng Sơn|Lào Cai|Long An|Nam Định|Nghệ An|Ninh Bình|
Ninh Thuận|Phú Thọ|Phú Yên|Quảng Bình|Quảng Nam|Quảng Ngãi|Quảng Ninh|Quảng Trị|Sóc Trăng|Sơn La|
Tây Ninh|Thái Bình|Thái Nguyên|Thanh Hóa|Thừa Thiên Huế|Tiền Giang|Trà Vinh|Tuyên Quang|Vĩnh Long|
Vĩnh Phúc|Yên Bái|Huế"""
CANONICAL_PROVINCES = frozenset(name.strip() for name in _PROVINCES.replace("\n", "").split("|"))
KINDS = {
    "conference", "workshop", "training", "forum", "ceremony",
    "meeting", "exhibition", "survey", "launch", "other",
}
EVENT_KEYS = {"kind", "start", "end", "precision", "province", "organizers", "participants", "status"}
LABEL_LEFT_IN = re.compile(
    r"^\s*(?:\(?\d+[.)]|\(?[a-zđ]\)|[•\-–]|(?:một|hai|ba|bốn|năm) là\b)", re.IGNORECASE
)


def _load_quality():
    spec = importlib.util.spec_from_file_location("extract_quality", ROOT / "bench" / "extract_quality.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


quality = _load_quality()


def _extract_function():
    module = pytest.importorskip("feeds.extract", reason="feeds.extract is not written yet (issue 3)")
    return module.extract


@pytest.fixture(scope="module")
def cases():
    return quality.load_cases(GOLDEN)


@pytest.fixture(scope="module")
def report(cases):
    return quality.evaluate(cases, _extract_function())


# --------------------------------------------------------------------------- the set itself


def test_set_is_large_and_varied(cases):
    assert len(ARTICLES) >= 30
    assert {p.stem for p in GOLDEN.glob("*.json")} == {p.stem for p in ARTICLES}, "every .txt needs its .json"
    english = [c for c in cases if c.language is Language.EN]
    nfd = [p for p in ARTICLES if unicodedata.is_normalized("NFC", p.read_text(encoding="utf-8")) is False]
    assert len(english) >= 6
    assert len(nfd) >= 2
    assert sum(1 for c in cases if not c.gold.events and not c.gold.recommendations) >= 3
    assert sum(1 for c in cases if len(c.gold.events) > 1) >= 3
    assert any(r.sub_items for c in cases for r in c.gold.recommendations)
    assert any(e.status == "upcoming" for c in cases for e in c.gold.events)


# Forms issue 3 names; each must appear in some article (compared folded, so NFD files count).
ISSUE_FORMS = (
    "26 và 27 tháng 5", "ngày 14 và 15/9 năm 2016", "Từ ngày 3/11/2019 đến ngày 5/11/2019",
    "từ ngày 8 đến 10/4/2017", "sáng ngày 17/8", "chiều 14/3", "tháng 5 vừa qua", "12th – 14th March, 2017",
    "On 9 June", "from 3 to 5 June 2019", "Quyết định số 1419/QĐ-TTg ngày 7/9/2009", "gần 30 báo cáo",
    "sẽ diễn ra", "sẽ tổ chức", "will be held", "TP.HCM", "Tp.HCM", "TP HCM", "Hanoi", "Da Nang", "Hoà Bình",
    "TP Vinh", "Nha Trang", "Hạ Long", "Đà Lạt", "Một là,", "kiến nghị", "khuyến nghị", "đề xuất", "đề nghị",
    "giải pháp", "recommended", "proposed", "called on",
)
# List shapes, as lines of some article: "1.", "1)", "(1)", "a)", bullets, and nested "•" sub-items.
LIST_SHAPES = (r"^1\. ", r"^1\) ", r"^\(1\) ", r"^a\) ", r"^• ", r"^- ", r"^– ", r"^\s+• ")


def test_set_covers_the_forms_the_issue_names(cases):
    folded = "\n".join(fold(c.body) for c in cases)
    assert [form for form in ISSUE_FORMS if fold(form) not in folded] == []
    lines = unicodedata.normalize("NFC", "\n".join(c.body for c in cases))
    assert [shape for shape in LIST_SHAPES if not re.search(shape, lines, re.MULTILINE)] == []


@pytest.mark.parametrize("txt", ARTICLES, ids=lambda p: p.stem)
def test_article_file_is_well_formed(txt):
    fields, body = quality.parse_article(txt.read_text(encoding="utf-8"), where=txt.name)
    assert fields["language"] in {"vi", "en"}
    published = dt.datetime.fromisoformat(fields["published"])
    assert published.tzinfo is not None, "published needs an offset"
    assert fields["title"]
    assert len(body) > 200 and "\n\n" in body


@pytest.mark.parametrize("txt", ARTICLES, ids=lambda p: p.stem)
def test_labels_are_well_formed(txt):
    data = json.loads(txt.with_suffix(".json").read_text(encoding="utf-8"))
    assert set(data) == {"events", "recommendations"}
    fields, _ = quality.parse_article(txt.read_text(encoding="utf-8"), where=txt.name)
    published = dt.datetime.fromisoformat(fields["published"])
    for event in data["events"]:
        _check_event(event, published.date())
    for rec in data["recommendations"]:
        assert set(rec) == {"text", "sub_items"}
        for text in [rec["text"], *rec["sub_items"]]:
            assert isinstance(text, str) and text.strip() == text and text
            assert not LABEL_LEFT_IN.match(text), f"list label left in {text!r}"


def _check_event(event: dict, published: dt.date) -> None:
    assert set(event) == EVENT_KEYS
    assert event["kind"] in KINDS
    start, end = dt.date.fromisoformat(event["start"]), dt.date.fromisoformat(event["end"])
    assert start <= end
    assert event["precision"] in {"day", "month"}
    if event["precision"] == "month":
        assert start.day == 1 and end.day == calendar.monthrange(end.year, end.month)[1]
    assert event["province"] is None or event["province"] in CANONICAL_PROVINCES, event["province"]
    assert all(isinstance(o, str) and o for o in event["organizers"])
    assert event["participants"] is None or (isinstance(event["participants"], int) and event["participants"] > 0)
    assert event["status"] == ("upcoming" if start > published else "past"), "status must agree with the dates"


@pytest.mark.parametrize("txt", ARTICLES, ids=lambda p: p.stem)
def test_labelled_texts_occur_in_the_article(txt):
    """Guards the labels against typos: every organizer and list item is quoted from the body."""
    case = quality.load_case(txt)
    body = fold(case.body)
    for event in case.gold.events:
        for organizer in event.organizers:
            assert fold(organizer) in body, organizer
    for rec in case.gold.recommendations:
        for text in [rec.text, *rec.sub_items]:
            assert fold(text) in body, text


def test_canonical_list_has_the_63_provinces_and_hue():
    assert len(CANONICAL_PROVINCES) == 64
    assert "Khánh Hòa" in CANONICAL_PROVINCES and "Khánh Hoà" not in CANONICAL_PROVINCES


# --------------------------------------------------------------------------- the scorer


def test_scorer_gives_gold_a_perfect_score(cases):
    report = quality.Report()
    for case in cases:
        quality.score_case(report, case.name, case.gold, case.gold)
    assert all(c.fp == 0 and c.fn == 0 and c.tp > 0 for c in report.rows.values())


def test_scorer_counts_wrong_fields_and_lenient_matches():
    day, next_day = dt.date(2019, 5, 26), dt.date(2019, 5, 27)
    centre = "Trung tâm Sản xuất sạch Việt Nam"
    item = "Các bộ, ngành cần tiếp tục đầu tư cho các mô hình sản xuất sạch hơn tại địa phương."
    gold = quality.Facts(
        (quality.EventFacts(day, day, "workshop", "Khánh Hòa", (centre,), 200, "past"),),
        (quality.RecFacts(item),),
    )
    pred = quality.Facts(
        (quality.EventFacts(day, next_day, "conference", "Khanh Hoa", ("VNCPC", f"{centre} (VNCPC)"), 30, "past"),),
        (quality.RecFacts(item.lower().removesuffix(" tại địa phương.")),),
    )
    report = quality.Report()
    quality.score_case(report, "x", gold, pred)
    rows = report.rows
    assert (rows["event dates"].tp, rows["event dates"].fp, rows["event dates"].fn) == (0, 1, 1)
    assert rows["event location"].tp == 1  # paired by order although the end date differs
    assert (rows["organizers"].tp, rows["organizers"].fp) == (1, 1)
    assert (rows["participants"].fp, rows["participants"].fn) == (1, 1)
    assert rows["recommendation items"].tp == 1  # a prefix of at least 40 characters
    assert not quality.same_item("Tăng cường tuyên truyền", "Tăng cường")  # short prefixes do not count


# --------------------------------------------------------------------------- the extractor


@pytest.mark.parametrize("txt", ARTICLES, ids=lambda p: p.stem)
def test_extractor_never_raises(txt, caplog):
    """No exception escapes, and none is swallowed either: a stage that fails logs an error."""
    extract = _extract_function()
    case = quality.load_case(txt)
    with caplog.at_level(logging.ERROR, logger="feeds"):
        result = extract(case.body, language=case.language, published=case.published, title=case.title)
    assert isinstance(result, Extraction)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("row", quality.GATED)
def test_extractor_quality_on_the_set(report, row):
    assert not report.errors, report.errors
    assert report.rows[row].f1 >= MIN_F1, quality.format_report(report, verbose=True)
