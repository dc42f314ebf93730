"""`bench/extract_quality.py --dir` on a development corpus (the `expected.json` format).

The three articles in tests/fixtures/corpus_format/ are written for these tests; the real
development corpus lives outside the repository and is never needed here.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest

from feeds.models import DatePrecision, Event, Extraction, Recommendation

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "corpus_format"


def _load(name: str):
    sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


quality = _load("extract_quality")
corpus = sys.modules["corpus_quality"]
D = dt.date


def _case(name: str):
    return next(c for c in corpus.load_corpus(CORPUS) if c.name.startswith(name))


def test_the_format_is_read_line_by_line():
    cases = corpus.load_corpus(CORPUS)
    assert [c.name for c in cases] == ["01_hoi_thao", "02_ban_tron", "03_khong_su_kien"]
    first = cases[0]
    assert first.title.startswith("Hội thảo tiết kiệm") and first.stamp == "Cập nhật: 12-04-2024 | 09:15"
    assert first.body.startswith("Sáng 10/4") and first.url.endswith("/hoi-thao")
    assert cases[1].stamp == ""
    assert cases[1].events[0].key == ("MD", (11, 5), (11, 6))  # no year on the page: month and day only
    assert first.events[1].optional and cases[2].events == ()


def test_halves_split_the_files_alternately():
    assert [c.name[:2] for c in corpus.load_corpus(CORPUS, half="odd")] == ["01", "03"]
    assert [c.name[:2] for c in corpus.load_corpus(CORPUS, half="even")] == ["02"]


def _event(start, end=None, **fields) -> Event:
    return Event(name=fields.pop("name", "Hội thảo"), start=start, end=end or start, **fields)


def _score(name: str, extraction: Extraction):
    report = corpus.CorpusReport()
    events, items = corpus.predicted(extraction)
    corpus.score_case(report, _case(name), events, items)
    return report


def test_a_perfect_prediction_scores_one_and_an_optional_event_costs_nothing():
    found = Extraction(
        events=(
            _event(D(2024, 4, 10), location="Khách sạn Sông Hàn, TP Đà Nẵng", province="Đà Nẵng",
                   organizers=("Trung tâm Sản xuất sạch hơn Việt Nam (VNCPC)",), participants=80),
            _event(D(2024, 4, 11)),  # the optional event
        ),
        recommendations=(
            Recommendation(1, "Xây dựng cơ chế hỗ trợ tài chính cho doanh nghiệp đầu tư thiết bị hiệu suất cao.", label="1."),
            Recommendation(2, "Tăng cường đào tạo cán bộ quản lý năng lượng tại các nhà máy dệt nhuộm.", label="2."),
        ),
    )
    report = _score("01", found)
    assert (report.dates.tp, report.dates.fp, report.dates.fn) == (1, 0, 0)
    assert (report.location_right, report.location_paired) == (1, 1)
    assert (report.organizers.tp, report.participants.tp, report.items.tp, report.items.fp) == (1, 1, 2, 0)
    assert report.mismatches == {}


def test_a_year_nothing_fixes_must_be_marked_as_guessed():
    invented = _score("02", Extraction(events=(_event(D(2026, 11, 5), D(2026, 11, 6), location="TP Cần Thơ"),)))
    assert (invented.dates.tp, invented.dates.fp, invented.dates.fn) == (0, 1, 1)
    marked = _score("02", Extraction(events=(
        _event(D(2026, 11, 5), D(2026, 11, 6), location="Cần Thơ", year_guessed=True),)))
    assert (marked.dates.tp, marked.dates.fp, marked.dates.fn) == (1, 0, 0)
    assert marked.location_right == 1


def test_prose_suggestions_are_neither_required_nor_penalised():
    found = Extraction(recommendations=(Recommendation(1, "cần mở rộng nhãn sinh thái cho hàng tiêu dùng"),))
    assert (_score("02", found).items.fp, _score("02", Extraction()).items.fn) == (0, 0)


def test_events_on_an_article_without_any_count_as_invented():
    report = _score("03", Extraction(events=(_event(D(2022, 3, 15)),)))
    assert report.invented == 1 and report.invented_in == ["03_khong_su_kien"] and report.dates.fp == 1
    assert corpus.failing(report, 0.9) == ["event dates", "invented events"]


def test_a_month_event_and_wrong_fields_are_counted():
    month = Event(name="x", start=D(2024, 4, 1), end=D(2024, 4, 30), precision=DatePrecision.MONTH)
    assert corpus.predicted(Extraction(events=(month,)))[0][0].key == ("Y", D(2024, 4, 1), D(2024, 4, 30))
    report = _score("01", Extraction(events=(_event(D(2024, 4, 10), location="Hà Nội", participants=8),)))
    assert (report.location_right, report.participants.fp, report.participants.fn, report.organizers.fn) == (0, 1, 1, 1)
    assert report.items.fn == 2


def test_recommendations_match_by_prefix_or_a_near_opening():
    gold = "Tăng cường đào tạo cán bộ quản lý năng lượng tại các nhà máy dệt nhuộm"
    assert corpus.same_item(gold, gold + " và khu công nghiệp.")
    assert corpus.same_item(gold, gold.replace("nhà máy", "nha may"))  # a typo-level difference
    assert not corpus.same_item(gold, "Tăng cường kiểm tra việc xả thải của các nhà máy dệt nhuộm")
    assert not corpus.same_item("Tăng cường tuyên truyền", "Tăng cường")


def test_the_script_scores_the_corpus_with_the_real_extractor(capsys):
    assert quality.main(["--dir", str(CORPUS)]) == 0
    out = capsys.readouterr().out
    assert "3 articles of the development corpus" in out and "event location:" in out
    assert "events invented on articles with none:" in out


@pytest.mark.parametrize("half", ["odd", "even"])
def test_the_script_accepts_a_half(half, capsys):
    assert quality.main(["--dir", str(CORPUS), "--half", half]) == 0
    assert f"{half} half" in capsys.readouterr().out


def test_partial_dates_the_scorer_cannot_match_count_as_undated():
    assert corpus._gold_key({"start": None, "start_partial": "2018-W20"}) is None
    assert corpus._gold_key({"start": None, "start_partial": "2009-11"}) == ("Y", D(2009, 11, 1), D(2009, 11, 30))
    assert corpus._gold_key({"start": None, "start_partial": "--06"}) == ("MD", (6, None), (6, None))
