"""Where the year of a date written without one comes from ("ngày 24/12", "On 23 May").

In order: the page's own date stamp; failing that, the article's own words (a date written in
full in or before the sentence, "ngày 20/6/2018 ... ngày 20/6", or a sentence opening with its
year, "Năm 2022, ..." / "In 2022, ..."); then the page's URL ("/2018/05/"); then the date the
listing page printed next to the link; and only then the day the page was first seen, which
makes the year a guess (``DateMention.year_guessed``). Pure; linear in the text.
"""

from __future__ import annotations

import datetime as dt
import re
from calendar import monthrange
from dataclasses import dataclass

from feeds.dates import date_in_url
from feeds.extract.eventdates import find_dates
from feeds.models import DatePrecision, DateSource


@dataclass(frozen=True, slots=True)
class YearClue:
    """What a year-less date in one sentence is read against."""

    reference: dt.date  # the nearest occurrence around this day is taken
    year: int | None = None  # ... unless a year is fixed outright
    guessed: bool = False  # the reference is only when the page was first seen
    exact: bool = True  # the reference is the page's own day ("hôm nay" may be read against it)


_YEARISH = re.compile(r"(?<!\d)(?:19[5-9]\d|20\d\d)(?!\d)")
# "Năm 2022, Vụ ... đã giao ...", "Trong năm 2019, ...", "In 2022, the project ...": the year the story is told in
_NARRATIVE_YEAR = re.compile(
    r"\W{0,3}(?:(?:(?:trong|vào|cuối|đầu|suốt)\s+)?năm|(?:in|during|throughout|(?:early|late)\s+in)(?:\s+the\s+year)?)"
    r"\s+(?P<y>(?:19|20)\d\d)\s*,",
    re.IGNORECASE,
)


def year_clues(
    sentences: list[str], *, published: dt.date, published_from: DateSource = DateSource.PAGE, url: str = ""
) -> list[YearClue]:
    """One clue per sentence (see the module's docstring for the order)."""
    if published_from is DateSource.PAGE:
        return [YearClue(published)] * len(sentences)
    first_seen = published_from is DateSource.FIRST_SEEN
    fallback = _from_url(url) or YearClue(published, guessed=first_seen, exact=not first_seen)
    own = _own_years(sentences, published)
    return [fallback if year is None else YearClue(published, year, exact=False) for year in own]


def _from_url(url: str) -> YearClue | None:
    found = date_in_url(url or "")
    if found is None:
        return None
    year, month, day = found
    if month is None:
        return YearClue(dt.date(year, 12, 31), year, exact=False)
    return YearClue(dt.date(year, month, day or monthrange(year, month)[1]), exact=day is not None)


def _own_years(sentences: list[str], seen: dt.date) -> list[int | None]:
    """For each sentence, the year the article's own words give: the nearest one written at or before it,
    else the first one after it."""
    written = [_written_year(sentence, seen) for sentence in sentences]
    own: list[int | None] = []
    last = None
    for year in written:
        last = year or last
        own.append(last)
    following = None
    for i in range(len(own) - 1, -1, -1):
        following = written[i] or following
        own[i] = own[i] or following
    return own


def _written_year(sentence: str, seen: dt.date) -> int | None:
    """The year of the last date written in full in ``sentence`` (distractors such as decree dates are
    not read as dates), or of a sentence opening with its year; never one after ``seen``."""
    if not _YEARISH.search(sentence):
        return None
    year = None
    opening = _NARRATIVE_YEAR.match(sentence)
    if opening:
        year = int(opening["y"])
    for mention in find_dates(sentence, published=seen):
        if not mention.year_inferred and mention.precision is DatePrecision.DAY:
            year = mention.start.year
    return year if year is not None and year <= seen.year else None
