"""Rendering of alerts, digests and event lists: escaping, dates, length limits, splitting."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
import html
import re
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.subscribers import Stats
from tests.support.factories import make_stored
from tests.support.telegram_html import parse_html

from bot.texts.i18n import pick_language, t
from bot.texts.admin import render_health, render_stats
from bot.texts.messages import (
    MAX_MESSAGE_LENGTH,
    as_of,
    pack,
    render_alert,
    render_digest,
    render_events,
    shorten,
    visible_length,
)
from feeds.present import format_date_range
from feeds.models import (
    SourceHealth,
    DatePrecision,
    Event,
    EventKind,
    EventStatus,
    Recommendation,
    StoredArticle,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ALLOWED_TAGS = {"b", "i", "a"}


class StrictTelegramHtml(HTMLParser):
    """Checks markup the way Telegram does: known tags only, balanced, no stray < or &."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        assert tag in ALLOWED_TAGS, f"tag <{tag}> not allowed"
        if tag == "a":
            assert [name for name, _ in attrs] == ["href"], attrs
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    def handle_data(self, data):
        assert "<" not in data and ">" not in data, data

    def handle_entityref(self, name):
        assert name in {"lt", "gt", "amp", "quot"}, name


def assert_valid_html(text: str) -> None:
    assert len(parse_html(text)) <= MAX_MESSAGE_LENGTH  # the fake Bot API's strict parser agrees
    assert re.search(r"&(?!(lt|gt|amp|quot);)", text) is None, "unescaped &"
    parser = StrictTelegramHtml()
    parser.feed(text)
    parser.close()
    assert parser.stack == [], f"unclosed {parser.stack}"


def plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", text))


def make_article(*, id: int = 1, **fields: object) -> StoredArticle:
    """A stored post about an energy-saving workshop; ``fields`` override the article's."""
    defaults = {
        "title": "Hội thảo về tiết kiệm năng lượng trong ngành dệt may tại Đà Nẵng",
        "url": "https://vncpc.org/tin-tuc/hoi-thao-tiet-kiem-nang-luong/",
        "source_id": "vncpc",
        "published": dt.datetime(2019, 3, 14, 9, 0, tzinfo=TZ),
        "summary": "Hơn 120 đại biểu đã thảo luận các giải pháp sử dụng năng lượng hiệu quả.",
        "body": "Đoạn mở đầu của bài viết.\n\nĐoạn thứ hai.",
    }
    return make_stored(id, content_hash="h", **{**defaults, **fields})


WORKSHOP = Event(
    name="Hội thảo tiết kiệm năng lượng ngành dệt may",
    kind=EventKind.WORKSHOP,
    start=dt.date(2019, 3, 12),
    end=dt.date(2019, 3, 13),
    location="TP Đà Nẵng",
    province="Đà Nẵng",
    organizers=("Bộ Công Thương", "Trung tâm Sản xuất sạch Việt Nam"),
    participants=120,
)
RECOMMENDATIONS = (
    Recommendation(index=1, text="Các doanh nghiệp cần lập kế hoạch kiểm toán năng lượng định kỳ.", label="1."),
    Recommendation(
        index=2,
        text="Các cơ quan quản lý cần:",
        sub_items=("Ban hành hướng dẫn kỹ thuật cho ngành dệt nhuộm.", "Hỗ trợ vốn vay ưu đãi."),
        label="2.",
    ),
)


def test_alert_has_title_event_summary_recommendations_and_link_in_vietnamese():
    text = render_alert(
        make_article(events=(WORKSHOP,), recommendations=RECOMMENDATIONS), lang="vi", source_name="VNCPC"
    )
    assert_valid_html(text)
    lines = text.split("\n")
    assert lines[0] == "<b>Hội thảo về tiết kiệm năng lượng trong ngành dệt may tại Đà Nẵng</b>"
    assert lines[1] == "📅 12–13/3/2019 · 📍 TP Đà Nẵng · 👥 120+ đại biểu"
    assert lines[2] == "🏛 Đơn vị tổ chức: Bộ Công Thương, Trung tâm Sản xuất sạch Việt Nam"
    assert "Hơn 120 đại biểu đã thảo luận" in text
    assert "<b>Kiến nghị</b>\n1. Các doanh nghiệp cần lập kế hoạch" in text
    assert "2. Các cơ quan quản lý cần:\n    • Ban hành hướng dẫn kỹ thuật" in text
    assert lines[-1] == '🔗 <a href="https://vncpc.org/tin-tuc/hoi-thao-tiet-kiem-nang-luong/">Đọc bài viết</a> · VNCPC'


def test_alert_in_english_uses_english_labels_and_dates():
    text = render_alert(
        make_article(events=(WORKSHOP,), recommendations=RECOMMENDATIONS), lang="en", source_name="VNCPC"
    )
    assert "📅 12–13 March 2019 · 📍 TP Đà Nẵng · 👥 120+ participants" in text
    assert "🏛 Organizers: Bộ Công Thương" in text
    assert "<b>Recommendations</b>" in text
    assert ">Read the article</a> · VNCPC" in text


@pytest.mark.parametrize(
    ("start", "end", "precision", "vi", "en"),
    [
        (dt.date(2007, 5, 26), dt.date(2007, 5, 27), DatePrecision.DAY, "26–27/5/2007", "26–27 May 2007"),
        (dt.date(2007, 5, 26), None, DatePrecision.DAY, "26/5/2007", "26 May 2007"),
        (dt.date(2007, 5, 30), dt.date(2007, 6, 2), DatePrecision.DAY, "30/5–2/6/2007", "30 May – 2 June 2007"),
        (
            dt.date(2007, 12, 30),
            dt.date(2008, 1, 2),
            DatePrecision.DAY,
            "30/12/2007–2/1/2008",
            "30 December 2007 – 2 January 2008",
        ),
        (dt.date(2007, 5, 1), None, DatePrecision.MONTH, "tháng 5/2007", "May 2007"),
        (dt.date(2007, 5, 1), dt.date(2007, 6, 1), DatePrecision.MONTH, "tháng 5–6/2007", "May–June 2007"),
        (None, None, DatePrecision.DAY, "", ""),
    ],
)
def test_date_ranges(start, end, precision, vi, en):
    assert format_date_range(start, end, lang="vi", precision=precision) == vi
    assert format_date_range(start, end, lang="en", precision=precision) == en


@pytest.mark.parametrize(
    ("start", "end", "precision", "vi", "en"),
    [
        (dt.date(2026, 9, 27), dt.date(2026, 9, 28), DatePrecision.DAY, "27–28/9 (chưa rõ năm)", "27–28 September (year not stated)"),
        (dt.date(2026, 2, 25), None, DatePrecision.DAY, "25/2 (chưa rõ năm)", "25 February (year not stated)"),
        (dt.date(2026, 9, 30), dt.date(2026, 10, 1), DatePrecision.DAY, "30/9–1/10 (chưa rõ năm)",
         "30 September – 1 October (year not stated)"),
        (dt.date(2026, 6, 1), dt.date(2026, 6, 30), DatePrecision.MONTH, "tháng 6 (chưa rõ năm)", "June (year not stated)"),
    ],
)
def test_a_guessed_year_is_not_shown_as_fact(start, end, precision, vi, en):
    assert format_date_range(start, end, lang="vi", precision=precision, year_known=False) == vi
    assert format_date_range(start, end, lang="en", precision=precision, year_known=False) == en


def test_an_event_whose_year_is_a_guess_is_not_called_upcoming():
    guess = Event(name="Hội nghị bàn tròn", start=dt.date(2026, 12, 27), end=dt.date(2026, 12, 28), year_inferred=True,
                  year_guessed=True, status=EventStatus.UPCOMING)
    text = render_alert(make_article(events=(guess,)), lang="vi", source_name="VNCPC")
    assert "📅 27–28/12 (chưa rõ năm)" in text and "2026" not in text.split("🔗")[0] and "sắp diễn ra" not in text


def test_upcoming_event_with_time_province_and_several_events():
    forum = Event(
        name="Diễn đàn kinh tế tuần hoàn",
        kind=EventKind.FORUM,
        start=dt.date(2026, 12, 5),
        time_of_day=dt.time(8, 30),
        location="Khách sạn Mường Thanh",
        province="Cần Thơ",
        status=EventStatus.UPCOMING,
    )
    text = render_alert(make_article(events=(WORKSHOP, forum)), lang="vi", source_name="VNCPC")
    assert "<i>Diễn đàn kinh tế tuần hoàn</i>\n📅 5/12/2026, 08:30 (sắp diễn ra) · 📍 Khách sạn Mường Thanh (Cần Thơ)" in text
    assert "<i>Hội thảo tiết kiệm năng lượng ngành dệt may</i>" in text


def test_latest_does_not_call_an_event_that_is_over_upcoming():
    over = Event(name="Diễn đàn năm 2024", start=dt.date(2024, 10, 25), status=EventStatus.UPCOMING)
    soon = replace(over, name="Hội thảo tháng 12", start=dt.date(2026, 12, 5), end=dt.date(2026, 12, 6))
    stored = make_stored(events=(over, soon))
    text = render_alert(as_of(stored, dt.date(2026, 11, 28)), lang="vi", source_name="VNCPC")
    assert text.count("(sắp diễn ra)") == 1
    assert "📅 5–6/12/2026 (sắp diễn ra)" in text and "25/10/2024 (sắp diễn ra)" not in text
    assert as_of(stored, dt.date(2024, 10, 25)) is stored  # nothing over yet: unchanged


def test_every_interpolated_value_is_escaped():
    nasty = 'A <b>bold</b> & "quoted" <script>x</script> &amp; R&D <3 \'single\''
    event = Event(name=nasty, start=dt.date(2020, 1, 2), location=nasty, organizers=(nasty,), participants=5)
    stored = make_article(
        title=nasty,
        url='https://vncpc.org/?a=1&b="2"<x>',
        events=(event, event),
        recommendations=(Recommendation(index=1, text=nasty, sub_items=(nasty,)),),
        summary=nasty,
    )
    for lang in ("vi", "en"):
        text = render_alert(stored, lang=lang, source_name=nasty)
        assert_valid_html(text)
        assert plain(text).count(nasty) >= 5
        assert 'href="https://vncpc.org/?a=1&amp;b=&quot;2&quot;&lt;x&gt;"' in text


def test_non_http_url_is_never_a_link():
    text = render_alert(make_article(url="javascript:alert(1)"), lang="vi", source_name="X")
    assert "<a " not in text
    assert_valid_html(text)


def test_huge_article_is_shortened_but_keeps_title_and_link():
    long_text = "Nội dung rất dài về sản xuất sạch hơn & tiêu thụ bền vững <quan trọng>. " * 400
    recommendations = tuple(
        Recommendation(index=i, text=long_text, sub_items=(long_text,) * 20) for i in range(1, 40)
    )
    events = tuple(
        Event(name=long_text, start=dt.date(2020, 1, i), location=long_text, organizers=(long_text,) * 5)
        for i in range(1, 20)
    )
    stored = make_article(title="Tiêu đề ngắn", events=events, recommendations=recommendations, summary=long_text)
    for lang in ("vi", "en"):
        text = render_alert(stored, lang=lang, source_name="VNCPC")
        assert visible_length(text) <= MAX_MESSAGE_LENGTH
        assert_valid_html(text)
        assert text.startswith("<b>Tiêu đề ngắn</b>")
        assert text.endswith("</a> · VNCPC")


def test_huge_title_and_emoji_still_fit_counted_in_utf16():
    emoji_text = "🌱&<" * 3000  # astral characters count twice in Telegram's limit
    stored = make_article(title=emoji_text, summary=emoji_text, recommendations=(Recommendation(1, emoji_text),))
    text = render_alert(stored, lang="vi", source_name=emoji_text)
    assert visible_length(text) <= MAX_MESSAGE_LENGTH
    assert "Đọc bài viết</a>" in text
    assert_valid_html(text)


def test_long_recommendations_are_shortened_and_counted_when_over_the_limit():
    sentence = "Tăng cường phối hợp giữa các bộ ngành và địa phương trong triển khai sản xuất sạch hơn"
    recommendations = tuple(Recommendation(index=i, text=f"{sentence} ({i}). " * 8) for i in range(1, 13))
    text = render_alert(make_article(recommendations=recommendations), lang="vi", source_name="VNCPC")
    assert visible_length(text) <= MAX_MESSAGE_LENGTH
    assert "7. Tăng cường" in text
    assert "… và 5 kiến nghị khác" in text
    assert "…" in text.split("\n1. ")[1].split("\n")[0]


def test_summary_falls_back_to_first_paragraph():
    text = render_alert(make_article(summary="", body="\n\nĐoạn đầu tiên.\n\nĐoạn hai."), lang="vi", source_name="S")
    assert "Đoạn đầu tiên." in text
    assert "Đoạn hai" not in text


def test_shorten_cuts_at_a_word_boundary():
    assert shorten("một hai   ba", 20) == "một hai ba"
    assert shorten("sản xuất sạch hơn và tiêu thụ bền vững", 20) == "sản xuất sạch hơn…"
    assert len(shorten("x" * 50, 10)) == 10


def test_visible_length_counts_entities_once_and_ignores_tags():
    assert visible_length('<b>a&amp;b</b> <a href="https://x">link</a>') == len("a&b link")
    assert visible_length("🌱") == 2


def test_digest_packs_items_in_order_into_few_messages():
    items = [
        (make_article(id=i, title=f"Bài số {i}", recommendations=RECOMMENDATIONS, events=(WORKSHOP,)), "VNCPC")
        for i in range(1, 41)
    ]
    messages = render_digest(items, lang="vi")
    assert messages[0].startswith("<b>📰 Bản tin: 40 bài mới</b>\n\n<b>Bài số 1</b>")
    titles = re.findall(r"<b>Bài số (\d+)</b>", "".join(messages))
    assert titles == [str(i) for i in range(1, 41)]
    assert len(messages) > 1
    for message in messages:
        assert visible_length(message) <= MAX_MESSAGE_LENGTH
        assert_valid_html(message)
    # greedy: the first item of each message would not have fitted into the previous one
    for message, following in zip(messages, messages[1:]):
        first_item = following.split("· VNCPC")[0] + "· VNCPC"
        assert visible_length(message) + 2 + visible_length(first_item) > MAX_MESSAGE_LENGTH


def test_digest_shortens_a_single_oversize_item():
    huge = make_article(summary="Rất dài. " * 2000, recommendations=tuple(Recommendation(i, "Ý " * 500) for i in range(1, 30)))
    small = make_article(id=2, title="Bài ngắn")
    messages = render_digest([(huge, "VNCPC"), (small, "VNCPC")], lang="en")
    assert messages[0].startswith("<b>📰 Daily digest: 2 new</b>")
    assert all(visible_length(m) <= MAX_MESSAGE_LENGTH for m in messages)
    assert "Bài ngắn" in messages[-1]
    assert render_digest([], lang="vi") == []


def test_pack_never_exceeds_the_limit_and_keeps_order():
    blocks = [f"<b>{i}</b> " + "x" * (i * 37 % 900) for i in range(200)] + ["y" * 10_000]
    messages = pack(blocks)
    assert all(visible_length(m) <= MAX_MESSAGE_LENGTH for m in messages)
    assert re.findall(r"<b>(\d+)</b>", "".join(messages)) == [str(i) for i in range(200)]


def test_events_list_links_to_articles():
    stored = make_article()
    messages = render_events([(stored, WORKSHOP)], lang="en")
    assert len(messages) == 1
    assert messages[0].startswith("<b>📅 Upcoming events</b>\n\n<b><a href=\"https://vncpc.org/tin-tuc/")
    assert "12–13 March 2019" in messages[0]
    assert render_events([], lang="vi") == []


@pytest.mark.parametrize(
    ("code", "lang"), [(None, "vi"), ("", "vi"), ("vi", "vi"), ("vi-VN", "vi"), ("en", "en"), ("en-GB", "en"), ("fr", "en")]
)
def test_pick_language(code, lang):
    assert pick_language(code) == lang


def test_i18n_escapes_values_and_has_both_languages():
    assert t("en", "subscribed", topic="<all>") == "✅ Subscribed: &lt;all&gt;."
    assert t("xx", "subscribed", topic="a") == "✅ Đã đăng ký: a."


NOW = dt.datetime(2026, 11, 28, 3, 30, tzinfo=dt.UTC)


def test_health_and_stats_texts_escape_errors_and_split_when_long():
    health = [
        SourceHealth(f"s{i}", last_run=NOW, consecutive_failures=i % 3, last_error="<html> & " * 100, article_count=i)
        for i in range(60)
    ]
    texts = render_health(health, {"s0": "Nguồn <không>"}, lang="vi", tz=TZ)
    assert len(texts) > 1
    for text in texts:
        assert_valid_html(text)
    assert texts[0].startswith("<b>🩺 Tình trạng nguồn</b>\n\n<b>Nguồn &lt;không&gt;</b> (s0) — ✅ ổn\nLần chạy cuối: 28/11/2026 10:30")
    assert "⚠️ lỗi 2 lần liên tiếp" in texts[0]
    assert render_health([], {}, lang="en", tz=TZ) == ["No source has run yet."]

    stats = Stats(chats=3, active=2, by_topic={"events": 1, "all": 2}, by_status={"pending": 5, "held": 4, "failed": 1})
    text = render_stats(stats, [SourceHealth("vncpc", paused=True, article_count=9)], lang="en", tz=TZ)
    assert text == (
        "<b>📊 Statistics</b>\nSubscribers: 2 active / 3\nOutbox: 5 pending, 4 held for digests, 1 failed\n"
        "Articles: 9\n\n<b>By topic</b>\n• all: 2\n• events: 1\n\n<b>Last runs</b>\n• vncpc: never ⏸ paused"
    )


def test_english_counts_read_right_for_one():
    texts = [t("en", key, n=1, text="x") for key in ("latest_heading", "digest_heading", "broadcast_confirm",
                                                      "broadcast_queued")]
    assert not [s for s in texts if re.search(r"\b1 \w+s\b", s)], texts


def test_event_names_are_shown_with_a_capital_first_letter_but_kept_as_stored():
    survey = Event(name="khảo sát 15 cơ sở tái chế giấy", kind=EventKind.SURVEY, start=dt.date(2026, 12, 5))
    workshop = replace(WORKSHOP, name="workshop on CP in the textile sector")
    text = render_alert(make_article(events=(survey, workshop)), lang="vi", source_name="VNCPC")
    assert "<i>Khảo sát 15 cơ sở tái chế giấy</i>" in text
    assert "<i>Workshop on CP in the textile sector</i>" in text  # the rest is untouched ("CP")
    listed = render_events([(make_article(), survey)], lang="vi")[0]
    assert ">Khảo sát 15 cơ sở tái chế giấy</a>" in listed
    assert survey.name == "khảo sát 15 cơ sở tái chế giấy"
