"""Where a year-less date's year comes from, and one event named twice (once without its year).

Every text here is written for these tests in the style of VNCPC's Vietnamese and English news.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from feeds.dates import date_in_url, parse_datetime
from feeds.extract.eventyear import YearClue, year_clues
from feeds.extract import extract
from feeds.models import DatePrecision, DateSource, Language

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SEEN = dt.datetime(2026, 12, 1, 9, 0, tzinfo=VN)  # when a page without a stamp was first seen
D = dt.date


def _events(text, *, published=SEEN, source=DateSource.FIRST_SEEN, url="", title="", language=Language.VI):
    return extract(text, language=language, published=published, title=title, url=url, published_from=source).events


def _dates(events):
    return [(e.start, e.end, e.year_guessed) for e in events]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://vncpc.org/2018/05/hoi-thao-kinh-te-tuan-hoan/", (2018, 5, None)),
        ("http://example.org/en/2019/08/23/376/", (2019, 8, 23)),
        ("https://vncpc.org/2018/page/12", (2018, None, None)),
        ("https://vncpc.org/tin-tuc/2019-08-23-hoi-thao", None),
        ("https://example.vn/item/41645402-tin.html", None),
        ("https://example.vn/?p=2018/05", None),
        ("https://2018.example.vn/tin", None),
    ],
)
def test_a_url_path_may_file_the_page_under_a_year_and_month(url, expected):
    assert date_in_url(url) == expected


def test_a_stamp_printed_with_spaces_is_read():
    assert parse_datetime("15 06 2023") == dt.datetime(2023, 6, 15, tzinfo=VN)
    assert parse_datetime("lúc 10 30 2023") is None  # a clock time is no day and month


def test_the_page_stamp_gives_the_year_when_there_is_one():
    events = _events("Ngày 9/11, VCCI tổ chức hội thảo giới thiệu dự án đào tạo sản xuất sạch hơn.",
                     published=dt.datetime(2015, 11, 12, tzinfo=VN), source=DateSource.PAGE)
    assert _dates(events) == [(D(2015, 11, 9), D(2015, 11, 9), False)]


def test_without_a_stamp_nothing_fixes_the_year_so_it_is_marked_as_a_guess():
    events = _events("Trong hai ngày 27 và 28 tháng 9, Hội nghị bàn tròn về tiêu dùng bền vững diễn ra tại TP Đà Nẵng. "
                     "Mục tiêu đến năm 2020 là giảm 10% năng lượng tiêu thụ.")
    assert _dates(events) == [(D(2026, 9, 27), D(2026, 9, 28), True)]
    assert events[0].year_inferred


def test_without_a_stamp_the_articles_own_full_date_gives_the_year():
    text = ("Ngày 5/3/2019, Trung tâm Sản xuất sạch hơn Việt Nam ký kết thỏa thuận hợp tác với Trường Đại học Bách khoa. "
            "Ngày 7/3, hai bên tổ chức hội thảo chia sẻ kinh nghiệm kiểm toán năng lượng tại Hà Nội.")
    events = _events(text)
    assert (events[-1].start, events[-1].year_guessed) == (D(2019, 3, 7), False)


def test_without_a_stamp_a_sentence_opening_with_its_year_gives_the_year():
    text = ("Năm 2021, Bộ Công Thương giao VNCPC xây dựng bộ tài liệu đào tạo về tiêu dùng bền vững. "
            "Trong buổi báo cáo tổng kết tại Bộ Công Thương được tổ chức ngày 20/12, bộ tài liệu được đánh giá cao.")
    assert _dates(_events(text)) == [(D(2021, 12, 20), D(2021, 12, 20), False)]


def test_a_target_or_a_decree_date_gives_no_year():
    text = ("Theo Nghị định số 82/2018/NĐ-CP ngày 22/5/2018, các khu công nghiệp phải chuyển đổi đến năm 2030. "
            "Ngày 9/11, VCCI tổ chức hội thảo giới thiệu dự án.")
    assert _dates(_events(text)) == [(D(2026, 11, 9), D(2026, 11, 9), True)]


def test_without_a_stamp_the_url_gives_the_year():
    text = "On 23 May, the project on plastic recycling education was launched in Hanoi."
    events = _events(text, url="https://vncpc.org/en/2018/05/", language=Language.EN)
    assert _dates(events) == [(D(2018, 5, 23), D(2018, 5, 23), False)]
    year_only = _events(text, url="https://vncpc.org/2018/page/3", language=Language.EN)
    assert _dates(year_only) == [(D(2018, 5, 23), D(2018, 5, 23), False)]


def test_the_listing_date_gives_the_year_and_is_no_guess():
    events = _events("Ngày 9/11, VCCI tổ chức hội thảo giới thiệu dự án.",
                     published=dt.datetime(2015, 11, 20, tzinfo=VN), source=DateSource.LISTING)
    assert _dates(events) == [(D(2015, 11, 9), D(2015, 11, 9), False)]


def test_the_order_of_the_clues():
    sentences = ["Năm 2022, dự án được triển khai.", "Ngày 24/12 diễn ra buổi tổng kết."]
    seen = SEEN.date()
    assert year_clues(sentences, published=seen) == [YearClue(seen)] * 2  # a page stamp: nothing else counts
    own = year_clues(sentences, published=seen, published_from=DateSource.FIRST_SEEN, url="https://x.vn/2019/05/a")
    assert [c.year for c in own] == [2022, 2022]  # the article's words before its URL
    by_url = year_clues(["Ngày 24/12 diễn ra buổi tổng kết."], published=seen, published_from=DateSource.LISTING,
                        url="https://x.vn/2019/05/a")
    assert by_url == [YearClue(D(2019, 5, 31), exact=False)]  # a month, not the page's day
    guess = year_clues(["Ngày 24/12."], published=seen, published_from=DateSource.FIRST_SEEN)
    assert guess == [YearClue(seen, guessed=True, exact=False)]


def test_a_year_after_the_day_the_page_was_seen_is_no_clue():
    sentences = ["Năm 2030, ngành dệt may sẽ giảm một nửa lượng nước thải.", "Ngày 3/4 diễn ra hội thảo."]
    assert [c.guessed for c in year_clues(sentences, published=SEEN.date(), published_from=DateSource.FIRST_SEEN)] == [True, True]


def test_one_event_named_with_and_without_its_year_is_one_event():
    text = ("Trong hai ngày 20 và 21/6 năm 2018, VNCPC và Sofies đã tổ chức hội thảo khởi động dự án “Khu công nghiệp sinh thái” "
            "tại Khu Công nghệ cao Tp.HCM và Khu công nghiệp Long Thành (Đồng Nai).\n\n"
            "Hội thảo khởi động dự án “Khu công nghiệp sinh thái” được tổ chức tại Tp.HCM ngày 20/6.")
    for published in (SEEN, dt.datetime(2019, 7, 1, tzinfo=VN)):  # however the stamp would date "20/6"
        events = _events(text, published=published, source=DateSource.PAGE)
        assert _dates(events) == [(D(2018, 6, 20), D(2018, 6, 21), False)]


def test_a_title_without_the_year_and_a_body_with_it_are_one_event():
    text = "Bộ Tài nguyên và Môi trường sẽ tổ chức Hội nghị Môi trường toàn quốc lần thứ V vào ngày 4/8/2022 tại Hà Nội."
    events = _events("Hội nghị Môi trường toàn quốc diễn ra ngày 4/8.\n\n" + text,
                     published=dt.datetime(2023, 1, 5, tzinfo=VN), source=DateSource.PAGE)
    assert _dates(events) == [(D(2022, 8, 4), D(2022, 8, 4), False)]


def test_a_month_only_date_with_no_year_is_a_guess_too():
    text = ("The Ministry of Planning and Investment is planning to organize a closing event in Hanoi mid-June "
            "to highlight the results of the eco-industrial park project.")
    (event,) = _events(text, language=Language.EN)
    assert (event.precision, event.start.month, event.year_guessed) == (DatePrecision.MONTH, 6, True)
    assert event.name == "closing event" and event.location == "Hanoi"
