"""Dated events -> an RFC 5545 calendar (icalendar), pure and deterministic: one all-day VEVENT
per day-precision event, with a UID that stays the same across runs."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from feeds.models import DatePrecision, Event, StoredArticle
from feeds.present import display_name, event_place
from feeds.publish.entries import clean_xml_text as _x
from feeds.publish.entries import entry_summary

ICS_PRODID = "-//vncpc-feedbot//events//EN"


def event_uid(article_url: str, index: int) -> str:
    """Stable across runs: the article's URL hash and the event's position in the article."""
    return f"{hashlib.sha1(article_url.encode('utf-8')).hexdigest()[:16]}-{index}@vncpc-feedbot"


def _calendar_events(entries: Sequence[StoredArticle]) -> Iterator[tuple[StoredArticle, int, Event]]:
    """Day-precision events with a start date (month-precision ones have no day to show, and one whose
    year is a guess no date to put on a calendar)."""
    for stored in entries:
        for index, event in enumerate(stored.article.extraction.events):
            if event.start is not None and event.precision is DatePrecision.DAY and not event.year_guessed:
                yield stored, index, event


def _vevent(stored: StoredArticle, index: int, event: Event) -> CalendarEvent:
    article = stored.article
    last = event.end if event.end is not None and event.end >= event.start else event.start
    vevent = CalendarEvent()
    vevent.add("uid", event_uid(article.url, index))
    vevent.add("dtstamp", stored.updated.astimezone(dt.UTC))
    vevent.add("dtstart", event.start)
    vevent.add("dtend", last + dt.timedelta(days=1))  # all-day: DTEND is exclusive
    vevent.add("summary", _x(display_name(event.name)))
    where = event_place(event)
    if where:
        vevent.add("location", _x(where))
    summary = entry_summary(article)
    vevent.add("description", _x(f"{summary}\n\n{article.url}" if summary else article.url))
    vevent.add("url", _x(article.url))
    vevent.add("categories", [event.kind.value])
    return vevent


def build_ics(entries: Sequence[StoredArticle], *, name: str = "VNCPC – sự kiện") -> bytes:
    """An RFC 5545 calendar: one all-day VEVENT per dated event, ordered by start then UID."""
    calendar = Calendar()
    calendar.add("prodid", ICS_PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    found = sorted(_calendar_events(entries), key=lambda f: (f[2].start, event_uid(f[0].article.url, f[1])))
    for stored, index, event in found:
        calendar.add_component(_vevent(stored, index, event))
    return calendar.to_ical()
