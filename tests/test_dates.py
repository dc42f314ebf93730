"""feeds.dates: every stamp the sites print, day-first, aware, never raising."""

from __future__ import annotations

import datetime as dt
import unicodedata
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.dates import MONTHS, parse_date, parse_datetime

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
PARIS = ZoneInfo("Europe/Paris")


def at(*parts: int, tz: dt.tzinfo = HCM) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=tz)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06:2 | 02/12/2007", at(2007, 12, 2, 6, 2)),
        ("08:20 | 14/07/2019", at(2019, 7, 14, 8, 20)),
        ("Cập nhật: 05-03-2014 | 10:12:45", at(2014, 3, 5, 10, 12, 45)),
        ("Thứ Hai 09:05 12-03-2018", at(2018, 3, 12, 9, 5)),
        ("14/07/2019", at(2019, 7, 14)),
        ("14-07-2019", at(2019, 7, 14)),
        ("14.07.2019", at(2019, 7, 14)),
        ("3/7/2019", at(2019, 7, 3)),  # day-first, never 7 March
        ("14/07/19", at(2019, 7, 14)),
        ("ngày 26 tháng 5 năm 2010", at(2010, 5, 26)),
        ("NGÀY 26 THÁNG 05, 2010", at(2010, 5, 26)),
        ("Ngày 26/5/2010", at(2010, 5, 26)),
        ("April 3, 2025 | 09:15", at(2025, 4, 3, 9, 15)),
        ("June 9, 2016", at(2016, 6, 9)),
        ("9 June 2016", at(2016, 6, 9)),
        ("Jun 9, 2016", at(2016, 6, 9)),
        ("Sept. 9th, 2016", at(2016, 9, 9)),
        ("Thursday, 9th of June 2016", at(2016, 6, 9)),
        ("2019-07-14", at(2019, 7, 14)),
        ("2019-07-14T08:20:00", at(2019, 7, 14, 8, 20)),
        ("2019-07-14 08:20:00", at(2019, 7, 14, 8, 20)),
        ("2019-07-14T08:20:00+07:00", at(2019, 7, 14, 8, 20)),
        ("2019-07-14T01:20:00Z", at(2019, 7, 14, 8, 20)),
        ("2019-07-14T08:20:00.250-05:00", at(2019, 7, 14, 20, 20, 0, 250_000)),
        ("Sun, 14 Jul 2019 01:20:00 +0000", at(2019, 7, 14, 8, 20)),
        ("09:15 SA 14/07/2019", at(2019, 7, 14, 9, 15)),
        ("02:15 CH 14/07/2019", at(2019, 7, 14, 14, 15)),
        ("12:30 SA 14/07/2019", at(2019, 7, 14, 0, 30)),
        ("14/07/2019 12:05 AM", at(2019, 7, 14, 0, 5)),
        ("14/07/2019 1:05 p.m.", at(2019, 7, 14, 13, 5)),
        ("14/07/2019 12:05 PM", at(2019, 7, 14, 12, 5)),
        ("14h30 ngày 14/7/2019", at(2019, 7, 14, 14, 30)),
        ("2 giờ 30 chiều ngày 14/7/2019", at(2019, 7, 14, 14, 30)),
        ("Đăng lúc 08:20 | 14/07/2019 bởi admin", at(2019, 7, 14, 8, 20)),
        ("Tin đăng ngày 14/07/2019, cập nhật sau", at(2019, 7, 14)),
    ],
)
def test_every_printed_format(text, expected):
    parsed = parse_datetime(text, HCM)
    assert parsed == expected
    assert parsed.utcoffset() == dt.timedelta(hours=7)


def test_decomposed_input_reads_like_composed():
    text = "Cập nhật: ngày 26 tháng 5 năm 2010 lúc 14:30"
    assert parse_datetime(unicodedata.normalize("NFD", text), HCM) == at(2010, 5, 26, 14, 30)


def test_times_without_offset_are_in_the_given_zone():
    assert parse_datetime("08:20 | 14/07/2019", PARIS) == at(2019, 7, 14, 8, 20, tz=PARIS)
    assert parse_datetime("2019-07-14T06:20:00Z", PARIS) == at(2019, 7, 14, 8, 20, tz=PARIS)
    assert parse_datetime("14/07/2019", None) == at(2019, 7, 14)  # default zone


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2019", "29/02/2019", "13/13/2019", "00/05/2019", "2019-02-30", "February 30, 2020",
        "17/8", "tháng 5 năm 2010", "08:20", "14.07.19", "Không có ngày", "", "1.5 triệu", "1419/QĐ-TTg",
    ],
)
def test_incomplete_or_impossible_dates_give_none(text):
    assert parse_datetime(text, HCM) is None


def test_an_impossible_time_keeps_the_date():
    assert parse_datetime("25:61 14/07/2019", HCM) == at(2019, 7, 14)


def test_a_time_far_from_the_date_is_not_attached():
    far = "14/07/2019 " + "chữ " * 20 + "08:20"
    assert parse_datetime(far, HCM) == at(2019, 7, 14)


def test_first_date_wins_and_leap_day_is_fine():
    assert parse_datetime("29/02/2020 và 01/03/2020", HCM) == at(2020, 2, 29)
    assert parse_datetime("Ngày 31/02/2019 sai, đúng là 28/02/2019", HCM) == at(2019, 2, 28)


def test_parse_date_and_months():
    assert parse_date("08:20 | 14/07/2019", HCM) == dt.date(2019, 7, 14)
    assert parse_date("2019-07-13T20:00:00Z", HCM) == dt.date(2019, 7, 14)  # the day in Hanoi
    assert parse_date("nothing", HCM) is None
    assert MONTHS["sept"] == 9 and MONTHS["december"] == 12 and len(set(MONTHS.values())) == 12


@given(st.datetimes(min_value=dt.datetime(1950, 1, 1), max_value=dt.datetime(2090, 12, 31), timezones=st.just(HCM),
                    allow_imaginary=False))
def test_iso_round_trip(stamp):
    assert parse_datetime(stamp.isoformat(), HCM) == stamp


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 12, 31)), st.sampled_from("/-."))
def test_day_first_numeric_round_trip(day, sep):
    text = f"Ngày {day.day}{sep}{day.month:02d}{sep}{day.year}"
    assert parse_date(text, HCM) == day


def _check(text: str) -> None:
    parsed = parse_datetime(text, HCM)
    assert parsed is None or parsed.tzinfo is not None


@given(st.text())
def test_arbitrary_text_never_raises(text):
    _check(text)


PIECES = st.sampled_from(
    [*"0123456789", *"/-.:,| +T", "Z", "ngày", "tháng", "năm", "SA", "CH", "AM", "p.m.", "h", "giờ",
     "+07:00", "-05", "GMT", "UTC", "of", "th", *MONTHS, "Thứ Hai", "\u0301", "\n"]
)


@settings(max_examples=300)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_date_shaped_text_never_raises(text):
    _check(text)


def test_large_adversarial_inputs_complete():
    assert parse_datetime("1/1/" * 50_000, HCM) is None
    assert parse_datetime("31/02/2019 " * 20_000 + "01/03/2019", HCM) == at(2019, 3, 1)
    assert parse_datetime("12:30 " * 50_000 + "14/07/2019", HCM) == at(2019, 7, 14, 12, 30)
