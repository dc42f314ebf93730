"""feeds.present: one event reads the same in the feeds, the calendar and Telegram."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from icalendar import Calendar

from bot.texts.messages import render_alert, render_events
from feeds.models import DatePrecision, Event, EventKind, Language
from feeds.present import article_topics, display_name, event_place, event_when, topics_of
from feeds.publish.entries import entry_categories, facts_html
from feeds.publish.ical import build_ics
from tests.support.factories import make_stored

WORKSHOP = Event(
    name="hội thảo sản xuất sạch hơn ngành chế biến thực phẩm",
    kind=EventKind.WORKSHOP,
    start=dt.date(2026, 5, 26),
    end=dt.date(2026, 5, 27),
    time_of_day=dt.time(8, 30),
    location="Khách sạn Mường Thanh, TP Vinh",
    province="Nghệ An",
)


@pytest.mark.parametrize("lang, when", [("vi", "26–27/5/2026, 08:30"), ("en", "26–27 May 2026, 08:30")])
def test_the_same_event_reads_the_same_in_the_feed_the_calendar_and_telegram(lang: str, when: str) -> None:
    stored = make_stored(1, events=(WORKSHOP,), language=Language(lang))
    assert event_when(WORKSHOP, lang) == when
    place = "Khách sạn Mường Thanh, TP Vinh (Nghệ An)"
    name = "Hội thảo sản xuất sạch hơn ngành chế biến thực phẩm"
    assert event_place(WORKSHOP) == place and display_name(WORKSHOP.name) == name

    feed = html.unescape(facts_html(stored.article))
    alert = html.unescape(render_alert(stored, lang=lang, source_name="VNCPC"))
    listed = html.unescape(render_events([(stored, WORKSHOP)], lang=lang)[0])
    for text in (feed, alert, listed):
        assert when in text and place in text, text
    assert name in feed and name in listed

    (vevent,) = Calendar.from_ical(build_ics([stored])).walk("VEVENT")
    assert str(vevent["location"]) == place and str(vevent["summary"]) == name


def test_dates_without_a_time_and_by_month() -> None:
    day = Event(name="x", start=dt.date(2026, 3, 17))
    assert event_when(day, "vi") == "17/3/2026" and event_when(day, "en") == "17 March 2026"
    month = Event(name="x", start=dt.date(2026, 6, 1), precision=DatePrecision.MONTH)
    assert event_when(month, "vi") == "tháng 6/2026" and event_when(month, "en") == "June 2026"
    assert event_when(Event(name="x"), "vi") == ""


def test_one_topic_rule_for_alerts_and_feed_categories() -> None:
    assert topics_of("vncpc-vi", has_events=False, has_recommendations=False) == ("all", "vncpc-vi")
    stored = make_stored(2, events=(WORKSHOP,))
    assert article_topics(stored.article) == ("all", "vncpc-vi", "events")
    assert entry_categories(stored.article) == ["Tin tức", "event"]
