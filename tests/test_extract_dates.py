"""Event date expressions: every written form, year inference, and dates that are not events."""

from __future__ import annotations

import datetime as dt

import pytest

from feeds.extract.eventdates import Tense, find_dates
from feeds.models import DatePrecision

D = dt.date


def only(sentence: str, published: dt.date, tense: Tense = Tense.UNKNOWN):
    found = find_dates(sentence, published=published, tense=tense)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("sentence", "published", "start", "end"),
    [
        ("Trong 2 ngày 26 và 27 tháng 5 vừa qua, hội nghị đã diễn ra.", D(2007, 12, 2), D(2007, 5, 26), D(2007, 5, 27)),
        ("Trong hai ngày 14 và 15/9 năm 2016, tại Hà Nội", D(2016, 9, 20), D(2016, 9, 14), D(2016, 9, 15)),
        ("Từ ngày 3/11/2019 đến ngày 5/11/2019, đoàn công tác", D(2019, 11, 10), D(2019, 11, 3), D(2019, 11, 5)),
        ("từ ngày 8 đến 10/4/2017, tại Khách sạn", D(2017, 4, 12), D(2017, 4, 8), D(2017, 4, 10)),
        ("Ngày 17/8, tại Hà Nội", D(2018, 8, 20), D(2018, 8, 17), D(2018, 8, 17)),
        ("ngày 7 tháng 9 năm 2009, lễ khai mạc", D(2009, 9, 10), D(2009, 9, 7), D(2009, 9, 7)),
        ("ngày 14, 15 và 16/9/2016", D(2016, 10, 1), D(2016, 9, 14), D(2016, 9, 16)),
        ("từ 30/6 - 2/7/2019", D(2019, 7, 5), D(2019, 6, 30), D(2019, 7, 2)),
        ("từ ngày 30/12/2019 đến 2/1/2020", D(2020, 1, 5), D(2019, 12, 30), D(2020, 1, 2)),
        ("From 12th – 14th March, 2017, a training course", D(2017, 3, 20), D(2017, 3, 12), D(2017, 3, 14)),
        ("On 9 June, the centre organised", D(2016, 6, 15), D(2016, 6, 9), D(2016, 6, 9)),
        ("took place from 3 to 5 June 2019 in Hanoi", D(2019, 6, 10), D(2019, 6, 3), D(2019, 6, 5)),
        ("on March 12-14, 2017", D(2017, 3, 20), D(2017, 3, 12), D(2017, 3, 14)),
        ("On 21 and 22 November, a mission visited", D(2018, 11, 26), D(2018, 11, 21), D(2018, 11, 22)),
        ("từ 8h ngày 15/3 đến 17h ngày 16/3/2019", D(2019, 4, 1), D(2019, 3, 15), D(2019, 3, 16)),
        ("ngày 15/3/19 tại Hà Nội", D(2019, 4, 1), D(2019, 3, 15), D(2019, 3, 15)),
        # a dash before "D/M" joins two days, it is not "day-month/two-digit year"
        ("Trong các ngày 14-15/11, lớp tập huấn", D(2021, 11, 20), D(2021, 11, 14), D(2021, 11, 15)),
        ("ngày 27 - 28/3/2022 tại Cần Thơ", D(2022, 4, 1), D(2022, 3, 27), D(2022, 3, 28)),
        ("hai ngày 9–10/12/2020, hội nghị", D(2020, 12, 15), D(2020, 12, 9), D(2020, 12, 10)),
        ("ngày 20-8-2019 tại Hà Nội", D(2019, 9, 1), D(2019, 8, 20), D(2019, 8, 20)),
        ("các ngày 18-19 tháng 10 năm 2018", D(2018, 11, 1), D(2018, 10, 18), D(2018, 10, 19)),
        # days listed with commas, the month written once after the last
        ("Trong ba ngày 21, 22/4, đoàn công tác", D(2021, 5, 1), D(2021, 4, 21), D(2021, 4, 22)),
        ("các ngày 6, 7, 8/9/2023", D(2023, 9, 20), D(2023, 9, 6), D(2023, 9, 8)),
        ("ngày 2, 3 tháng 6 năm 2017", D(2017, 6, 10), D(2017, 6, 2), D(2017, 6, 3)),
        # months written as words
        ("ngày 9 tháng Tư năm 2019, hội thảo", D(2019, 5, 1), D(2019, 4, 9), D(2019, 4, 9)),
        ("Sáng 25 tháng Mười Một, buổi lễ", D(2020, 12, 1), D(2020, 11, 25), D(2020, 11, 25)),
        ("ngày 3 tháng mười hai năm 2021", D(2022, 1, 1), D(2021, 12, 3), D(2021, 12, 3)),
        ("ngày 16 tháng Giêng năm 2024", D(2024, 2, 1), D(2024, 1, 16), D(2024, 1, 16)),
        ("từ 7 đến 9 tháng Mười, diễn đàn", D(2019, 10, 20), D(2019, 10, 7), D(2019, 10, 9)),
    ],
)
def test_day_forms(sentence, published, start, end):
    found = only(sentence, published)
    assert (found.start, found.end, found.precision) == (start, end, DatePrecision.DAY)


def test_explicit_year_is_not_inferred_and_missing_year_is():
    assert only("ngày 14/9/2016", D(2016, 9, 20)).year_inferred is False
    assert only("ngày 14/9", D(2016, 9, 20)).year_inferred is True


def test_month_precision_never_invents_a_day():
    found = only("Trong tháng 5 vừa qua, Sở đã tổ chức", D(2007, 12, 2), Tense.REPORT)
    assert (found.start, found.end, found.precision) == (D(2007, 5, 1), D(2007, 5, 31), DatePrecision.MONTH)
    assert found.year_inferred
    found = only("in May 2019, VNCPC", D(2020, 1, 1))
    assert (found.start, found.end, found.year_inferred) == (D(2019, 5, 1), D(2019, 5, 31), False)
    assert only("tháng 11/2022 với chủ đề", D(2023, 1, 1)).start == D(2022, 11, 1)


def test_report_takes_the_most_recent_past_occurrence():
    # published in February: "14/3" without a year in a report is last March
    assert only("ngày 14/3 vừa qua", D(2019, 2, 1), Tense.REPORT).start == D(2018, 3, 14)
    assert only("Sáng 17/8", D(2018, 8, 20), Tense.REPORT).start == D(2018, 8, 17)


def test_announcement_takes_the_next_occurrence():
    assert only("sẽ diễn ra vào ngày 12/1", D(2019, 12, 20), Tense.ANNOUNCEMENT).start == D(2020, 1, 12)
    assert only("will be held from 24 to 27 October", D(2018, 10, 1), Tense.ANNOUNCEMENT).start == D(2018, 10, 24)
    assert only("trong tháng 11 tới", D(2019, 11, 25), Tense.ANNOUNCEMENT).start == D(2019, 11, 1)


def test_time_and_part_of_day():
    found = only("Sáng ngày 17/8, tại Hà Nội", D(2018, 8, 20))
    assert found.day_part == "morning" and found.time_of_day is None
    assert only("chiều 14/3, hội thảo", D(2018, 8, 20)).day_part == "afternoon"
    assert only("vào lúc 8h30 ngày 17/8", D(2018, 8, 20)).time_of_day == dt.time(8, 30)
    assert only("at 2:30 p.m. on 5 June 2019", D(2019, 6, 1)).time_of_day == dt.time(14, 30)


@pytest.mark.parametrize(
    "sentence",
    [
        "Chiến lược được phê duyệt tại Quyết định số 1419/QĐ-TTg ngày 7/9/2009 của Thủ tướng.",
        "kèm theo Quyết định số 4521/QĐ-UBND ngày 28/9/2016 của UBND tỉnh",
        "Nghị định 38/2015/NĐ-CP ngày 24/4/2015 về quản lý chất thải",
        "Thông tư số 36/2015/TT-BTNMT ngày 30/6/2015",
        "Chỉ thị số 41/CT-TTg ngày 1/12/2020",
        "Decision No. 1419/QD-TTg dated 7 September 2009",
        "Vui lòng đăng ký trước ngày 5/12/2019 qua thư điện tử.",
        "Visitors can register online before 20 October.",
        "Hạn nộp hồ sơ đăng ký khóa đào tạo: 30/6/2019.",
        "The deadline for registration for the training course is 30 June 2019.",
        "giảm từ 10 đến 15% lượng nước",
        "thỏa thuận hợp tác giai đoạn 2018 – 2023",
        "mã số 4521/QĐ-UBND",
        "ngày 31/2 không tồn tại",
    ],
)
def test_not_event_dates(sentence):
    assert find_dates(sentence, published=D(2020, 1, 1)) == []


def test_several_dates_in_order():
    found = find_dates("Ngày 14/3 khai mạc, ngày 16/3 bế mạc.", published=D(2019, 4, 1))
    assert [m.start for m in found] == [D(2019, 3, 14), D(2019, 3, 16)]


def test_without_tense_words_a_close_coming_date_beats_last_year():
    assert only("ngày 10/1 tại Hà Nội", D(2019, 12, 20)).start == D(2020, 1, 10)
    assert only("ngày 28/12 tại Hà Nội", D(2019, 1, 5)).start == D(2018, 12, 28)
    assert only("ngày 15/3 tại Hà Nội", D(2019, 3, 20)).start == D(2019, 3, 15)



def test_a_month_word_alone_is_a_month_only_when_capitalised():
    found = only("Trong tháng Chín vừa qua, Sở đã tổ chức", D(2018, 11, 2), Tense.REPORT)
    assert (found.start, found.end, found.precision) == (D(2018, 9, 1), D(2018, 9, 30), DatePrecision.MONTH)
    assert find_dates("qua nhiều tháng năm gắn bó với ngành", published=D(2018, 11, 2)) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Nghị định có hiệu lực thi hành kể từ ngày 1/3/2022.",
        "Quy chế này có hiệu lực từ ngày 15/8/2021.",
        "Kể từ ngày 1/1/2025, mọi cơ sở phải báo cáo.",
        "tỉnh Gia Lai mới (sau khi sáp nhập với tỉnh Bình Định từ ngày 1/7/2025)",
        "xã mới được hình thành sau khi hợp nhất ba xã cũ từ ngày 1/7/2025",
        "The regulation came into force on 1 April 2023.",
        "The new rules are effective from 1 January 2024.",
        "the two districts merged on 1 July 2025",
    ],
)
def test_the_day_a_change_takes_effect_is_no_event_date(sentence):
    assert find_dates(sentence, published=D(2025, 8, 1)) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Sau khi sáp nhập, từ ngày 3 đến 4/9 hội thảo đã diễn ra",
        "Hội thảo về sáp nhập đơn vị hành chính diễn ra từ ngày 3 đến 4/9",
        "The workshop on the merged provinces was held from 3 to 4 September",
    ],
)
def test_a_merger_mentioned_before_an_event_date_does_not_hide_it(sentence):
    found = only(sentence, D(2025, 9, 10))
    assert (found.start, found.end) == (D(2025, 9, 3), D(2025, 9, 4))


@pytest.mark.parametrize(
    ("sentence", "start", "end"),
    [
        ("The audit team worked on site on 9-11 May 2021.", dt.date(2021, 5, 9), dt.date(2021, 5, 11)),
        ("A refresher class ran on 21-22nd September 2019.", dt.date(2019, 9, 21), dt.date(2019, 9, 22)),
        ("Lớp học diễn ra ngày 7-8 tháng 6 năm 2021.", dt.date(2021, 6, 7), dt.date(2021, 6, 8)),
    ],
)
def test_an_ascii_hyphen_before_a_month_name_is_a_day_range(sentence, start, end):
    found = find_dates(sentence, published=dt.date(2021, 12, 1), tense=Tense.REPORT)
    assert [(m.start, m.end) for m in found] == [(start, end)]


@pytest.mark.parametrize(
    "sentence",
    [
        "GENEVA, 7 March 2022 – More than 90 delegates met at the Palais des Nations for a round table.",
        "ĐÀ NẴNG, ngày 12/9/2022 - Hội nghị bàn về tái chế nhựa đã thu hút 80 đại biểu.",
        "Ho Chi Minh City, 4 April 2021 — A forum on green buildings opened.",
    ],
)
def test_a_press_release_dateline_is_not_an_event_date(sentence):
    assert find_dates(sentence, published=dt.date(2022, 12, 1), tense=Tense.REPORT) == []


def test_a_weekday_before_a_dash_is_no_dateline():
    found = find_dates("Friday, 8 July – the clinic opens its doors.", published=dt.date(2022, 6, 1), tense=Tense.ANNOUNCEMENT)
    assert [(m.start, m.end) for m in found] == [(dt.date(2022, 7, 8), dt.date(2022, 7, 8))]
