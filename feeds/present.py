"""How the same facts read everywhere (pure): dates and date ranges, places, event names, topics.

The feeds (Atom/RSS entry content), the calendar and Telegram all call these functions, so one
event reads "26–27/5/2026, 08:30" (vi) / "26–27 May 2026, 08:30" (en) in every one of them, and
an article belongs to the same topics whether a subscriber's alert or a feed's category is built.
"""

from __future__ import annotations

import datetime as dt

from feeds.extract.places import describe_place
from feeds.models import Article, DatePrecision, Event

MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

TOPICS = ("all", "events", "recommendations")  # the fixed topics; any source id is one too


# --------------------------------------------------------------------------- dates


_YEAR_UNKNOWN = {"vi": "chưa rõ năm", "en": "year not stated"}


def format_date_range(
    start: dt.date | None,
    end: dt.date | None = None,
    *,
    lang: str,
    precision: DatePrecision = DatePrecision.DAY,
    year_known: bool = True,
) -> str:
    """"26–27/5/2007" (vi) / "26–27 May 2007" (en); month precision "tháng 5/2007" / "May 2007".

    When nothing fixed the year (``year_known`` false) it is left out and said so: "27–28/9 (chưa rõ
    năm)" / "27–28 September (year not stated)".
    """
    if start is None:
        return ""
    if end is None or end <= start:
        end = start
    if not year_known:
        return f"{_without_year(start, end, lang, precision)} ({_YEAR_UNKNOWN.get(lang, _YEAR_UNKNOWN['vi'])})"
    if precision == DatePrecision.MONTH:
        return _month_range(start, end, lang)
    if lang == "en":
        return _day_range_en(start, end)
    return _day_range_vi(start, end)


def _without_year(start: dt.date, end: dt.date, lang: str, precision: DatePrecision) -> str:
    if lang == "en":
        first, last = MONTHS_EN[start.month - 1], MONTHS_EN[end.month - 1]
        if precision == DatePrecision.MONTH:
            return first if first == last else f"{first}–{last}"
        if start == end:
            return f"{start.day} {first}"
        return f"{start.day}–{end.day} {last}" if first == last else f"{start.day} {first} – {end.day} {last}"
    if precision == DatePrecision.MONTH:
        return f"tháng {start.month}" if start.month == end.month else f"tháng {start.month}–{end.month}"
    if start == end:
        return f"{start.day}/{start.month}"
    if start.month == end.month:
        return f"{start.day}–{end.day}/{end.month}"
    return f"{start.day}/{start.month}–{end.day}/{end.month}"


def _day_range_vi(start: dt.date, end: dt.date) -> str:
    if start == end:
        return f"{start.day}/{start.month}/{start.year}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day}/{end.month}/{end.year}"
    if start.year == end.year:
        return f"{start.day}/{start.month}–{end.day}/{end.month}/{end.year}"
    return f"{start.day}/{start.month}/{start.year}–{end.day}/{end.month}/{end.year}"


def _day_range_en(start: dt.date, end: dt.date) -> str:
    def month(d: dt.date) -> str:
        return MONTHS_EN[d.month - 1]

    if start == end:
        return f"{start.day} {month(start)} {start.year}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {month(end)} {end.year}"
    if start.year == end.year:
        return f"{start.day} {month(start)} – {end.day} {month(end)} {end.year}"
    return f"{start.day} {month(start)} {start.year} – {end.day} {month(end)} {end.year}"


def _month_range(start: dt.date, end: dt.date, lang: str) -> str:
    same_month = (start.year, start.month) == (end.year, end.month)
    if lang == "en":
        first = MONTHS_EN[start.month - 1]
        if same_month:
            return f"{first} {start.year}"
        if start.year == end.year:
            return f"{first}–{MONTHS_EN[end.month - 1]} {end.year}"
        return f"{first} {start.year} – {MONTHS_EN[end.month - 1]} {end.year}"
    if same_month:
        return f"tháng {start.month}/{start.year}"
    if start.year == end.year:
        return f"tháng {start.month}–{end.month}/{end.year}"
    return f"tháng {start.month}/{start.year}–{end.month}/{end.year}"


def event_when(event: Event, lang: str) -> str:
    """The event's dates, then its time of day: "26–27/5/2026, 08:30" ("" without a date); a year
    nothing fixed is left out and said so: "27–28/9 (chưa rõ năm)"."""
    when = format_date_range(event.start, event.end, lang=lang, precision=event.precision, year_known=not event.year_guessed)
    if when and event.time_of_day is not None:
        when += f", {event.time_of_day:%H:%M}"
    return when


# --------------------------------------------------------------------------- places and names


def event_place(event: Event) -> str:
    """The venue as written, with its province in brackets unless the venue names it already."""
    return describe_place(event.location, event.province)


def display_name(name: str) -> str:
    """An event name for display: its first letter upper-cased, the rest untouched ("workshop on CP
    in Hà Nội" -> "Workshop on CP in Hà Nội"; str.capitalize would lower "CP"). Names are stored
    as the article wrote them; only what readers see is changed."""
    for i, char in enumerate(name):
        if char.isalnum():  # skip opening quotes and brackets, stop at a digit ("15 cơ sở" stays)
            upper = char.upper()
            return name[:i] + upper + name[i + 1 :] if len(upper) == 1 else name
    return name


# --------------------------------------------------------------------------- topics


def topics_of(source_id: str, *, has_events: bool, has_recommendations: bool) -> tuple[str, ...]:
    """The topics an article belongs to: "all", its source id, and "events"/"recommendations"."""
    topics = ["all", source_id]
    if has_events:
        topics.append("events")
    if has_recommendations:
        topics.append("recommendations")
    return tuple(topics)


def article_topics(article: Article) -> tuple[str, ...]:
    """:func:`topics_of` an article, from what was extracted from it."""
    facts = article.extraction
    return topics_of(article.source_id, has_events=bool(facts.events), has_recommendations=bool(facts.recommendations))
