"""Dates and times as news sites print them, in Vietnamese and English.

Pure and standard-library only (no date-parsing dependency). Parsing works on the folded text
(lower case, no diacritics, single spaces), so "Thứ Hai", "THỨ HAI" and decomposed input read the
same. Numeric dates are always day-first; a time without an offset is in the source's timezone.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from zoneinfo import ZoneInfo

from feeds.models import DEFAULT_TIMEZONE
from feeds.text import fold

log = logging.getLogger(__name__)

MONTHS: dict[str, int] = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # English month names and abbreviations (lower case) -> month number

_MONTH = "(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")(?![a-z])"
_ORDINAL = "(?:st|nd|rd|th)?"
_YEAR = r"(?P<y>\d{4})(?!\d)"
_DATE_PATTERNS = (
    # 2019-07-14 (ISO), 2019/07/14
    re.compile(r"(?<![\d.])(?P<y>\d{4})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)"),
    # 14/07/2019, 14-07-2019, 14.07.2019, 26/5/2010, 14/07/19
    re.compile(r"(?<![\d.])(?P<d>\d{1,2}) ?(?P<sep>[/.-]) ?(?P<m>\d{1,2}) ?(?P=sep) ?(?P<y>\d{4}|\d{2})(?!\d)"),
    # 15 06 2023: a stamp printed with spaces (two-digit month, four-digit year)
    re.compile(r"(?<![\d.:])(?P<d>\d{1,2}) (?P<m>\d{2}) (?P<y>\d{4})(?![\d:])"),
    # (ngày) 26 tháng 5 năm 2010, 26 tháng 5, 2010, 26 tháng 5/2010
    re.compile(r"(?<!\d)(?P<d>\d{1,2}) thang (?P<m>\d{1,2})(?:,? nam|,|/|-)? ?" + _YEAR),
    # April 3, 2025 / Jun 9, 2016 / Sept. 9th 2016
    re.compile(r"(?<![a-z])" + _MONTH + r"\.? (?P<d>\d{1,2})" + _ORDINAL + ",? " + _YEAR),
    # 9 June 2016 / 9th of June, 2016
    re.compile(r"(?<!\d)(?P<d>\d{1,2})" + _ORDINAL + " (?:of )?" + _MONTH + r"\.?,? " + _YEAR),
)
# 08:20, 06:2 (one-digit minutes), 10:12:45, 09:15 SA/CH/AM/PM, 14h30, 9 giờ 30, with an optional offset.
_TIME = re.compile(
    r"(?<![\d:.,/-])(?P<h>\d{1,2}) ?"
    r"(?::(?P<m>\d{1,2})(?::(?P<s>\d{1,2})(?:[.,](?P<frac>\d{1,9}))?)?|(?:h|gio)(?![a-z]) ?(?P<hm>\d{1,2})?)(?!\d)"
    r"(?: ?(?P<half>a\.?m\.?|p\.?m\.?|sang|sa|chieu|ch|toi)(?![a-z]))?"
    r"(?: ?(?P<tz>z|(?:utc|gmt)?[+-]\d{1,2}(?::?\d{2})?|utc|gmt)(?![\w/-]|\.\d))?"
)
_OFFSET = re.compile(r"(?:utc|gmt)?(?P<sign>[+-])(?P<h>\d{1,2}):?(?P<m>\d{2})?")
_MORNING = frozenset({"am", "a.m", "a.m.", "am.", "sa", "sang"})
_NEAR = 32  # how far (in characters) a time may sit from its date
_YEARS = range(1900, 2101)


def parse_datetime(text: str, tz: dt.tzinfo | None = None) -> dt.datetime | None:
    """The first date in ``text`` (with the time printed next to it) as an aware datetime.

    A date without a time is midnight in ``tz``; a stamp with an explicit offset is converted to
    ``tz``. Returns None when there is no complete, possible date. Never raises.
    """
    if not isinstance(text, str) or not text:
        return None
    zone = tz if tz is not None else ZoneInfo(DEFAULT_TIMEZONE)
    folded = fold(text)
    found = _find_date(folded)
    if found is None:
        return None
    day, start, end = found
    clock, offset = _find_time(folded, start, end) or (dt.time(0, 0), None)
    try:
        if offset is None:
            return dt.datetime.combine(day, clock, tzinfo=zone)
        return dt.datetime.combine(day, clock, tzinfo=offset).astimezone(zone)
    except (ValueError, OverflowError):
        log.debug("date %s %s out of range", day, clock)
        return None


def parse_date(text: str, tz: dt.tzinfo | None = None) -> dt.date | None:
    """The calendar day (in ``tz``) of the first date in ``text``, or None."""
    stamp = parse_datetime(text, tz)
    return None if stamp is None else stamp.date()


def _find_date(folded: str) -> tuple[dt.date, int, int] | None:
    """The earliest possible date in the text, with its span."""
    matches = sorted((m for p in _DATE_PATTERNS for m in p.finditer(folded)), key=lambda m: m.start())
    for match in matches:
        day = _date_from(match)
        if day is not None:
            return day, match.start(), match.end()
    return None


def _date_from(match: re.Match[str]) -> dt.date | None:
    parts = match.groupdict()
    year = int(parts["y"])
    if len(parts["y"]) == 2:
        if parts.get("sep") != "/":
            return None  # "14.07.19" is too likely a version or a score
        year += 2000 if year < 70 else 1900
    month = MONTHS[parts["mon"]] if parts.get("mon") else int(parts["m"])
    if year not in _YEARS:
        return None
    try:
        return dt.date(year, month, int(parts["d"]))
    except ValueError:  # 31/02, month 13
        return None


def _find_time(folded: str, start: int, end: int) -> tuple[dt.time, dt.tzinfo | None] | None:
    """The valid time of day closest to the date span [start, end), at most _NEAR characters away."""
    best: tuple[int, tuple[dt.time, dt.tzinfo | None]] | None = None
    for match in _TIME.finditer(folded, max(0, start - _NEAR)):
        if match.start() > end + _NEAR:
            break
        if match.end() <= start:
            gap = start - match.end()
        elif match.start() >= end:
            gap = match.start() - end
        else:
            continue  # overlaps the date itself
        parsed = _time_from(match)
        if parsed is not None and gap <= _NEAR and (best is None or gap < best[0]):
            best = (gap, parsed)
    return None if best is None else best[1]


def _time_from(match: re.Match[str]) -> tuple[dt.time, dt.tzinfo | None] | None:
    parts = match.groupdict()
    hour = int(parts["h"])
    minute = int(parts["m"] or parts["hm"] or 0)
    second = int(parts["s"] or 0)
    micro = int((parts["frac"] or "0")[:6].ljust(6, "0"))
    half = parts["half"]
    if half and hour <= 12:
        if half in _MORNING:
            hour = 0 if hour == 12 else hour
        elif hour < 12:
            hour += 12
    if hour > 23 or minute > 59 or second > 59:
        return None
    return dt.time(hour, minute, second, micro), _offset(parts["tz"])


def _offset(text: str | None) -> dt.tzinfo | None:
    """A fixed offset from "z", "utc", "+07:00", "+0700", "gmt+7"; None when absent or impossible."""
    if not text:
        return None
    if text in ("z", "utc", "gmt"):
        return dt.timezone.utc
    match = _OFFSET.fullmatch(text)
    if match is None:
        return None
    hours, minutes = int(match["h"]), int(match["m"] or 0)
    if hours > 14 or minutes > 59:
        return None
    delta = dt.timedelta(hours=hours, minutes=minutes)
    return dt.timezone(-delta if match["sign"] == "-" else delta)


# "/2018/05/", "/en/2019/08/23/376/", "/2018/page/12": a WordPress-style date in a URL's path
_URL_DATE = re.compile(r"/(?P<y>(?:19[89]|20\d)\d)(?:/(?P<m>0?[1-9]|1[0-2])(?:/(?P<d>0?[1-9]|[12]\d|3[01]))?)?(?=/|$)")


def date_in_url(url: str) -> tuple[int, int | None, int | None] | None:
    """The (year, month, day) a URL's path is filed under ("/2018/05/slug" → (2018, 5, None)), or None."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    path = path.split("//", 1)[-1].partition("/")[2]
    found = _URL_DATE.search("/" + path)
    if found is None:
        return None
    month, day = found["m"], found["d"]
    return int(found["y"]), int(month) if month else None, int(day) if day else None
