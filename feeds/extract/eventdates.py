"""Event date expressions in Vietnamese and English sentences.

Finds "26 và 27 tháng 5", "ngày 14 và 15/9 năm 2016", "Từ ngày 3/11/2019 đến ngày 5/11/2019",
"từ ngày 8 đến 10/4/2017", "sáng ngày 17/8", "tháng 5 vừa qua" (month precision),
"12th – 14th March, 2017", "On 9 June", "from 3 to 5 June 2019", "March 12-14, 2017", and
resolves a missing year from the publication date: the most recent past occurrence for a
report, the next occurrence for an announcement. Dates of legal documents ("Quyết định số
1419/QĐ-TTg ngày 7/9/2009") and deadlines ("đăng ký trước ngày 5/12") are skipped.
Pure, linear-time regular expressions (no nested quantifiers).
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from feeds.models import DatePrecision


class Tense(StrEnum):
    """How the sentence speaks of its event: decides the year of a date written without one."""

    REPORT = "report"
    ANNOUNCEMENT = "announcement"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class DateMention:
    start: dt.date
    end: dt.date
    precision: DatePrecision
    year_inferred: bool
    time_of_day: dt.time | None
    day_part: str | None  # "morning", "noon", "afternoon", "evening" when written so
    span: tuple[int, int]
    year_guessed: bool = False  # written without a year, and only the day the page was first seen gave one
    days: tuple[dt.date, ...] = ()  # each day of a list ("ngày 8, 10 và 12/5"), which a series may share out


# --------------------------------------------------------------------------- patterns

_SEP = r"\s*[/.\-]\s*"
_D = r"(?:0?[1-9]|[12]\d|3[01])(?!\d)"
# Patterns start at a digit or a month name, so the regex engine skips ahead quickly; what may
# come before ("sáng ngày", "from", "in") is read backwards from the match start.
# (never the minutes of "9h-11h30" or "9 giờ 30", nor the weekday of "Thứ 5, ngày 21/10")
_D1 = r"(?<!\d)(?<!\d[hHg:])(?<!\d [hH])(?<!giờ )(?<![Tt]hứ )(?<!THỨ )(?P<d1>\d{1,2})(?!\d)"
# Months written as words: "tháng Mười", "tháng Giêng", "tháng Chạp", "tháng mười một".
_VI_MONTH_WORDS = {
    "giêng": 1, "một": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8,
    "chín": 9, "mười": 10, "mười một": 11, "mười hai": 12, "chạp": 12,
}
_VI_MONTH_WORD = (
    r"(?:mười\s+một|mười\s+hai|" + "|".join(w for w in _VI_MONTH_WORDS if " " not in w) + r")(?!\w)"
)
_VI_MONTH_NUMBER = rf"(?:\d{{1,2}}(?!\d)|{_VI_MONTH_WORD})"
# "5-6/10" is days 5 to 6 of October, not 5 June 2010, and "3-4 March" days 3 to 4 of March, not 3 April:
# a dash before "D/", "D tháng" or "D Month" starts a day range
_EN_MONTH_AHEAD = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b"
_SEP_FIRST = rf"(?:\s*[/.]\s*|\s*-\s*(?!\d{{1,2}}\s*/|\d{{1,2}}\s+tháng\s|\d{{1,2}}(?:st|nd|rd|th)?\s+(?-i:{_EN_MONTH_AHEAD})))"


def _vi_day_month(n: int) -> str:
    """A day, then optionally "/month[/year]" or " tháng month [năm year]"; groups numbered ``n``."""
    day = _D1 if n == 1 else rf"(?P<d{n}>{_D})"
    sep = _SEP_FIRST if n == 1 else _SEP
    return (
        rf"{day}(?:{sep}(?P<m{n}>\d{{1,2}})(?:{_SEP}(?P<y{n}>\d{{4}}|\d{{2}}))?(?![\d/])"
        rf"|\s+tháng\s+(?P<mt{n}>{_VI_MONTH_NUMBER})(?:\s*(?:,\s*)?(?:năm\s+|/)(?P<yt{n}>\d{{4}}))?)?"
    )


_VI_DAY = re.compile(
    _vi_day_month(1)
    # "14, 15 và 16/9": listed days; "3, 4/7": the last day carries the month (read as the range's end)
    + r"(?P<list>(?:\s*,\s*\d{1,2}(?!\d)(?!\s*[/.\-]\s*\d|\s+tháng\s))*)"
    r"(?:\s*(?:đến|tới|-|–|—|(?P<join>và|,))\s*(?:hết\s+)?(?:\d{1,2}\s*(?:h|giờ)\s*\d{0,2}\s*(?:,\s*)?)?(?:ngày\s+)?"
    + _vi_day_month(2)
    + r")?(?:\s*(?:,\s*)?năm\s+(?P<y3>\d{4}))?",
    re.IGNORECASE,
)
# read backwards from a Vietnamese date: "Sáng thứ Ba, ngày", "từ ngày", "Trong hai ngày"
_VI_BEFORE = re.compile(
    r"(?:(?P<part>sáng|chiều|tối|trưa|đêm)(?:\s+nay)?\s*(?:[,(]\s*)?(?:thứ\s+\w+\s*(?:,\s*)?)?)?"
    r"(?:(?:từ|trong\s+(?:\w+\s+)?ngày)\s+)?(?:ngày\s+)?$",
    re.IGNORECASE,
)
# a month alone: "tháng 5", "tháng Mười" (a word month only capitalised: "tháng năm" is "months and years")
_VI_MONTH = re.compile(
    r"tháng\s+(?:(?P<m>0?[1-9]|1[0-2])(?!\d)|(?P<mw>(?-i:(?=[GMHBTNSC]))" + _VI_MONTH_WORD + r"))"
    r"(?:\s*(?:/|năm|,\s*năm)\s*(?P<y>\d{4}))?",
    re.IGNORECASE,
)

_MONTHS = {
    name: i
    for i, names in enumerate(
        ["January Jan", "February Feb", "March Mar", "April Apr", "May", "June Jun", "July Jul",
         "August Aug", "September Sep Sept", "October Oct", "November Nov", "December Dec"],
        start=1,
    )
    for name in names.split()
}
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
# "From 3rd to 5th of september, 2015": a month in lower case, only right after "of" (never the verb "may")
_LOWER_MONTH = r"(?<=of )(?:" + "|".join(name.lower() for name in _MONTHS if len(name) > 3) + r")\b"
_ORD = r"(?:st|nd|rd|th)?"
_EN_DAY_FIRST = re.compile(
    rf"{_D1}{_ORD}(?P<list>(?:\s*,\s*\d{{1,2}}{_ORD}(?!\d))*)(?:\s+(?i:of\s+)?(?P<m1>{_MONTH})(?:,?\s+(?P<y1>\d{{4}}))?)?"
    rf"(?:\s*(?:-|–|—|(?i:to|until|till)|(?P<join>(?i:and)))\s*(?:(?i:the)\s+)?(?P<d2>{_D}){_ORD})?"
    rf"\s+(?i:of\s+)?(?P<m2>{_MONTH}|{_LOWER_MONTH})(?:,?\s+(?P<y2>\d{{4}}))?"
)
# "March 12-14, 2017", "On November the 23rd, 2012"
_EN_MONTH_FIRST = re.compile(
    rf"(?P<m1>{_MONTH})\s+(?:(?i:the)\s+)?(?P<d1>{_D}){_ORD}(?:\s*(?:-|–|—|(?i:to|and))\s*(?:(?P<m2>{_MONTH})\s+)?(?P<d2>{_D}){_ORD})?"
    rf"(?:,?\s+(?P<y2>\d{{4}}))?"
)
_EN_MONTH = re.compile(rf"(?P<m>{_MONTH})(?:,?\s+(?P<y>\d{{4}}))?\b")
# what makes a month alone an event's date: "in June", "mid-June", "at the end of November", "scheduled for May"
_EN_MONTH_BEFORE = re.compile(
    r"\b(?:(?:in|during|since|this|last|next|early|late|mid|(?:(?:the|at)\s+)?(?:end|beginning|start|middle)\s+of"
    r"|(?:scheduled|planned|slated|set|due|expected)\s+for)\s+|mid-)$",
    re.IGNORECASE,
)

_LEGAL = re.compile(
    # a document's number and code, whatever the document: "Kế hoạch số 1048/KH-SCT ngày", "No. 06/NQ-TU dated on"
    r"(?:(?<!\w)\d{1,5}(?:/\d{2,4})?/(?-i:[A-ZĐ])[\w&-]*(?:\s+(?:của|of)\s+[^.;:]{0,60}?)?"
    r"\s+(?:(?:ban hành|ký|dated|issued|signed)\s+)?(?:on\s+|vào\s+)?(?:ngày\s+)?"
    r"|(?:quyết định|nghị định|thông tư|luật|chỉ thị|nghị quyết|công văn|pháp lệnh|văn bản|tờ trình|báo cáo"
    r"|decision|decree|circular|directive|resolution|law|dispatch)\b[^.;:]{0,40}?\d[^.;:\s]*\s+"
    r"(?:của\s+[^.;:]{0,40}?\s+)?(?:(?:ban hành|ký|dated|of|issued|signed)\s+)?\(?(?:on\s+|vào\s+)?(?:ngày\s+)?"
    r"|(?:ban hành|ký ban hành|phê duyệt|được ký|dated|signed on|issued on)\s+(?:vào\s+)?(?:ngày\s+)?)$",
    re.IGNORECASE,
)
_DEADLINE = re.compile(
    r"(?:(?:trước|hạn chót|hạn cuối|thời hạn|chậm nhất(?: là)?|hết|before|by|deadline:?|no later than|until)\s+"
    r"|(?:hạn|deadline|đăng ký|nộp hồ sơ|register|registration|apply|applications?)\b[^.;]{0,60}?"
    r"(?:\bis\b|\bby\b|\bbefore\b|\buntil\b|trước|:)\s*)(?:ngày\s+|the\s+)?$",
    re.IGNORECASE,
)
# when an administrative change takes effect: "có hiệu lực (thi hành) từ ngày", "kể từ ngày",
# "(tỉnh X mới) sau khi hợp nhất với tỉnh Y từ ngày", "effective from", "came into force on"
_TAKES_EFFECT = re.compile(
    r"(?:(?:\bkể\s+|\bhiệu lực\b[^.;:()]{0,40}?\s|\b(?:sáp nhập|hợp nhất|sắp xếp|chia tách|giải thể)\b[^.;:(),]{0,60}?\s)từ"
    r"|\b(?:effective|with effect|in effect|into force|into effect|took effect|takes effect|merged|amalgamated)\s+(?:from|on|as of|since)"
    r")\s+(?:ngày\s+|the\s+)?$",
    re.IGNORECASE,
)
# "Hội thảo về sáp nhập ... diễn ra từ ngày 3/7": the event's own verb stands between, so it is the event's date
_EVENT_VERB = re.compile(r"diễn ra|tổ chức|khai mạc|khai giảng|tiến hành", re.IGNORECASE)
_TIME = re.compile(
    r"(?<![\d/.])(?P<h>[01]?\d|2[0-3])\s*(?:h|giờ|:)\s*(?P<min>[0-5]\d)?(?!\d)(?:\s*(?P<ampm>[ap]\.?m\.?))?"
    r"|(?<![\d/.])(?P<h2>1[0-2]|0?[1-9])\s*(?P<ampm2>[ap]\.?m\.?)",
    re.IGNORECASE,
)
_PARTS = {"sáng": "morning", "trưa": "noon", "chiều": "afternoon", "tối": "evening", "đêm": "evening",
          "morning": "morning", "afternoon": "afternoon", "evening": "evening"}
TODAY = re.compile(r"\b(?:(sáng|chiều|tối|trưa) nay|hôm nay|today|this (morning|afternoon|evening))\b", re.IGNORECASE)
YESTERDAY = re.compile(r"\b(?:(sáng|chiều|tối|trưa) qua|hôm qua|yesterday(?: (morning|afternoon|evening))?)\b", re.IGNORECASE)
_EN_PART = re.compile(r"\b(morning|afternoon|evening)\s+of\s+$", re.IGNORECASE)
_LOOKBACK = 90
# a named day right before its date: "Ngày Môi trường thế giới 5/6", "World Environment Day (5 June)"
_OBSERVANCE = re.compile(r"(?:\b(?-i:Ngày)(?:\s+[^\W\d_]+){1,5}|\b(?-i:[A-Z]\w*)\s+(?-i:Day))\s*[(,]?\s*(?:ngày\s+)?$", re.IGNORECASE)
_EN_MONTH_JUST_BEFORE = re.compile(rf"\b(?-i:{_EN_MONTH_AHEAD})\.?\s+$")


def find_dates(
    sentence: str,
    *,
    published: dt.date,
    tense: Tense = Tense.UNKNOWN,
    year: int | None = None,
    guessed: bool = False,
    exact: bool = True,
) -> list[DateMention]:
    """Event date expressions in ``sentence``, left to right. Never raises.

    A date written without a year takes ``year`` when the article's own words fix one, else the
    occurrence nearest ``published`` (see :func:`_infer_year`); ``guessed`` says that ``published``
    is only when the page was first seen, so such a year is a guess (``DateMention.year_guessed``).
    "Today" and "yesterday" are read only when ``published`` is the page's own day (``exact``).
    """
    context = _YearContext(published, year, guessed)
    read: list[tuple[_Parts, tuple[int, int]]] = []
    taken: list[tuple[int, int]] = []  # spans already read, sorted and disjoint
    dateline_year = None
    for pattern, reader in _READERS:
        for match in pattern.finditer(sentence):
            found_parts = reader(match, sentence)
            if found_parts is None:
                continue
            parts, start = found_parts
            if _overlaps(taken, start, match.end()) or _excluded(sentence, start, match.start()):
                continue
            if start < _DATELINE_REACH and _is_dateline(sentence, start, match.end()):
                dateline_year = parts.y2 or parts.y1
                continue
            read.append((parts, (start, match.end())))
            bisect.insort(taken, (start, match.end()))
    # "HANOI, 18 October 2023 – ... on 17 October", "ngày 15/12/2022 và ngày 14/12": a year written in the sentence
    written = next((p.y2 or p.y1 for p, _ in read if (p.y2 or p.y1) and p.precision is DatePrecision.DAY), dateline_year)
    if written is not None and year is None:
        context = _YearContext(published, written, False)
    found = [m for parts, span in read if (m := _resolve(parts, context, tense, sentence, span)) is not None]
    if not found and exact and not guessed:
        found.extend(_relative_day(sentence, published))
    if len(found) > 1:  # "Hưởng ứng Ngày Môi trường thế giới 5/6, sáng 3/6, ...": the day's calendar date is no event's
        found = [m for m in found if not _OBSERVANCE.search(sentence, max(0, m.span[0] - 60), m.span[0])] or found
    return sorted(found, key=lambda m: m.span)


def _relative_day(sentence: str, published: dt.date) -> list[DateMention]:
    """ "Sáng nay, tại Hà Nội, ..." / "Yesterday, ..." with no date written: the day of publication, or the one before."""
    for pattern, day in ((TODAY, published), (YESTERDAY, published - dt.timedelta(days=1))):
        found = pattern.search(sentence)
        if found:
            word = found.group(1) or found.group(2)
            part = _PARTS.get(word.lower()) if word else None
            return [DateMention(day, day, DatePrecision.DAY, True, None, part, found.span())]
    return []


# "BANGKOK, 18 October 2023 – ...", "HÀ NỘI, ngày 5/6 - ...": a press release's dateline dates the
# release, not an event (the place is one to four capitalised words opening the text)
_DATELINE_REACH = 40
_DATELINE_PLACE = re.compile(r"\W{0,3}(?P<place>(?:[^\W\d_][\w.]*\s+){0,3}[^\W\d_][\w.]*)\s*,\s*(?:ngày\s+)?")
_DATELINE_DASH = re.compile(r"\s*(?:\([^()]{0,20}\)\s*)?[–—-]\s")


def _is_dateline(sentence: str, start: int, end: int) -> bool:
    place = _DATELINE_PLACE.fullmatch(sentence, 0, start)
    if place is None or not _DATELINE_DASH.match(sentence, end):
        return False
    words = place["place"].split()
    return all(word[:1].isupper() for word in words) and not _WEEKDAY.match(place["place"])


_WEEKDAY = re.compile(r"(?:thứ|chủ nhật|sáng|chiều|tối|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b", re.IGNORECASE)


def _overlaps(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps one of the sorted, disjoint spans (its neighbours tell)."""
    i = bisect.bisect_left(taken, (start, end))
    return any(b < end and start < e for b, e in taken[max(0, i - 1) : i + 1])


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class _Parts:
    """Numbers as written; ``None`` where the text left them out."""

    d1: int | None
    m1: int | None
    y1: int | None
    d2: int | None
    m2: int | None
    y2: int | None
    precision: DatePrecision = DatePrecision.DAY
    part: str | None = None
    listed: tuple[int, ...] = ()  # the days between d1 and d2 of "22nd, 24th and 25th November", then a 0


_LISTED_DAY = re.compile(r"\d{1,2}")


def _listed(text: str | None) -> tuple[int, ...]:
    return tuple(int(d) for d in _LISTED_DAY.findall(text or ""))


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _vi_month(value: str | None) -> int | None:
    """A month as written after "tháng": "10", "Mười", "mười một"."""
    if not value:
        return None
    return int(value) if value.isdigit() else _VI_MONTH_WORDS.get(" ".join(value.lower().split()))


def _year(value: str | None) -> int | None:
    """A written year; two digits ("15/3/19") mean 2000-2049 or 1950-1999."""
    if not value:
        return None
    year = int(value)
    return year if len(value) == 4 else (2000 + year if year < 50 else 1900 + year)


def _month(value: str | None) -> int | None:
    return _MONTHS.get(value.rstrip(".").capitalize() if value.isupper() or value.islower() else value.rstrip(".")) if value else None


def _starts_clean(sentence: str, at: int) -> bool:
    """No digit, "/" or "." glued before: "1419/QĐ" holds no day "19"."""
    return at == 0 or sentence[at - 1] not in "0123456789/."


def _read_vi_day(m: re.Match[str], sentence: str) -> tuple[_Parts, int] | None:
    if not _starts_clean(sentence, m.start()) or not 1 <= int(m["d1"]) <= 31:
        return None
    if _EN_MONTH_JUST_BEFORE.search(sentence, max(0, m.start() - 12), m.start()):
        return None  # "June 5-7, 2019" is days 5 to 7 of June (read in English), not 5 July
    g = m.groupdict()
    m1, m2 = _int(g["m1"]) or _vi_month(g["mt1"]), _int(g["m2"]) or _vi_month(g["mt2"])
    y1, y2 = _year(g["y1"] or g["yt1"]), _year(g["y2"] or g["yt2"]) or _int(g["y3"])
    d2 = _int(g["d2"])
    if m1 is not None and m2 is None:  # "ngày 17/8, 20 đại biểu": the second number is no day
        d2, y1 = None, y1 or _int(g["y3"])
    if m1 is None and m2 is None:
        return None
    window_start = max(0, m.start() - 40)
    before = _VI_BEFORE.search(sentence, window_start, m.start())
    part = _PARTS.get((before["part"] or "").lower()) if before else None
    start = before.start() if before and before.group() else m.start()
    listed = (*_listed(g["list"]), 0) if d2 and (g["list"] or g["join"]) else ()
    return _Parts(_int(g["d1"]), m1, y1, d2, m2, y2, part=part, listed=listed), start


def _read_vi_month(m: re.Match[str], sentence: str) -> tuple[_Parts, int] | None:
    before = sentence[max(0, m.start() - 2) : m.start()]
    if before[-1:] in ("/",) or before[-1:].isdigit() or (before[-1:].isspace() and before[:1].isdigit()):
        return None  # "3 tháng 5" was a day; "6 tháng" is a duration
    month = _int(m["m"]) or _vi_month(m["mw"])
    return _Parts(None, month, _int(m["y"]), None, None, None, DatePrecision.MONTH), m.start()


def _read_en_day_first(m: re.Match[str], sentence: str) -> tuple[_Parts, int] | None:
    if not _starts_clean(sentence, m.start()) or not 1 <= int(m["d1"]) <= 31:
        return None
    listed = (*_listed(m["list"]), 0) if m["d2"] and not m["m1"] and (m["list"] or m["join"]) else ()
    return _Parts(_int(m["d1"]), _month(m["m1"]), _int(m["y1"]), _int(m["d2"]), _month(m["m2"]), _int(m["y2"]), listed=listed), m.start()


def _read_en_month_first(m: re.Match[str], sentence: str) -> tuple[_Parts, int] | None:
    return _Parts(_int(m["d1"]), _month(m["m1"]), None, _int(m["d2"]), _month(m["m2"]), _int(m["y2"])), m.start()


def _read_en_month(m: re.Match[str], sentence: str) -> tuple[_Parts, int] | None:
    before = _EN_MONTH_BEFORE.search(sentence, max(0, m.start() - 24), m.start())
    if before is None:
        return None
    return _Parts(None, _month(m["m"]), _int(m["y"]), None, None, None, DatePrecision.MONTH), before.start()


_READERS = (
    (_VI_DAY, _read_vi_day),
    (_EN_DAY_FIRST, _read_en_day_first),
    (_EN_MONTH_FIRST, _read_en_month_first),
    (_VI_MONTH, _read_vi_month),
    (_EN_MONTH, _read_en_month),
)


def _excluded(sentence: str, at: int, digits_at: int) -> bool:
    """A legal document's date, a deadline or the day a change takes effect, not an event's.

    ``at`` is where the date's text starts ("từ ngày 1/7"), ``digits_at`` where its numbers do.
    """
    before = sentence[max(0, at - _LOOKBACK) : at]
    if _LEGAL.search(before) or _DEADLINE.search(before):
        return True
    effect = _TAKES_EFFECT.search(sentence, max(0, digits_at - _LOOKBACK), digits_at)
    return effect is not None and not _EVENT_VERB.search(effect.group())


# --------------------------------------------------------------------------- resolving


@dataclass(frozen=True, slots=True)
class _YearContext:
    """What a date written without its year is read against."""

    published: dt.date
    year: int | None  # fixed by the article's own words
    guessed: bool  # ``published`` is only when the page was first seen


def _resolve(p: _Parts, context: _YearContext, tense: Tense, sentence: str, span: tuple[int, int]) -> DateMention | None:
    try:
        if p.precision is DatePrecision.MONTH:
            start, end, inferred = _month_range(p, context, tense)
        else:
            start, end, inferred = _day_range(p, context, tense)
    except (ValueError, TypeError, OverflowError):
        return None  # "31/2", a month 13: not a date
    if end < start or (end - start).days > 366:
        return None
    part = p.part or _en_part(sentence, span[0])
    guessed = inferred and context.guessed and context.year is None
    days = _days(p, end)
    return DateMention(start, end, p.precision, inferred, _time_near(sentence, span), part, span, guessed, days)


def _days(p: _Parts, end: dt.date) -> tuple[dt.date, ...]:
    """Every day of a list within one month ("ngày 8, 10 và 12/5", "22nd, 24th and 25th November"), else ()."""
    if not p.listed or (p.m1 is not None and p.m1 != p.m2) or p.d1 is None or p.d2 is None:
        return ()
    try:
        days = tuple(end.replace(day=d) for d in (p.d1, *p.listed[:-1], p.d2))
    except ValueError:
        return ()
    return days if list(days) == sorted(set(days)) else ()


def _day_range(p: _Parts, context: _YearContext, tense: Tense) -> tuple[dt.date, dt.date, bool]:
    m1, m2 = p.m1 or p.m2, p.m2 or p.m1
    d1 = p.d1
    d2 = p.d2 or d1
    y2 = p.y2 or p.y1
    y1 = p.y1 or (None if y2 is None else (y2 - 1 if (m1, d1) > (m2, d2) else y2))
    if y1 is not None:
        return dt.date(y1, m1, d1), dt.date(y2, m2, d2), False
    if context.year is not None:
        start = _safe(lambda y: dt.date(y, m1, d1), context.year)
    else:
        start = _infer_year(lambda y: dt.date(y, m1, d1), context.published, tense)
    year_end = start.year + 1 if (m1, d1) > (m2, d2) else start.year
    return start, dt.date(year_end, m2, d2), True


def _month_range(p: _Parts, context: _YearContext, tense: Tense) -> tuple[dt.date, dt.date, bool]:
    month = p.m1
    if p.y1 is not None:
        start = dt.date(p.y1, month, 1)
    elif context.year is not None:
        start = dt.date(context.year, month, 1)
    else:
        start = _infer_year(lambda y: dt.date(y, month, 1), context.published.replace(day=1), tense)
    return start, start.replace(day=calendar.monthrange(start.year, month)[1]), p.y1 is None


_UNKNOWN_TENSE_FUTURE_DAYS = 60
_ANNOUNCED_RECENTLY_DAYS = 30


def _infer_year(make, published: dt.date, tense: Tense) -> dt.date:
    """The occurrence nearest ``published``: past for a report, next for an announcement.

    With no tense to go by, the past occurrence, unless the next one is both nearer and close
    (a date in the coming weeks is an announcement more often than a report of last year).
    """
    this_year = _safe(make, published.year)
    past = this_year if this_year <= published else _safe(make, published.year - 1)
    future = this_year if this_year > published else _safe(make, published.year + 1)
    if tense is Tense.ANNOUNCEMENT:  # ... but a day of the last weeks is not a year away ("Chiều 12/6, ... sẽ diễn ra ngày 28/6")
        return this_year if (published - this_year).days <= _ANNOUNCED_RECENTLY_DAYS else future
    if tense is Tense.REPORT:
        return past
    ahead, behind = (future - published).days, (published - past).days
    return future if ahead <= _UNKNOWN_TENSE_FUTURE_DAYS and ahead < behind else past


def _safe(make, year: int) -> dt.date:
    """``make(year)``, stepping back to a leap year for 29 February."""
    try:
        return make(year)
    except ValueError:
        return make(year - year % 4)


def _time_near(sentence: str, span: tuple[int, int]) -> dt.time | None:
    """A clock time written right before or after the date ("8h30 ngày 17/8", "17/8, lúc 14:00")."""
    window_start = max(0, span[0] - 25)
    for t in _TIME.finditer(sentence[window_start : span[1] + 25]):
        if window_start + t.start() >= span[0] and window_start + t.end() <= span[1]:
            continue  # inside the date itself
        hour, minute = int(t["h"] or t["h2"]), int(t["min"] or 0)
        ampm = (t["ampm"] or t["ampm2"] or "").lower()
        if ampm.startswith("p") and hour < 12:
            hour += 12
        if t["h"] and not (t["min"] or ampm or "h" in t.group().lower() or "giờ" in t.group()):
            continue
        return dt.time(hour, minute)
    return None


def _en_part(sentence: str, at: int) -> str | None:
    found = _EN_PART.search(sentence[max(0, at - 20) : at])
    return _PARTS[found.group(1).lower()] if found else None
