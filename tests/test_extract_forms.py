"""How real Vietnamese and English news writes event dates, and what it dates that is no event.

Every sentence here is written for these tests in the style of VNCPC's news.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from feeds.extract.eventdates import Tense, find_dates
from feeds.extract import extract
from feeds.models import DatePrecision, EventKind, Language

VN = ZoneInfo("Asia/Ho_Chi_Minh")
D = dt.date


def _spans(sentence, published=D(2023, 3, 10), tense=Tense.UNKNOWN):
    return [(m.start, m.end) for m in find_dates(sentence, published=published, tense=tense)]


def _events(text, published=dt.datetime(2023, 3, 10, 9, tzinfo=VN), title="", language=Language.VI):
    return extract(text, language=language, published=published, title=title).events


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("On November the 23rd, 2012, SECO representatives paid a visit to a supported enterprise.", (D(2012, 11, 23),) * 2),
        ("From 3rd to 5th of september, 2015 , the centre organised a training course.", (D(2015, 9, 3), D(2015, 9, 5))),
        ("The conference took place 22–25 May 2018 in Hanoi.", (D(2018, 5, 22), D(2018, 5, 25))),
        ("The workshop took place from 24 to 25 November 2022 in Hue.", (D(2022, 11, 24), D(2022, 11, 25))),
        ("The training was held on 3rd March in Hue.", (D(2023, 3, 3),) * 2),
        ("held from the 30th of September to the 1st of October, 2009, in Tokyo", (D(2009, 9, 30), D(2009, 10, 1))),
    ],
)
def test_english_date_styles(sentence, expected):
    assert _spans(sentence) == [expected]


def test_a_month_alone_told_by_when_in_it():
    found = find_dates("They agreed on a workshop in Hanoi to be scheduled at the end of November.", published=D(2009, 10, 2),
                       tense=Tense.ANNOUNCEMENT)
    assert [(m.start, m.end, m.precision) for m in found] == [(D(2009, 11, 1), D(2009, 11, 30), DatePrecision.MONTH)]
    assert _spans("a closing event in Hanoi mid-June", published=D(2019, 3, 1), tense=Tense.ANNOUNCEMENT) == [
        (D(2019, 6, 1), D(2019, 6, 30))]


def test_the_verb_may_and_a_lower_case_month_elsewhere_are_no_dates():
    assert _spans("Delegates may 5 options discuss; on 5 may they attend.") == []


def test_a_weekday_number_and_the_minutes_of_a_clock_time_are_no_days():
    found = find_dates("Thời gian Hội thảo: Thứ 5, 9h-11h30, ngày 21 tháng 10 năm 2021", published=D(2021, 10, 29))
    assert [(m.start, m.end, m.time_of_day) for m in found] == [(D(2021, 10, 21), D(2021, 10, 21), dt.time(9, 0))]
    assert _spans("Thứ 5 ngày 3/4 và từ 9 giờ 30 ngày 4/5") == [(D(2023, 4, 3),) * 2, (D(2023, 5, 4),) * 2]


@pytest.mark.parametrize(
    "sentence",
    [
        "Hội nghị nhằm thực hiện Kế hoạch số 1048/KH-SCT ngày 15/3/2018 của Sở Công Thương.",
        "The plan was included in the Resolution No. 06/NQ-TU dated on April 7, 2022 of the city Party Committee.",
        "One outcome is Decree No.82/2018/ND-CP of the Government dated 22 May 2018.",
        "Thực hiện Công văn 3634/BTNMT-TCMT ngày 02/7/2021, VCCI gửi ý kiến.",
    ],
)
def test_a_documents_date_is_no_event_date(sentence):
    assert _spans(sentence) == []


def test_a_number_before_a_date_is_not_always_a_document():
    assert _spans("Hội thảo 2/2023 diễn ra ngày 5/6.") == [(D(2022, 6, 5),) * 2]


def test_an_event_word_in_a_venues_name_is_not_the_event():
    (event,) = _events("Sáng 16-9 tại Trung tâm Hội nghị triển lãm Bình Dương, trường Đại học Việt - Đức đã tổ chức khai mạc "
                       "Hội thảo toàn cầu về sản xuất bền vững lần thứ 13.", published=dt.datetime(2015, 9, 17, tzinfo=VN))
    assert event.kind is EventKind.WORKSHOP and event.name == "Hội thảo toàn cầu về sản xuất bền vững lần thứ 13"


@pytest.mark.parametrize(
    "text",
    [
        "Sáng 16-9, Hội thảo toàn cầu về sản xuất bền vững khai mạc tại Bình Dương. Theo kế hoạch, hội thảo sẽ kết thúc vào ngày mai (18-9).",
        "Hội thảo toàn cầu về sản xuất bền vững khai mạc ngày 16/9 và bế mạc ngày 18/9 tại Bình Dương.",
    ],
)
def test_the_day_an_event_closes_extends_it(text):
    (event,) = _events(text, published=dt.datetime(2015, 9, 17, tzinfo=VN))
    assert (event.start, event.end) == (D(2015, 9, 16), D(2015, 9, 18))


def test_an_english_closing_day_and_the_verb_ending_a_name():
    (event,) = _events("The Green Expo opened on 5 May in Hanoi. The expo closes on 8 May.", language=Language.EN)
    assert (event.start, event.end, event.name) == (D(2023, 5, 5), D(2023, 5, 8), "Green Expo")


def test_a_closing_day_far_later_or_of_another_kind_is_its_own_event():
    events = _events("Ngày 3/3, Hội chợ hàng xanh khai mạc tại Hà Nội. Ngày 20/5, hội thảo tổng kết sẽ kết thúc chương trình.")
    assert [(e.start, e.kind) for e in events] == [(D(2023, 3, 3), EventKind.EXHIBITION), (D(2023, 5, 20), EventKind.WORKSHOP)]


def test_a_line_that_is_only_a_date_range_dates_the_event_named_above():
    text = "Kick-off Meeting in Hanoi, Vietnam\n\n22nd – 25th May, 2018\n\nThe official kick-off meeting of the project was hosted by the university."
    (event,) = _events(text, title="Project Kick-off Meeting in Hanoi, Vietnam", language=Language.EN)
    assert (event.start, event.end, event.location) == (D(2018, 5, 22), D(2018, 5, 25), "Hanoi, Vietnam")


def test_a_lone_stamp_line_is_not_an_event_date():
    text = "Tin hoạt động\n\nThứ Hai, 14/03/2022 08:30\n\nNhiều doanh nghiệp dệt may đã áp dụng sản xuất sạch hơn từ năm 2019."
    assert _events(text, title="Hội thảo về sản xuất sạch hơn") == ()


def test_an_event_word_right_after_another_qualifies_it():
    (event,) = _events("Ngày 5/3, VNCPC tổ chức Hội thảo khởi động dự án “Tiêu dùng bền vững” tại Hà Nội.")
    assert event.kind is EventKind.WORKSHOP and event.name.startswith("Hội thảo khởi động dự án")


def test_a_session_named_by_what_is_done_there():
    (event,) = _events("Trong buổi báo cáo tổng kết nhiệm vụ tại Bộ Công Thương được tổ chức ngày 24/12, tài liệu được đánh giá cao.",
                       published=dt.datetime(2022, 12, 30, tzinfo=VN))
    assert (event.kind, event.start, event.location) == (EventKind.MEETING, D(2022, 12, 24), "Bộ Công Thương")


def test_an_english_name_takes_the_words_after_its_article():
    (event,) = _events("On 15 June 2023, UNIDO held the capacity building workshop on eco-industrial parks in Da Nang.",
                       language=Language.EN)
    assert event.name.startswith("capacity building workshop")


# --------------------------------------------------------------------------- several events in one sentence, and the lead


def test_days_shared_out_respectively_are_one_event_each():
    text = ("Workshops on industrial symbiosis were organized on 22nd, 24th and 25th November, 2022 at Dinh Vu IP (Hai Phong), "
            "Hiep Phuoc IP (Ho Chi Minh city) and Amata IP (Dong Nai) respectively. "
            "There were more than 160 participants in total.")
    events = _events(text, published=dt.datetime(2022, 11, 30, tzinfo=VN), language=Language.EN)
    assert [(e.start, e.end, e.location, e.province) for e in events] == [
        (D(2022, 11, 22), D(2022, 11, 22), "Dinh Vu IP (Hai Phong)", "Hải Phòng"),
        (D(2022, 11, 24), D(2022, 11, 24), "Hiep Phuoc IP (Ho Chi Minh city)", "Hồ Chí Minh"),
        (D(2022, 11, 25), D(2022, 11, 25), "Amata IP (Dong Nai)", "Đồng Nai"),
    ]
    assert all(e.participants is None for e in events)  # the total is the series', not each event's


def test_vietnamese_days_shared_out_respectively():
    text = "Các lớp tập huấn sản xuất sạch hơn lần lượt diễn ra vào các ngày 8, 10 và 12/5 tại TP Cần Thơ, tỉnh An Giang và tỉnh Cà Mau."
    events = _events(text, published=dt.datetime(2023, 5, 20, tzinfo=VN))
    assert [(e.start.day, e.province) for e in events] == [(8, "Cần Thơ"), (10, "An Giang"), (12, "Cà Mau")]


def test_listed_days_without_respectively_stay_one_event():
    (event,) = _events("Hội nghị diễn ra trong các ngày 14, 15 và 16/9 tại Đà Nẵng.", published=dt.datetime(2023, 9, 20, tzinfo=VN))
    assert (event.start, event.end) == (D(2023, 9, 14), D(2023, 9, 16))


def test_a_lead_date_names_the_event_the_body_refers_back_to():
    text = ("Ngày 2/8/2013 tại TP.Hồ Chí Minh, VNCPC và VASEP giới thiệu dự án mới về chuỗi cung ứng cá tra bền vững.\n"
            "Dự án có tổng giá trị 2 triệu EUR.\nTới dự Hội thảo về phía các cơ quan Nhà nước có đại diện hai bộ.\n"
            "Hội thảo đã diễn ra với sự quan tâm của gần 200 đại biểu.")
    (event,) = _events(text)
    assert (event.start, event.kind, event.name, event.province, event.participants) == (
        D(2013, 8, 2), EventKind.WORKSHOP, "Hội thảo", "Hồ Chí Minh", 200)


def test_a_lead_date_and_an_event_with_its_own_date_later_make_no_lead_event():
    text = ("On 7 September 2009, the Prime Minister approved the national strategy on cleaner production.\n"
            "The conference was held on 3 May 2012 to review it.")
    assert [e.start for e in _events(text, language=Language.EN)] == [D(2012, 5, 3)]


# --------------------------------------------------------------------------- where and who


def test_where_a_body_sits_is_not_where_the_event_is():
    text = ("On 23 November 2012, Ms. Katrin, Program Manager at the SECO Head Office in Switzerland, and the Swiss Agency "
            "for Development and Cooperation (SDC) in Hanoi paid a visit to the enterprise. The delegation took a trip to "
            "Tran Van Binh Household Enterprise, which produces plastic nets.")
    (event,) = _events(text, language=Language.EN)
    assert event.location == "Tran Van Binh Household Enterprise"


def test_a_venue_given_as_floor_building_and_street():
    text = ("On the morning of June 27, 2022, at the 12th floor hall, building B, No. 1 Lieu Giai, Ba Dinh, Hanoi, the institute "
            "organized a scientific conference with the theme \"Eco-industrial parks in Vietnam\".")
    (event,) = _events(text, language=Language.EN)
    assert event.location == "12th floor hall, building B, No. 1 Lieu Giai, Ba Dinh, Hanoi" and event.province == "Hà Nội"
    assert event.name == 'scientific conference with the theme "Eco-industrial parks in Vietnam"'


@pytest.mark.parametrize(
    ("sentence", "organizers"),
    [
        ("Hội nghị được phối hợp tổ chức bởi Bộ Tài nguyên và Môi trường, Bộ Công Thương và VNCPC tại TP Đà Nẵng.",
         ["Bộ Tài nguyên và Môi trường", "Bộ Công Thương", "VNCPC"]),
        ("Sáng 21/8, Trung tâm Khuyến công Hà Nội tổ chức Hội nghị “Sản xuất sạch hơn” với sự phối hợp của Phòng Kinh tế huyện Thạch Thất.",
         ["Trung tâm Khuyến công Hà Nội", "Phòng Kinh tế huyện Thạch Thất"]),
        ("Ngày 30/3, Sở TN&MT TP. Hồ Chí Minh tổ chức Hội thảo “Tiêu dùng bền vững”.", ["Sở TN&MT TP. Hồ Chí Minh"]),
        ("Hội thảo tổ chức nhằm đề xuất lộ trình giảm chất thải nhựa.", []),
        ("Ngày 21/10, Ban Môi trường thuộc Viện Chiến lược, Chính sách tài nguyên và môi trường tổ chức Hội thảo tham vấn.",
         ["Ban Môi trường thuộc Viện Chiến lược, Chính sách tài nguyên và môi trường"]),
        ("Sáng 16-9 tại Bình Dương, trường Đại học Việt - Đức đã tổ chức khai mạc Hội thảo toàn cầu.", ["trường Đại học Việt - Đức"]),
        ("Đây là hội thảo thường niên được luân phiên tổ chức tại nhiều quốc gia.", []),
        ("On 15 June 2023, UNIDO and the Ministry of Planning and Investment (MPI) held the capacity building workshop.",
         ["UNIDO", "Ministry of Planning and Investment"]),
        ("On February 25, the Government of Vietnam and UNDP will co-sponsor an international conference.",
         ["Government of Vietnam", "UNDP"]),
        ("From 3 to 5 September 2015, the Provincial Industrial Promotion Centre collaborated with the Natural Resources University "
         "to organize the course.", ["Provincial Industrial Promotion Centre", "Natural Resources University"]),
        ("MPI in collaboration with UNIDO is planning to organize a closing event in Hanoi.", ["MPI", "UNIDO"]),
        ("Under the framework of the programme \"Green Growth\" funded by UNDP and coordinated by the Ministry of Planning and "
         "Investment, the workshop on the action plan was held in Hanoi on 15 May 2018.", []),
    ],
)
def test_organizers_as_real_news_names_them(sentence, organizers):
    from feeds.extract.eventfields import read_organizers

    assert read_organizers(sentence) == organizers


# --------------------------------------------------------------------------- more of how news dates things


def test_yesterday_is_the_day_before_the_page_and_only_when_the_page_is_dated():
    (event,) = _events("Chiều qua, tại Hà Nội, Bộ Tài nguyên và Môi trường tổ chức lễ phát động hưởng ứng Ngày Môi trường thế giới.",
                       published=dt.datetime(2019, 6, 20, 9, tzinfo=VN))
    assert (event.start, event.day_part) == (D(2019, 6, 19), "afternoon")
    english = _events("Yesterday, the Vietnam Cleaner Production Centre hosted a webinar on circular economy.",
                      published=dt.datetime(2019, 6, 20, 9, tzinfo=VN), language=Language.EN)
    assert [(e.start, e.organizers) for e in english] == [(D(2019, 6, 19), ("Vietnam Cleaner Production Centre",))]
    from feeds.models import DateSource

    undated = extract("Sáng nay, VNCPC tổ chức hội thảo tại Hà Nội.", language=Language.VI,
                      published=dt.datetime(2026, 12, 1, tzinfo=VN), published_from=DateSource.FIRST_SEEN)
    assert undated.events == ()  # "today" of a page first seen today is no date


def test_an_english_month_before_a_day_range():
    (event,) = _events("The workshop took place on June 5-7, 2019 in Hanoi, gathering over 120 participants.", language=Language.EN)
    assert (event.start, event.end, event.participants) == (D(2019, 6, 5), D(2019, 6, 7), 120)


def test_a_named_days_date_is_not_the_events_when_the_event_has_its_own():
    (event,) = _events("Hưởng ứng Ngày Môi trường thế giới 5/6, sáng 3/6, VNCPC tổ chức lễ mít tinh tại Hà Nội.",
                       published=dt.datetime(2019, 6, 20, tzinfo=VN))
    assert event.start == D(2019, 6, 3)
    (alone,) = _events("Lễ mít tinh hưởng ứng Ngày Môi trường thế giới 5/6 được tổ chức tại Hà Nội.",
                       published=dt.datetime(2019, 6, 20, tzinfo=VN))
    assert alone.start == D(2019, 6, 5)


def test_an_announcement_of_the_last_weeks_is_this_years():
    events = _events("Chiều 12/6, Ban tổ chức họp báo công bố Diễn đàn Kinh tế tuần hoàn sẽ diễn ra ngày 28/6 tại Hà Nội.",
                     published=dt.datetime(2019, 6, 20, tzinfo=VN))
    assert [e.start for e in events] == [D(2019, 6, 12), D(2019, 6, 28)]


def test_a_week_long_event_is_not_a_ceremony():
    events = _events("Trong khuôn khổ Tuần lễ Năng lượng, ngày 18/6, VNCPC phối hợp với GIZ tổ chức khóa tập huấn tại Đà Nẵng. "
                     "Tuần lễ diễn ra từ ngày 17 đến 21/6.", published=dt.datetime(2019, 6, 25, tzinfo=VN))
    assert [(e.kind, e.start) for e in events] == [(EventKind.TRAINING, D(2019, 6, 18)), (EventKind.OTHER, D(2019, 6, 17))]


@pytest.mark.parametrize(
    "text",
    [
        "Lớp bồi dưỡng kiến thức về kinh tế tuần hoàn diễn ra từ 12 - 14/6 tại Cần Thơ với hơn 50 học viên.",
        "Đoàn công tác của UNIDO đã có chuyến làm việc tại tỉnh Ninh Bình ngày 3/6.",
    ],
)
def test_more_vietnamese_event_words(text):
    assert len(_events(text, published=dt.datetime(2019, 6, 20, tzinfo=VN))) == 1


def test_related_article_links_are_not_the_articles_events():
    text = ("Ngày 5/6, VNCPC tổ chức hội thảo về tái chế nhựa tại Hà Nội.\n\nTin liên quan:\n"
            "- Hội thảo sản xuất sạch hơn ngành giấy (12/3/2020)\n- Tập huấn kiểm toán năng lượng tại Huế (5/6/2020)\n\n"
            "Xem thêm: Hội chợ hàng xanh khai mạc ngày 20/5 tại TP.HCM\n\n"
            "Sau hội thảo, các đại biểu đã đi thăm một cơ sở tái chế nhựa ở Hưng Yên và trao đổi với chủ doanh nghiệp về "
            "những khó khăn trong việc thu gom phế liệu, giá nguyên liệu và các yêu cầu về môi trường.")
    assert [e.start for e in _events(text, published=dt.datetime(2023, 6, 6, tzinfo=VN))] == [D(2023, 6, 5)]


def test_a_year_written_in_the_sentence_or_its_dateline_dates_the_rest_of_it():
    (event,) = _events("HANOI, 18 October 2023 – More than 200 delegates gathered at the Melia Hotel for the "
                       "Vietnam Circular Economy Forum on 17 October.", published=dt.datetime(2025, 1, 5, tzinfo=VN),
                       language=Language.EN)
    assert (event.start, event.name, event.participants) == (D(2023, 10, 17), "Vietnam Circular Economy Forum", 200)


def test_an_auxiliary_does_not_end_an_organisers_name():
    (event,) = _events("Ngày 9/11 tới đây, VCCI sẽ phối hợp với Dow Chemical tổ chức hội thảo giới thiệu dự án tại Hà Nội.",
                       published=dt.datetime(2019, 11, 1, tzinfo=VN))
    assert event.organizers == ("VCCI", "Dow Chemical")


def test_series_of_places_each_with_its_days():
    events = _events("The training was organised in Hanoi (12-13 June), Hue (15-16 June) and Can Tho (18-19 June).",
                     published=dt.datetime(2019, 6, 25, tzinfo=VN), language=Language.EN)
    assert [(e.start.day, e.end.day, e.province) for e in events] == [
        (12, 13, "Hà Nội"), (15, 16, "Thừa Thiên Huế"), (18, 19, "Cần Thơ")]
