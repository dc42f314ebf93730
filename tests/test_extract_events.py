"""Events through `feeds.extract.extract`: kinds, dates, venues, organisers, attendance, status."""

from __future__ import annotations

import datetime as dt
import unicodedata
from zoneinfo import ZoneInfo

import pytest

from feeds.extract.eventfields import read_location, read_organizers, read_participants, split_organizers
from feeds.extract import extract
from feeds.models import DatePrecision, EventKind, EventStatus, Language

VN = ZoneInfo("Asia/Ho_Chi_Minh")

# Written for these tests in the shape of the site's reports (the seed): a background paragraph,
# the event with its dates, venue, organisers and attendance, then a recommendation list.
REPORT = """Tin tức

VNCPC tham gia tổ chức diễn đàn quốc gia lần thứ 3 về Hiệu quả tài nguyên trong công nghiệp

08:15 | 20/11/2014

Trong nhiều năm qua, các doanh nghiệp công nghiệp đã từng bước áp dụng các giải pháp sử dụng hiệu quả tài nguyên, với sự hỗ trợ của các tổ chức quốc tế như UNIDO, SECO...

Trong 2 ngày 6 và 7 tháng 11 vừa qua, Diễn đàn quốc gia lần thứ 3 về Hiệu quả tài nguyên trong công nghiệp đã được tổ chức tại TP Quy Nhơn tỉnh Bình Định. Bộ Công Thương, Bộ Khoa học và Công nghệ phối hợp với Trung tâm Sản xuất sạch Việt Nam đã tổ chức diễn đàn này nhằm đánh giá kết quả thực hiện các hoạt động. Khoảng 180 đại biểu đến từ các bộ, ngành và gần 40 đại diện doanh nghiệp đã tham dự Diễn đàn.
Tại 2 phiên chuyên đề đã có gần 20 báo cáo được trình bày. Hoạt động này nằm trong khuôn khổ Quyết định số 1419/QĐ-TTg ngày 7/9/2009 của Thủ tướng Chính phủ.
Diễn đàn đã thống nhất một số kiến nghị:

1.    Các bộ, ngành cần sớm hoàn thiện khung chính sách khuyến khích sử dụng hiệu quả tài nguyên.
2.    Các nhiệm vụ trước mắt cần triển khai:

  • Xây dựng cơ sở dữ liệu về định mức tiêu hao tài nguyên.
  • Nhân rộng các mô hình điển hình.

3.    Duy trì Diễn đàn như một hoạt động thường niên.

Sau ba kỳ diễn đàn, sự quan tâm của doanh nghiệp ngày càng được nâng cao."""

PUBLISHED = dt.datetime(2014, 11, 20, 8, 15, tzinfo=VN)


def test_seed_shaped_report():
    result = extract(REPORT, language=Language.VI, published=PUBLISHED, title="VNCPC tham gia tổ chức diễn đàn quốc gia lần thứ 3")
    assert len(result.events) == 1
    event = result.events[0]
    assert event.kind is EventKind.FORUM
    assert event.name == "Diễn đàn quốc gia lần thứ 3 về Hiệu quả tài nguyên trong công nghiệp"
    assert (event.start, event.end, event.precision) == (dt.date(2014, 11, 6), dt.date(2014, 11, 7), DatePrecision.DAY)
    assert event.year_inferred and event.status is EventStatus.PAST
    assert event.location == "TP Quy Nhơn tỉnh Bình Định" and event.province == "Bình Định"
    assert event.organizers == ("Bộ Công Thương", "Bộ Khoa học và Công nghệ", "Trung tâm Sản xuất sạch Việt Nam")
    assert event.participants == 180
    evidence = dict(event.evidence)
    assert "6 và 7 tháng 11" in evidence["date"] and "Khoảng 180 đại biểu" in evidence["participants"]
    assert "phối hợp với" in evidence["organizers"]
    assert [r.label for r in result.recommendations] == ["1.", "2.", "3."]
    assert len(result.recommendations[1].sub_items) == 2


def test_decomposed_text_gives_the_same_result():
    nfc = extract(REPORT, language=Language.VI, published=PUBLISHED)
    nfd = extract(unicodedata.normalize("NFD", REPORT), language=Language.VI, published=PUBLISHED)
    assert nfd == nfc


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("Ngày 5/6/2019, VNCPC tổ chức Hội nghị tổng kết dự án.", EventKind.CONFERENCE),
        ("Ngày 5/6/2019, VNCPC tổ chức hội thảo tham vấn tại Hà Nội.", EventKind.WORKSHOP),
        ("Ngày 5/6/2019, VNCPC tổ chức khóa tập huấn về kiểm toán năng lượng.", EventKind.TRAINING),
        ("Ngày 5/6/2019, VNCPC tổ chức khoá đào tạo chuyên gia.", EventKind.TRAINING),
        ("Ngày 5/6/2019, Diễn đàn Doanh nghiệp xanh đã diễn ra tại Hà Nội.", EventKind.FORUM),
        ("Ngày 5/6/2019, lễ ký kết thỏa thuận hợp tác đã diễn ra.", EventKind.CEREMONY),
        ("Ngày 5/6/2019, cuộc họp Ban chỉ đạo dự án đã diễn ra.", EventKind.MEETING),
        ("Ngày 5/6/2019, Triển lãm công nghệ xanh khai mạc tại Hà Nội.", EventKind.EXHIBITION),
        ("Ngày 5/6/2019, đoàn công tác đã khảo sát ba nhà máy giấy.", EventKind.SURVEY),
        ("Ngày 5/6/2019, lễ ra mắt dự án giảm rác thải nhựa đã diễn ra.", EventKind.LAUNCH),
        ("On 5 June 2019, VNCPC held a kick-off meeting for the project.", EventKind.LAUNCH),
        ("On 5 June 2019, a Workshop on Green Growth was held in Hanoi.", EventKind.WORKSHOP),
        ("On 5 June 2019, the award ceremony took place in Hanoi.", EventKind.CEREMONY),
        ("The Technical Working Group met in Hanoi on 5 June 2019 to review the draft.", EventKind.MEETING),
        ("On 5 June 2019, the Advisory Board convened at the Melia Hotel.", EventKind.MEETING),
    ],
)
def test_kinds(sentence, kind):
    language = Language.VI if "Ngày" in sentence else Language.EN
    events = extract(sentence, language=language, published=dt.datetime(2019, 6, 10, tzinfo=VN)).events
    assert [e.kind for e in events] == [kind]


def test_announcement_is_upcoming_with_the_next_occurrence():
    text = "Hội thảo Kinh tế tuần hoàn sẽ diễn ra vào ngày 12/1 tại Khách sạn Mường Thanh, TP Vinh, Nghệ An."
    event = extract(text, language=Language.VI, published=dt.datetime(2019, 12, 20, tzinfo=VN)).events[0]
    assert event.start == dt.date(2020, 1, 12) and event.status is EventStatus.UPCOMING
    assert event.location == "Khách sạn Mường Thanh, TP Vinh, Nghệ An" and event.province == "Nghệ An"


def test_month_precision_event():
    text = "Trong tháng 5 vừa qua, Sở Công Thương tổ chức ba lớp tập huấn tại TP Đà Lạt, tỉnh Lâm Đồng."
    event = extract(text, language=Language.VI, published=dt.datetime(2019, 6, 3, tzinfo=VN)).events[0]
    assert (event.start, event.end, event.precision) == (dt.date(2019, 5, 1), dt.date(2019, 5, 31), DatePrecision.MONTH)
    assert event.province == "Lâm Đồng"


def test_time_of_day_kept():
    text = "Sáng ngày 17/8, tại Hà Nội, VNCPC đã tổ chức lễ ký kết hợp tác. Lúc 14h30 ngày 18/8, hội thảo chuyên đề đã diễn ra."
    events = extract(text, language=Language.VI, published=dt.datetime(2018, 8, 20, tzinfo=VN)).events
    assert events[0].day_part == "morning" and events[0].time_of_day is None
    assert events[1].time_of_day == dt.time(14, 30)


def test_several_events_and_a_decree_date():
    text = (
        "Ngày 10/10, Sở Công Thương Quảng Ninh tổ chức Hội thảo sản xuất sạch hơn tại TP Hạ Long. 60 đại biểu đã tham dự.\n\n"
        "Trong hai ngày 12 và 13/10, VNCPC tổ chức khóa đào tạo chuyên gia tại tỉnh Bình Dương cho 45 học viên.\n\n"
        "Chương trình thực hiện theo Quyết định số 1419/QĐ-TTg ngày 7/9/2009 của Thủ tướng Chính phủ."
    )
    events = extract(text, language=Language.VI, published=dt.datetime(2017, 10, 20, tzinfo=VN)).events
    assert [(e.kind, e.start, e.province, e.participants) for e in events] == [
        (EventKind.WORKSHOP, dt.date(2017, 10, 10), "Quảng Ninh", 60),
        (EventKind.TRAINING, dt.date(2017, 10, 12), "Bình Dương", 45),
    ]


def test_a_body_meeting_is_named_by_its_verb():
    text = "The National Steering Committee met on Thursday, 6 June 2019 at the Melia Hotel, Hanoi."
    event = extract(text, language=Language.EN, published=dt.datetime(2019, 6, 10, tzinfo=VN)).events[0]
    assert (event.name, event.kind, event.start, event.province) == ("National Steering Committee meeting", EventKind.MEETING, dt.date(2019, 6, 6), "Hà Nội")
    assert extract("All targets were met in May 2019.", language=Language.EN, published=dt.datetime(2019, 6, 10, tzinfo=VN)).events == ()


@pytest.mark.parametrize(
    ("text", "kind", "month"),
    [
        ("The closing workshop is scheduled for November 2019.", EventKind.WORKSHOP, 11),
        ("The next Board meeting is planned for October 2019.", EventKind.MEETING, 10),
        ("Hội nghị tổng kết dự kiến diễn ra vào tháng Mười Một.", EventKind.CONFERENCE, 11),
        ("Khóa đào tạo tiếp theo dự kiến tổ chức trong tháng 9/2019.", EventKind.TRAINING, 9),
    ],
)
def test_a_month_announced_as_planned_is_an_upcoming_month_event(text, kind, month):
    events = extract(text, language=Language.EN, published=dt.datetime(2019, 8, 10, tzinfo=VN)).events
    assert [(e.kind, e.start, e.precision, e.status) for e in events] == [
        (kind, dt.date(2019, month, 1), DatePrecision.MONTH, EventStatus.UPCOMING)]


def test_a_merger_date_beside_the_event_is_not_the_event():
    text = ("Trong hai ngày 8, 9/7, Hội thảo về khu công nghiệp sinh thái đã diễn ra tại tỉnh Gia Lai mới, "
            "được hình thành sau khi sáp nhập với tỉnh Bình Định từ ngày 1/7/2025.")
    events = extract(text, language=Language.VI, published=dt.datetime(2025, 7, 12, tzinfo=VN)).events
    assert [(e.start, e.end) for e in events] == [(dt.date(2025, 7, 8), dt.date(2025, 7, 9))]


def test_an_announced_day_with_a_month_word():
    text = "Lớp tập huấn sẽ khai giảng ngày 20 tháng Mười Hai tại TP Cần Thơ."
    event = extract(text, language=Language.VI, published=dt.datetime(2019, 11, 1, tzinfo=VN)).events[0]
    assert (event.start, event.status, event.province) == (dt.date(2019, 12, 20), EventStatus.UPCOMING, "Cần Thơ")


@pytest.mark.parametrize(
    "text",
    [
        "VNCPC vừa phát hành cuốn sổ tay hướng dẫn sản xuất sạch hơn cho doanh nghiệp.",
        "Chiến lược được phê duyệt tại Quyết định số 1419/QĐ-TTg ngày 7/9/2009.",
        "Hồ sơ gửi về Văn phòng trước ngày 26/2/2021. Mọi thắc mắc xin liên hệ Ban tổ chức hội thảo.",
        "",
    ],
)
def test_articles_without_events(text):
    assert extract(text, language=Language.VI, published=dt.datetime(2021, 1, 1, tzinfo=VN)).events == ()


@pytest.mark.parametrize(
    ("sentence", "organizers"),
    [
        ("Hội thảo do Sở Công Thương TP.HCM tổ chức.", ["Sở Công Thương TP.HCM"]),
        ("Diễn đàn do UBND thành phố Đà Nẵng phối hợp với Bộ Kế hoạch và Đầu tư tổ chức.", ["UBND thành phố Đà Nẵng", "Bộ Kế hoạch và Đầu tư"]),
        ("Hội nghị do Bộ Kế hoạch và Đầu tư chủ trì, phối hợp với UBND tỉnh Bà Rịa - Vũng Tàu tổ chức.", ["Bộ Kế hoạch và Đầu tư", "UBND tỉnh Bà Rịa - Vũng Tàu"]),
        ("Ngày 5/6, tại Hà Nội, Bộ Tài nguyên và Môi trường, Bộ Công Thương phối hợp với Trung tâm Sản xuất sạch Việt Nam đã tổ chức hội nghị.",
         ["Bộ Tài nguyên và Môi trường", "Bộ Công Thương", "Trung tâm Sản xuất sạch Việt Nam"]),
        ("Sở Công Thương Nghệ An chủ trì, phối hợp với Trung tâm Sản xuất sạch Việt Nam tổ chức khóa tập huấn.", ["Sở Công Thương Nghệ An", "Trung tâm Sản xuất sạch Việt Nam"]),
        ("Thứ trưởng Bộ Công Thương chủ trì hội nghị.", ["Thứ trưởng Bộ Công Thương"]),
        ("The workshop was organised by the Ministry of Natural Resources and Environment and the United Nations Environment Programme, with VNCPC as partner.",
         ["Ministry of Natural Resources and Environment", "United Nations Environment Programme"]),
        ("The event was organized by VNCPC in cooperation with UNIDO.", ["VNCPC", "UNIDO"]),
        ("VNCPC and UNIDO co-organised the course.", ["VNCPC", "UNIDO"]),
        ("On 9 June, the Vietnam Cleaner Production Centre (VNCPC) in cooperation with UNIDO organised a workshop.", ["Vietnam Cleaner Production Centre", "UNIDO"]),
        ("Đơn vị tổ chức: Sở Công Thương Hà Nội và VNCPC", ["Sở Công Thương Hà Nội", "VNCPC"]),
        ("Trung tâm Sản xuất sạch Việt Nam trân trọng thông báo tổ chức hội thảo.", ["Trung tâm Sản xuất sạch Việt Nam"]),
        ("Được sự hỗ trợ của Quỹ Môi trường toàn cầu, VNCPC đã tổ chức hội thảo.", ["VNCPC"]),
        ("As part of the SWITCH-Asia programme, VNCPC and WWF organised a training course.", ["VNCPC", "WWF"]),
        ("Các báo cáo do các đại biểu trình bày.", []),
        ("Hội nghị đã được tổ chức tại Nha Trang.", []),
        # the organiser after a role noun: "dưới sự chủ trì của X", "Đơn vị ... là X", "X là đơn vị ..."
        ("Dưới sự chủ trì của Sở Tài nguyên và Môi trường tỉnh Hà Tĩnh, hội nghị đã diễn ra.", ["Sở Tài nguyên và Môi trường tỉnh Hà Tĩnh"]),
        ("Với sự tổ chức của Hiệp hội Giấy Việt Nam và VNCPC, khóa học diễn ra tốt đẹp.", ["Hiệp hội Giấy Việt Nam", "VNCPC"]),
        ("Dưới sự chủ trì của ông Nguyễn Văn Hùng, Giám đốc Sở, hội nghị bắt đầu.", []),
        ("Đơn vị đăng cai năm nay là Trường Đại học Cần Thơ.", ["Trường Đại học Cần Thơ"]),
        ("Đơn vị chủ trì hội nghị là Bộ Công Thương, phối hợp với UNIDO.", ["Bộ Công Thương"]),
        ("Cơ quan đồng tổ chức gồm Sở Công Thương tỉnh Quảng Ngãi và VNCPC.", ["Sở Công Thương tỉnh Quảng Ngãi", "VNCPC"]),
        ("Đơn vị chủ trì lễ khánh thành là Ban Quản lý các khu công nghiệp và khu kinh tế tỉnh Bà Rịa - Vũng Tàu.",
         ["Ban Quản lý các khu công nghiệp và khu kinh tế tỉnh Bà Rịa - Vũng Tàu"]),
        ("Trường Đại học Bách khoa là đơn vị đăng cai hội thảo.", ["Trường Đại học Bách khoa"]),
        ("Sở Công Thương Quảng Nam đăng cai hội nghị năm nay.", ["Sở Công Thương Quảng Nam"]),
        # English: more "by" verbs, and the list ends where another participle clause begins
        ("The tour was arranged by the Vietnam Chamber of Commerce and Industry (VCCI).", ["Vietnam Chamber of Commerce and Industry"]),
        ("The seminar was co-hosted by Hue University and UNEP.", ["Hue University", "UNEP"]),
        ("The clinic was coordinated by the Ministry of Health.", ["Ministry of Health"]),
        ("The forum was convened by the Ministry of Industry and Trade and attended by 60 delegates.", ["Ministry of Industry and Trade"]),
        ("The course was jointly organised by VNCPC and the Asian Institute of Technology, and brought together 40 trainees.",
         ["VNCPC", "Asian Institute of Technology"]),
        ("The meeting was organised by VNCPC and funded by the Swiss Government.", ["VNCPC"]),
        ("The workshop, jointly organised by VNCPC and GIZ, took place in Hanoi.", ["VNCPC", "GIZ"]),
        ("The workshop was organised by VNCPC, the Ministry of Industry and Trade, and UNIDO.",
         ["VNCPC", "Ministry of Industry and Trade", "UNIDO"]),
        ("Chủ trì hội nghị là Sở Công Thương tỉnh Bắc Giang.", ["Sở Công Thương tỉnh Bắc Giang"]),
        ("Ban tổ chức là Hội Môi trường Việt Nam.", ["Hội Môi trường Việt Nam"]),
        ("VNCPC tổ chức hội thảo là hoạt động thường niên.", ["VNCPC"]),
    ],
)
def test_organizers(sentence, organizers):
    assert read_organizers(sentence) == organizers


def test_split_organizers_keeps_names_with_va():
    assert split_organizers("Bộ Văn hóa, Thể thao và Du lịch và Sở Công Thương") == ["Bộ Văn hóa, Thể thao và Du lịch", "Sở Công Thương"]
    assert split_organizers("Viện Khoa học và Công nghệ Môi trường, Trường Đại học Bách khoa Hà Nội") == ["Viện Khoa học và Công nghệ Môi trường"]


@pytest.mark.parametrize(
    ("sentence", "count"),
    [
        ("Hơn 200 đại biểu đã tham dự.", 200),
        ("Khoảng 150 người đã tham gia hội thảo.", 150),
        ("Over 100 participants attended.", 100),
        ("Tham dự buổi lễ có hơn 50 cán bộ và chuyên gia.", 50),
        ("Hơn 1.000 đại biểu đã tham dự.", 1000),
        ("Hơn 200 đại biểu và hơn 50 đại diện doanh nghiệp đã tham dự.", 200),
        ("Twenty participants attended.", 20),
        ("Lễ hội thu hút khoảng 500 lượt người tham gia.", 500),
        ("Hội chợ đón gần 2.000 lượt khách mời tham dự.", 2000),
        ("Chương trình có hơn 150 lượt đại biểu tham dự.", 150),
        ("Hơn một trăm học viên đã tham gia khóa học.", 100),
        ("Buổi lễ có sự tham dự của hai trăm năm mươi khách mời.", 250),
        ("Khoảng năm mươi chuyên gia tham dự tọa đàm.", 50),
        ("Một nghìn hai trăm người đã tham gia cuộc thi.", 1200),
        ("Một đại diện của Bộ đã tham dự.", None),
        ("Đoàn công tác gồm 9 cán bộ của Sở.", 9),
        ("Đoàn khảo sát có 14 thành viên.", 14),
        ("Tập đoàn có 300 cán bộ.", None),
        ("The delegation of eighteen members toured the plant.", 18),
        ("Thirty-two officials took part in the visit.", 32),
        ("Some one hundred and forty trainees joined the course.", 140),
        ("Seventeen experts participated.", 17),
        ("Two experts joined the mission.", None),
        ("Hội nghị đã nghe gần 30 báo cáo.", None),
        ("More than 120 exhibitors are expected.", None),
        ("Dự án tạo việc làm cho 300 người dân địa phương.", None),
        ("Số lượng học viên tối đa là 40 người.", None),
    ],
)
def test_participants(sentence, count):
    assert read_participants(sentence) == count


@pytest.mark.parametrize(
    ("sentence", "venue"),
    [
        ("Hội nghị đã được tổ chức tại TP Nha Trang tỉnh Khánh Hòa.", "TP Nha Trang tỉnh Khánh Hòa"),
        ("Ngày 5/6, tại Khách sạn Rex, Quận 1, Tp.HCM, Sở Công Thương TP.HCM tổ chức hội thảo.", "Khách sạn Rex, Quận 1, Tp.HCM"),
        ("Cuộc họp diễn ra tại trụ sở Bộ Công Thương (54 Hai Bà Trưng, Hà Nội), với 25 thành viên.", "trụ sở Bộ Công Thương (54 Hai Bà Trưng, Hà Nội)"),
        ("The exhibition will be held at the Quang Ninh Exhibition Centre in Ha Long City, Quang Ninh province.",
         "Quang Ninh Exhibition Centre in Ha Long City, Quang Ninh province"),
        ("Lễ ký kết diễn ra tại Nhà máy Giấy Bãi Bằng, xã Phù Ninh, tỉnh Phú Thọ (trước đây thuộc huyện Phù Ninh), sáng nay.",
         "Nhà máy Giấy Bãi Bằng, xã Phù Ninh, tỉnh Phú Thọ (trước đây thuộc huyện Phù Ninh)"),
        ("Tại hội thảo, các đại biểu đã thảo luận.", None),
        ("Sản xuất sạch hơn được áp dụng tại Việt Nam.", None),
    ],
)
def test_location(sentence, venue):
    assert read_location(sentence) == venue


def test_today_and_passive_by():
    text = "Sáng nay, tại TP.HCM, Diễn đàn Doanh nghiệp xanh được tổ chức bởi Bộ Công Thương với hơn 300 đại biểu tham dự."
    event = extract(text, language=Language.VI, published=dt.datetime(2019, 12, 20, 11, 0, tzinfo=VN)).events[0]
    assert (event.start, event.day_part, event.province) == (dt.date(2019, 12, 20), "morning", "Hồ Chí Minh")
    assert event.organizers == ("Bộ Công Thương",) and event.participants == 300


def test_a_date_written_only_in_the_title():
    result = extract(
        "Các doanh nghiệp quan tâm xin liên hệ Ban tổ chức.",
        language=Language.VI,
        published=dt.datetime(2019, 3, 1, tzinfo=VN),
        title="Thông báo Hội thảo sản xuất sạch hơn ngày 15/3/2019 tại Hà Nội",
    )
    assert [(e.kind, e.start, e.province, e.status) for e in result.events] == [
        (EventKind.WORKSHOP, dt.date(2019, 3, 15), "Hà Nội", EventStatus.UPCOMING)
    ]


def test_an_event_abroad_has_a_venue_but_no_province():
    text = "VNCPC attended the Asia-Pacific Roundtable on Sustainable Consumption and Production held in Bangkok from 5 to 7 November 2019."
    event = extract(text, language=Language.EN, published=dt.datetime(2019, 11, 20, tzinfo=VN)).events[0]
    assert (event.kind, event.location, event.province) == (EventKind.CONFERENCE, "Bangkok", None)


def test_announcement_with_time_and_place_labels():
    text = (
        'VNCPC trân trọng thông báo tổ chức Hội thảo "Kinh tế tuần hoàn trong ngành nhựa". Thông tin chi tiết như sau:\n\n'
        "Thời gian: 8h30, thứ Sáu, ngày 15/3/2019\n"
        "Địa điểm: Hội trường tầng 3, Bộ Công Thương, 54 Hai Bà Trưng, Hà Nội\n\n"
        "Kính mời quý đơn vị đăng ký tham dự trước ngày 10/3/2019."
    )
    event = extract(text, language=Language.VI, published=dt.datetime(2019, 3, 1, tzinfo=VN), title="Thông báo hội thảo").events[0]
    assert event.name == 'Hội thảo "Kinh tế tuần hoàn trong ngành nhựa"'
    assert (event.start, event.time_of_day, event.status) == (dt.date(2019, 3, 15), dt.time(8, 30), EventStatus.UPCOMING)
    assert event.location == "Hội trường tầng 3, Bộ Công Thương, 54 Hai Bà Trưng, Hà Nội" and event.province == "Hà Nội"
    assert event.organizers == ("VNCPC",)


def test_names_keep_their_quoted_titles_and_skip_venue_names():
    text = 'Chiều 14/3, tại Hà Nội, Bộ Công Thương tổ chức Hội nghị tổng kết Dự án "Sản xuất sạch: kết quả và bài học" giai đoạn 2015 – 2019.'
    event = extract(text, language=Language.VI, published=dt.datetime(2019, 3, 20, tzinfo=VN)).events[0]
    assert event.name == 'Hội nghị tổng kết Dự án "Sản xuất sạch: kết quả và bài học" giai đoạn 2015 – 2019'
    text = "The Green Industry Exhibition 2018 will be held from 24 to 27 October at the Quang Ninh Exhibition Centre in Ha Long City."
    event = extract(text, language=Language.EN, published=dt.datetime(2018, 10, 1, tzinfo=VN)).events[0]
    assert (event.name, event.province) == ("Green Industry Exhibition 2018", "Quảng Ninh")
    assert read_location("The National Conference on Cleaner Production in Tourism will be held in Hue.") == "Hue"


@pytest.mark.parametrize(
    ("sentence", "count"),
    [
        ("Some 250 policymakers and investors gathered in Hai Phong.", 250),
        ("Thirty-five technical staff from dairy plants attended the course.", 35),
        ("About 60 government officials and researchers took part.", 60),
        ("Trung tâm đã đón đoàn 22 sinh viên Đại học Bách khoa đến thăm.", 22),
        ("Places are limited to 25 participants.", None),
        ("Số lượng có hạn: 40 người.", None),
        ("Mỗi lớp nhận tối đa 35 học viên.", None),
        ("Each session can host no more than 20 trainees.", None),
    ],
)
def test_attendance_nouns_and_capacities(sentence, count):
    assert read_participants(sentence) == count


@pytest.mark.parametrize(
    ("sentence", "organizers"),
    [
        ("The clinic is jointly delivered by VNCPC and the Textile Association.", ["VNCPC", "Textile Association"]),
        ("The webinar was hosted virtually by the Energy Institute and GIZ on 2 June.", ["Energy Institute", "GIZ"]),
        ("Hội chợ do Sở Công Thương Đà Nẵng chủ trì, Hiệp hội Doanh nghiệp nhỏ và vừa phối hợp thực hiện.",
         ["Sở Công Thương Đà Nẵng", "Hiệp hội Doanh nghiệp nhỏ và vừa"]),
        ("Lớp học do Sở Tài nguyên và Môi trường chủ trì, Trung tâm Quan trắc phối hợp tổ chức.",
         ["Sở Tài nguyên và Môi trường", "Trung tâm Quan trắc"]),
    ],
)
def test_more_organiser_phrasings(sentence, organizers):
    assert read_organizers(sentence) == organizers


@pytest.mark.parametrize(
    "text",
    [
        "Ngày 11/9/2023, Trung tâm Sản xuất sạch Việt Nam đã đón đoàn 18 sinh viên Trường Đại học Thủy lợi.",
        "Chiều 11/9/2023, đại diện Sở Công Thương Nam Định đã đến thăm và làm việc với VNCPC.",
        "On 11 September 2023, 18 engineers from the brewery visited the wastewater plant of a dairy company.",
    ],
)
def test_visit_verbs_are_visits(text):
    language = Language.EN if text.startswith("On") else Language.VI
    events = extract(text, language=language, published=dt.datetime(2023, 10, 1, tzinfo=VN)).events
    assert [(e.kind, e.start) for e in events] == [(EventKind.SURVEY, dt.date(2023, 9, 11))]
    assert events[0].participants == (None if "Chiều" in text else 18)


def test_a_date_sentence_then_a_sentence_opening_with_the_event_word():
    text = (
        "Chiều 22/8, hơn năm mươi chủ cơ sở làng nghề gốm trên địa bàn tỉnh Bắc Ninh đã cùng trao đổi về lò nung tiết kiệm than.\n\n"
        "Buổi tọa đàm do Sở Công Thương Bắc Ninh và Trung tâm Sản xuất sạch Việt Nam phối hợp tổ chức tại Nhà văn hóa xã.\n\n"
        "Sau đó, ngày 30/8, đoàn chuyên gia đi xem một lò nung mẫu."
    )
    events = extract(text, language=Language.VI, published=dt.datetime(2024, 9, 5, tzinfo=VN)).events
    first = events[0]
    assert (first.kind, first.start) == (EventKind.WORKSHOP, dt.date(2024, 8, 22))
    assert first.organizers == ("Sở Công Thương Bắc Ninh", "Trung tâm Sản xuất sạch Việt Nam")
    assert first.location == "Nhà văn hóa xã" and first.province == "Bắc Ninh"  # the date sentence's province


def test_an_undated_sentence_opening_with_the_event_word_needs_a_date_sentence_before_it():
    text = "Năm ngoái, nhiều doanh nghiệp đã trao đổi về lò nung.\n\nBuổi tọa đàm do Sở Công Thương tổ chức."
    assert extract(text, language=Language.VI, published=dt.datetime(2024, 9, 5, tzinfo=VN)).events == ()


def test_a_series_in_one_sentence_gives_each_event_its_place_and_the_shared_organisers():
    text = (
        "Năm 2027, Sở Công Thương phối hợp với Trung tâm Sản xuất sạch Việt Nam tổ chức chuỗi hội thảo "
        "\"Tiết kiệm nước trong chế biến thủy sản\".\n\n"
        "Các hội thảo sẽ lần lượt diễn ra tại TP Nha Trang (ngày 4/3), tỉnh Gia Lai (ngày 6/3) và TP Đà Nẵng (ngày 9/3). "
        "Mỗi hội thảo nhận tối đa 60 đại biểu."
    )
    events = extract(text, language=Language.VI, published=dt.datetime(2027, 2, 1, tzinfo=VN)).events
    assert [(e.start.day, e.province) for e in events] == [(4, "Khánh Hòa"), (6, "Gia Lai"), (9, "Đà Nẵng")]
    assert {e.organizers for e in events} == {("Sở Công Thương", "Trung tâm Sản xuất sạch Việt Nam")}
    assert {e.participants for e in events} == {None}  # a capacity, not an attendance


def test_a_dateline_and_a_venue_abroad():
    text = (
        "SINGAPORE, 9 May 2019 – About 300 delegates attended the Asia Resource Efficiency Forum at the Marina Bay "
        "Sands in Singapore on 7-8 May 2019. The forum was hosted online by the Regional Secretariat and GIZ.\n\n"
        "VNCPC presented its pilot results from Hai Phong."
    )
    events = extract(text, language=Language.EN, published=dt.datetime(2019, 5, 10, tzinfo=VN)).events
    assert [(e.start, e.end) for e in events] == [(dt.date(2019, 5, 7), dt.date(2019, 5, 8))]
    assert events[0].province is None and events[0].participants == 300
    assert events[0].organizers == ("Regional Secretariat", "GIZ")


def test_passive_co_organisers_after_duoc():
    found = read_organizers("Diễn đàn được Hội Dệt may Việt Nam và Viện Nghiên cứu Chiến lược cùng tổ chức tại Hà Nội.")
    assert found == ["Hội Dệt may Việt Nam", "Viện Nghiên cứu Chiến lược"]
