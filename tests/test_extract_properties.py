"""Properties: no text makes extraction raise, and big or deeply nested inputs stay cheap.

Every stage is called directly (``extract`` itself guards each stage, so it could hide a bug);
the size tests rely on the pytest timeout (a generous guard, never a measured time: see
bench/bench_extract.py) or count the Python calls extraction makes as an article doubles.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import logging
import pstats
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.extract.eventdates import Tense, find_dates
from feeds.extract.eventfields import read_location, read_organizers, read_participants
from feeds.extract.events import detect_events
from feeds.extract.extractor import _normalized, extract
from feeds.models import DateSource, Extraction, Language
from feeds.extract.places import find_places
from feeds.extract.recommend import find_recommendations
from feeds.extract.summary import MAX_CHARS, summarize
from feeds.text import normalize, split_sentences

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FRAGMENTS = [
    "Ngày ", "ngày ", "17/8", "/", "2019", " và ", " đến ", "từ ", "tháng ", "5", "31", "Sáng ", "8h30 ",
    "Hội thảo ", "hội nghị ", "lễ ký kết ", "tập huấn ", "do ", " tổ chức", " phối hợp với ", "Bộ Công Thương",
    "Sở ", "UBND ", " tại ", "TP.HCM", "Khách sạn ", "Nha Trang", "Khánh Hoà", ", ", ". ", ":", "\n", "\n\n",
    "1. ", "(2) ", "a) ", "• ", "- ", "Một là, ", "Hai là, ", "  ", "kiến nghị", "cần", "Hơn ", "200 ", "đại biểu",
    "Quyết định số 1419/QĐ-TTg ngày ", "On ", "9 June", " will be held ", "organised by ", "the ", "Ministry",
    " and ", "participants", "(", ")", "\"", "“", "”", "Ảnh: ", "\u0301", "\u0323", "\x00",
]
ARTICLE_TEXT = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=6), max_size=80).map("".join)
ANY_TEXT = st.text(max_size=400) | ARTICLE_TEXT
PUBLISHED = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 1, 1), timezones=st.just(VN))
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(text=ANY_TEXT, title=st.text(max_size=60), published=PUBLISHED)
def test_stages_never_raise(text, title, published):
    sentences = split_sentences(text)
    detect_events(sentences, title=title, published=published)
    find_recommendations(text)
    summarize(text, title=title)
    for sentence in sentences[:20]:
        find_dates(sentence, published=published.date(), tense=Tense.ANNOUNCEMENT)
        read_location(sentence)
        read_organizers(sentence)
        read_participants(sentence)
        find_places(sentence)


@FAST
@given(text=ANY_TEXT, published=PUBLISHED, language=st.sampled_from(Language))
def test_extract_is_well_formed_and_logs_no_stage_failure(text, published, language):
    with _stage_errors() as errors:
        result = extract(text, language=language, published=published, title=text[:40])
    assert not errors, errors
    assert isinstance(result, Extraction)
    assert len(result.summary) <= MAX_CHARS
    assert [r.index for r in result.recommendations] == list(range(1, len(result.recommendations) + 1))
    for event in result.events:
        assert event.start is not None and event.end is not None and event.start <= event.end
        assert event.participants is None or event.participants >= 0


@contextmanager
def _stage_errors():
    """The error records ``feeds.extract`` logs when a stage fails (it then returns that stage empty)."""
    handler = _Keep(logging.ERROR)
    logger = logging.getLogger("feeds.extract")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


class _Keep(logging.Handler):
    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@FAST
@given(text=ANY_TEXT)
def test_the_normalisation_shortcut_agrees_with_normalize(text):
    assert _normalized(text) == normalize(text)


def test_odd_arguments_do_not_raise():
    assert extract(None, language=Language.VI, published=None) == Extraction()  # type: ignore[arg-type]
    naive = extract("Ngày 17/8, VNCPC tổ chức hội thảo tại Hà Nội.", language=Language.VI, published=dt.datetime(2018, 8, 20))
    assert naive.events[0].start == dt.date(2018, 8, 17)


ADVERSARIAL = [
    "1/" * 5000,
    "ngày " * 5000,
    "tại " * 5000 + "Hà Nội",
    "do " + "Bộ Công Thương và " * 3000,
    "(" * 5000 + ")" * 5000,
    "Hội thảo " * 4000,
    "1. " * 5000,
    "12 - " * 5000,
    "From 12th – " * 3000,
    "Hơn 200 đại biểu " * 3000,
    "a" * 200_000,
    # long runs of spaces next to optional-space patterns (each once took quadratic or cubic time)
    "Ngày 5/6, VNCPC đã" + " " * 30_000 + "x tổ chức hội thảo.",
    "Ngày 5/6, hội thảo do VNCPC" + " " * 30_000 + "x tổ chức.",
    "Ngày 5/6, hội thảo tại Khách sạn" + " " * 30_000 + "(Hà Nội) tổ chức.",
    "Ngày 5/6, Sở" + " ," * 15_000 + " chủ trì hội thảo.",
    "Hội nghị kiến nghị:\nMột là" + " " * 30_000 + ", làm ngay.",
    "Hội thảo ngày 1" + " - 2" * 8_000 + "/3",
    "On 5 June, the workshop was organised by " + "the Ministry and " * 4_000 + "VNCPC.",
    "".join(f"Hội thảo ngày {i % 28 + 1}/{i % 12 + 1}/{1990 + i // 336}, " for i in range(6_000)),  # one sentence
    # numbers in words, role nouns, dash and comma day lists, month words, "took effect" look-backs
    "Ngày 5/6, " + "một " * 20_000 + "đại biểu tham dự.",
    "On 5 June " + "twenty-" * 20_000 + "delegates attended.",
    "Ngày 5/6, Sở X" + " " * 30_000 + "là đơn vị tổ chức hội thảo.",
    "Ngày 5/6, đơn vị chủ trì" + " " * 30_000 + "là VNCPC.",
    "Ngày 5/6, dưới sự chủ trì của " + "Sở " * 20_000,
    "Hội thảo ngày 1" + ", 2" * 8_000 + "/3",
    "Hội thảo ngày 5" + "-6" * 8_000 + "/10",
    "Hội thảo ngày 5 tháng" + " mười" * 8_000,
    "sáp nhập" + " x" * 20_000 + " từ ngày 1/7/2025, hội thảo",
    "The meeting was convened by VNCPC" + " and" * 20_000 + " attended by 5.",
    # the rules for real articles: lists shared out "respectively", headings, openings, named days, closing days
    "Workshops were held on 22nd, 24th and 25th November at " + "A, " * 20_000 + "B respectively.",
    "Workshops were held on 2, 4 and 5 June " + "at A " * 20_000 + "respectively.",
    "Các lớp lần lượt vào các ngày " + ", ".join(str(i % 28 + 1) for i in range(8_000)) + "/5 tại A, B.",
    "Góp ý như sau:\n\n" + "1. Định hướng chung\n\nĐoạn văn.\n\n– Ý một.\n\n" * 3_000,
    "Năm 2018, " * 10_000 + "ngày 5/6 hội thảo.",
    "Hưởng ứng Ngày Môi trường thế giới 5/6, " * 3_000 + "sáng 3/6, VNCPC tổ chức lễ mít tinh.",
    "Hội thảo khai mạc ngày 16/9. " + "Hội thảo sẽ kết thúc vào ngày 18/9. " * 5_000,
    "Thứ nhất, cần làm.\n" * 10_000,
    "On the morning of June 27, at the 12th floor hall, " + "building B, " * 10_000 + "Hanoi, the institute held a conference.",
    "Ngày 5/6, VNCPC tổ chức hội thảo với sự phối hợp của " + "Sở Công Thương, " * 10_000 + "UBND tỉnh.",
    "22nd – 25th May, 2018\n\n" * 5_000,
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", ADVERSARIAL, ids=[t[:12] for t in ADVERSARIAL])
def test_pathological_inputs_finish(text):
    result = extract(text, language=Language.VI, published=dt.datetime(2019, 1, 1, tzinfo=VN))
    assert isinstance(result, Extraction)


@pytest.mark.timeout(60)
def test_huge_article_and_its_double_both_finish():
    block = (
        "Ngày 17/8, tại Khách sạn Mường Thanh, TP Vinh, Nghệ An, Sở Công Thương phối hợp với VNCPC tổ chức hội thảo. "
        "Hơn 100 đại biểu đã tham dự.\n\nHội thảo kiến nghị:\n\n1. Một.\n2. Hai.\n\n"
    )
    single = extract(block * 1500, language=Language.VI, published=dt.datetime(2019, 1, 1, tzinfo=VN))
    double = extract(block * 3000, language=Language.VI, published=dt.datetime(2019, 1, 1, tzinfo=VN))
    assert len(single.events) == len(double.events) == 1  # the same event, mentioned again and again
    assert len(double.recommendations) == 2 * len(single.recommendations) == 6000


@pytest.mark.timeout(60)
def test_deeply_nested_lists():
    lines = ["Các kiến nghị:", ""] + [" " * depth + "• mục lồng nhau cấp " + str(depth) for depth in range(3000)]
    items = find_recommendations("\n".join(lines))
    assert len(items) == 1 and len(items[0].sub_items) == 2999


@pytest.mark.timeout(60)
def test_thousands_of_distinct_events_and_their_double():
    def article(n: int) -> str:
        days = (dt.date(1990, 1, 1) + dt.timedelta(days=i) for i in range(n))
        return "\n\n".join(f"Ngày {d:%d/%m/%Y}, VNCPC tổ chức hội thảo tại Hà Nội." for d in days)

    published = dt.datetime(2030, 1, 1, tzinfo=VN)
    assert len(extract(article(2000), language=Language.VI, published=published).events) == 2000
    assert len(extract(article(4000), language=Language.VI, published=published).events) == 4000


# --------------------------------------------------------------------------- work, counted rather than timed


def _calls(run) -> int:
    """Python function calls made by ``run()``: a measure of work that does not depend on the machine's speed."""
    profile = cProfile.Profile()
    profile.runcall(run)
    return pstats.Stats(profile).total_calls


def _real_article(copies: int) -> str:
    """An article made of the forms real news uses, repeated: every rule for real text gets work to do."""
    block = (
        "Trong hai ngày 20 và 21/6 năm 2018, VNCPC đã tổ chức hội thảo khởi động dự án “Khu công nghiệp sinh thái” "
        "tại Khu Công nghệ cao Tp.HCM. Hội thảo khởi động dự án được tổ chức tại Tp.HCM ngày 20/6.\n\n"
        "Workshops were organized on 22nd, 24th and 25th November at Deep C (Hai Phong), Hiep Phuoc IP (Ho Chi Minh city) "
        "and Amata IP (Dong Nai) respectively. Theo kế hoạch, hội thảo sẽ kết thúc vào ngày 18-9.\n\n"
        "Kick-off Meeting in Hanoi\n\n22nd – 25th May, 2018\n\n"
        "VCCI có các ý kiến như sau:\n\n  1. Định hướng bảo vệ môi trường\n\nQuy định này cần xem xét:\n\n"
        "– Tần suất quan trắc chưa phù hợp.\n\nThứ nhất, cần hoàn thiện khung pháp lý.\nThứ hai, cần có tín dụng xanh.\n\n"
        "Năm 2022, Bộ giao nhiệm vụ. Trong buổi báo cáo tổng kết tại Bộ Công Thương được tổ chức ngày 24/12, tài liệu được "
        "đánh giá cao. Nghị định 82-CP ban hành ngày 22/5/2018 và Kế hoạch số 1048/KH-SCT ngày 15/3/2018.\n\n"
    )
    return block * copies


@pytest.mark.parametrize("source", [DateSource.PAGE, DateSource.FIRST_SEEN])
def test_extraction_work_grows_linearly_with_a_real_article(source):
    published = dt.datetime(2026, 12, 1, tzinfo=VN)

    def run(copies):
        return lambda: extract(_real_article(copies), language=Language.VI, published=published, published_from=source,
                               url="https://vncpc.org/2018/05/bai-viet/")

    extract(_real_article(1), language=Language.VI, published=published)  # warm the caches (gazetteer, regexes)
    single, double, quadruple = _calls(run(100)), _calls(run(200)), _calls(run(400))
    assert double <= 2.2 * single and quadruple <= 2.2 * double, (single, double, quadruple)
