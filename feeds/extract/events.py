"""Event detection: which events an article reports or announces.

An event is anchored on a sentence that carries both an event word ("Hội thảo", "lễ ký kết",
"training course") and an event date (see :mod:`feeds.eventdates`). Its other fields are read
from the anchor sentence first, then from the sentences up to the next anchor, then from the
title. Mentions of the same event (same dates, or a date inside an earlier event's range) merge.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import logging
import re
from dataclasses import dataclass, field

from feeds.extract import eventfields
from feeds.extract.eventdates import TODAY as _TODAY
from feeds.extract.eventdates import YESTERDAY as _YESTERDAY
from feeds.extract.eventdates import DateMention, Tense, find_dates
from feeds.extract.eventwords import (
    ANNOUNCING_TITLE,
    EVENT_VERB,
    FIRST_WORDS,
    WORD,
    WORD_AT,
    better_name,
    event_name,
    is_generic,
    kind_of,
    mentions_at,
    tense_of,
    words_of,
)
from feeds.extract.eventseries import RESPECTIVELY, place_before, respective_places
from feeds.extract.eventyear import YearClue, year_clues
from feeds.extract.places import find_places, province_of
from feeds.models import DatePrecision, DateSource, Event, EventKind, EventStatus

log = logging.getLogger(__name__)

_DIGIT = re.compile(r"\d")
_MONTH_NAME = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|(?i:tháng))")  # "tháng Mười" has no digit
_TIME_LABEL = re.compile(r"\W{0,3}(?:thời gian|ngày giờ|thời gian tổ chức|time|date|dates|when)\s*:", re.IGNORECASE)
_RECENT = 20  # a new mention is compared with this many latest events (keeps detection linear)
_LOOK_BACK = 6  # sentences a "Thời gian:" line may be below its event's name


@dataclass(slots=True)
class _Draft:
    """An event being assembled; becomes a frozen :class:`Event`."""

    anchor: int
    name: str
    kind: EventKind
    date: DateMention
    tense: Tense
    evidence: dict[str, str] = field(default_factory=dict)
    location: str | None = None  # its own place in a series ("tại TP Cần Thơ (ngày 8/5), tỉnh An Giang (ngày 10/5)")
    named_at: int | None = None  # the sentence above that names the event of a "Thời gian: ..." or date line
    series: bool = False  # one of several events told in one sentence


def detect_events(
    sentences: list[str], *, title: str, published: dt.datetime, published_from: DateSource = DateSource.PAGE, url: str = ""
) -> list[Event]:
    """The events the sentences report or announce, in order of first mention. Never raises.

    ``published_from`` and ``url`` decide where a year-less date's year comes from (:mod:`feeds.eventyear`).
    """
    day = published.date()
    default = Tense.ANNOUNCEMENT if ANNOUNCING_TITLE.search(title or "") else Tense.UNKNOWN
    drafts: list[_Draft] = []
    by_dates: dict[tuple[dt.date, dt.date], _Draft] = {}
    known = _Sentences(sentences, title)
    clues = year_clues(sentences, published=day, published_from=published_from, url=url)
    for index in range(len(sentences)):
        for draft in _anchors(index, known, clues[index], default):
            _add(drafts, by_dates, draft)
    if not drafts and title and sentences:  # the date is in the title only
        events = detect_events([title, *sentences], title="", published=published, published_from=published_from, url=url)
        if events:
            return events
    if not drafts:
        drafts = _lead_event(known, clues, default)
    fields = _Fields(sentences, title)
    return [_finish(draft, fields, scope, published=day) for draft, scope in zip(drafts, _scopes(drafts, len(sentences)))]


def _scopes(drafts: list[_Draft], count: int) -> list[list[int]]:
    """Where each event's fields are read: its anchor, the sentences up to the next anchor, and for the
    first event the sentences above it. Events of one series (anchored in the same sentence) share their
    sentence's scope: "X phối hợp với Y tổ chức chuỗi 3 lớp tập huấn. Các lớp diễn ra tại A (ngày 8/5), B (ngày 10/5)"."""
    anchors = sorted({d.anchor for d in drafts})
    named = {d.anchor: d.named_at for d in drafts if d.named_at is not None}
    by_anchor: dict[int, list[int]] = {}  # one list per sentence: a series reads its fields once (see _Fields.first)
    for i, anchor in enumerate(anchors):
        end = anchors[i + 1] if i + 1 < len(anchors) else count
        heading = [named[anchor]] if anchor in named else []  # the line naming it comes right after a date line
        rest = [j for j in (*range(anchor + 1, end), *(range(anchor) if i == 0 else ())) if j not in heading]
        by_anchor[anchor] = [anchor, *heading, *rest]
    return [by_anchor[d.anchor] for d in drafts]


def _says_today(sentence: str) -> bool:
    """ "Sáng nay", "hôm nay", "today", "this morning", "hôm qua", "yesterday" (plain substring tests first: most
    sentences say none)."""
    if ("nay" in sentence or "oday" in sentence or "his " in sentence) and _TODAY.search(sentence) is not None:
        return True
    return ("qua" in sentence or "esterday" in sentence) and _YESTERDAY.search(sentence) is not None


def _add(drafts: list[_Draft], by_dates: dict[tuple[dt.date, dt.date], _Draft], draft: _Draft) -> None:
    """Append ``draft`` unless it is another mention of a known event (then perhaps sharpen that one's date)."""
    key = (draft.date.start, draft.date.end)
    same = by_dates.get(key) or next((d for d in drafts[-_RECENT:] if _same_event(d, draft)), None)
    opened = None if same else next((d for d in reversed(drafts[-_RECENT:]) if _closes(d, draft)), None)
    if opened is not None:  # "Hội thảo khai mạc sáng 16-9 ... sẽ kết thúc vào ngày mai (18-9)": one event, two days named
        opened.date = dataclasses.replace(opened.date, end=draft.date.end)
        opened.evidence.setdefault("end", draft.evidence["date"])
    elif same is None:
        drafts.append(draft)
        by_dates[key] = draft
    elif same.date.precision is DatePrecision.MONTH and draft.date.precision is DatePrecision.DAY:
        same.date, same.evidence["date"] = draft.date, draft.evidence["date"]  # the day, at last
        by_dates[key] = same
    elif same.date.year_inferred and not draft.date.year_inferred and same.date.precision is draft.date.precision:
        same.date, same.evidence["date"] = draft.date, draft.evidence["date"]  # "Ngày 4/8" first, "ngày 4/8/2022" later
        by_dates[key] = same


def _anchors(index: int, known: _Sentences, clue: YearClue, default: Tense) -> list[_Draft]:
    sentence = known.text[index]
    if not (_DIGIT.search(sentence) or _MONTH_NAME.search(sentence) or _says_today(sentence)):
        return []  # every date form has a digit, a month's name ("June", "tháng Mười") or says "today"
    own, named_in, named_at = known.mentions(index), sentence, None
    if not own and index + 1 < len(known.text) and known.mentions(index + 1) and _names_next(known, index):
        own, named_in = known.mentions(index + 1), known.text[index + 1]  # "Ngày 5/12, A ký kết... Buổi lễ do A tổ chức"
    if not own and (_TIME_LABEL.match(sentence) or _is_date_line(known, index, clue)):
        own, named_in, named_at = known.earlier_mentions(index)  # "Thời gian: 8h00 ngày 15/3" under "VNCPC tổ chức Hội thảo ..."
    if not own:
        return []
    tense = tense_of(known.words(index), default)
    dates = find_dates(sentence, published=clue.reference, tense=tense, year=clue.year, guessed=clue.guessed, exact=clue.exact)
    drafts = []
    starts = [m.start() for m in own]
    for date in dates:
        if date.precision is DatePrecision.MONTH and not EVENT_VERB.search(known.words(index)):
            continue  # "Báo cáo sẽ được gửi trong tháng 12": a month alone needs an event verb
        mention = _nearest(own, starts, date.span) if named_in is sentence else own[0]
        name = event_name(named_in, mention)
        draft = _Draft(index, name, kind_of(mention), date, tense, {"date": sentence, "name": named_in}, named_at=named_at)
        drafts.append(draft)
    if len(drafts) == 1 and len(drafts[0].date.days) > 1 and RESPECTIVELY.search(sentence):
        return _share_out(drafts[0], sentence)
    if len({(d.date.start, d.date.end) for d in drafts}) == 1:
        return drafts[:1]
    for draft in drafts:  # a series: "tại TP Cần Thơ (ngày 8/5), tỉnh An Giang (ngày 10/5) và tỉnh Cà Mau (ngày 12/5)"
        draft.location, draft.series = place_before(sentence, draft.date.span[0]), True
    return drafts


def _share_out(draft: _Draft, sentence: str) -> list[_Draft]:
    """ "organized on 22nd, 24th and 25th November at A, B and C respectively": one event per day and place."""
    days = draft.date.days
    places = respective_places(sentence, len(days)) or [None] * len(days)
    return [
        dataclasses.replace(draft, date=dataclasses.replace(draft.date, start=day, end=day, days=()), location=place,
                            evidence=dict(draft.evidence), series=True)
        for day, place in zip(days, places)
    ]


_DATE_LINE_MAX = 60  # characters: "Thứ Năm, 22nd – 25th May, 2018"
_LEFT_OF_DATE = re.compile(r"[\W_]*(?:(?:thứ\s+\w+|chủ nhật|(?:mon|tues|wednes|thurs|fri|satur|sun)day)[\W_]*)?", re.IGNORECASE)


def _is_date_line(known: _Sentences, index: int, clue: YearClue) -> bool:
    """A line that is only a date, under the heading or title of an event page ("Kick-off Meeting in Hanoi" /
    "22nd – 25th May, 2018"): the event's date when it spans days, or when the line above names the event
    and no clock time makes it look like the page's own publication stamp."""
    sentence = known.text[index]
    if len(sentence) > _DATE_LINE_MAX:
        return False
    dates = find_dates(sentence, published=clue.reference, year=clue.year, guessed=clue.guessed, exact=clue.exact)
    if len(dates) != 1 or sentence[dates[0].span[1] :].strip(" .,;:)–-"):
        return False
    if _LEFT_OF_DATE.fullmatch(sentence, 0, dates[0].span[0]) is None:
        return False
    date = dates[0]
    return date.start != date.end or (index > 0 and bool(known.mentions(index - 1)) and date.time_of_day is None)


# "Sáng 14/3, ..." / "On 5 June, ...": a sentence opening with its date ...
_OPENING_DATE = re.compile(
    r"\W{0,3}(?:(?:sáng|chiều|tối|trưa|ngày|hôm qua|hôm nay|on|thứ\s+\w+)[\s,(]+){0,3}"
    r"\d{1,2}(?:\s*/\s*\d{1,2}|\s+tháng\s|\s+(?-i:[A-Z][a-z]+))",
    re.IGNORECASE,
)
# ... followed by a sentence opening with its event word ("Buổi hội thảo ...", "The workshop ...")
_DEFINITE = re.compile(r"\W{0,3}(?:(?:buổi|cuộc|phiên|the|this|that)\s+)?", re.IGNORECASE)


def _names_next(known: _Sentences, index: int) -> bool:
    """Whether the next sentence names this dated sentence's event: it has an event verb ("Ngày 5/12, A và B
    ký kết ..."), or it opens with its date and the next one with the event word ("Sáng 14/3, gần 100 cán bộ
    đã ngồi lại ... Buổi hội thảo do ...")."""
    if EVENT_VERB.search(known.words(index)):
        return True
    if not _OPENING_DATE.match(known.text[index]):
        return False
    following = known.text[index + 1]
    if known.mentions(index + 1)[0].start() != _DEFINITE.match(following).end():
        return False
    return not find_dates(following, published=dt.date(2000, 1, 1))  # "The conference was held on 3 May 2012": its own date


# the lead's date for an event the body only refers back to: "Ngày 2/8/2013 tại TP.HCM, A và B giới thiệu dự án ...
# Tới dự Hội thảo có ... Hội thảo đã diễn ra ...", "On 23 May, A and B presented ... Attending the workshop were ..."
_LEAD_SENTENCES = 3
_REFERS_BACK = 12
_ATTENDING = re.compile(r"(?:tới dự|đến dự|tham dự|\bdự|attend(?:ed|ing)?|during|at)\s+(?:the\s+|buổi\s+)?$", re.IGNORECASE)
_WENT_ON = re.compile(
    r"\s+(?:đã\s+|đã được\s+)?(?:diễn ra|được tổ chức|kết thúc|thu hút)\b|\s+(?:was held|took place|was attended|attracted|brought together|gathered)\b",
    re.IGNORECASE,
)


def _lead_event(known: _Sentences, clues: list[YearClue], default: Tense) -> list[_Draft]:
    """An article whose lead opens with a date but names no event, and whose body then speaks of "the workshop"
    ("Tới dự Hội thảo", "Hội thảo đã diễn ra", "The workshop was held") without a date of its own: the lead's date
    is that event's."""
    lead = next((i for i in range(min(_LEAD_SENTENCES, len(known.text))) if _OPENING_DATE.match(known.text[i])), None)
    if lead is None:
        return []
    clue = clues[lead]
    dates = find_dates(known.text[lead], published=clue.reference, year=clue.year, guessed=clue.guessed, exact=clue.exact)
    if len(dates) != 1 or dates[0].precision is not DatePrecision.DAY:
        return []
    for index in range(lead + 1, min(len(known.text), lead + 1 + _REFERS_BACK)):
        sentence = known.text[index]
        for mention in known.mentions(index):
            if _ATTENDING.search(sentence, max(0, mention.start() - 12), mention.start()) or (
                _DEFINITE.match(sentence).end() == mention.start() and _WENT_ON.match(sentence, mention.end())
            ):
                if find_dates(sentence, published=clue.reference):
                    return []  # it has a date of its own: not the lead's event
                tense = tense_of(known.words(lead), default)
                evidence = {"date": known.text[lead], "name": sentence}
                return [_Draft(lead, mention.group(), kind_of(mention), dates[0], tense, evidence)]  # a fuller name later
    return []


class _Sentences:
    """The sentences with their lower-case words and event words, each worked out once."""

    def __init__(self, sentences: list[str], title: str = "") -> None:
        self.text = sentences
        self.title = title
        self._words: dict[int, list[str]] = {}
        self._mentions: dict[int, list[re.Match[str]]] = {}

    def words(self, index: int) -> list[str]:
        if index not in self._words:
            self._words[index] = words_of(self.text[index])
        return self._words[index]

    def mentions(self, index: int) -> list[re.Match[str]]:
        """Event words that name the sentence's own event (not "các hội thảo", "Trung tâm Hội nghị")."""
        if index not in self._mentions:
            sentence = self.text[index]
            starts = FIRST_WORDS.intersection(self.words(index))
            lower = sentence.lower() if starts else sentence
            if not starts:
                positions = []
            elif len(lower) != len(sentence):  # a letter whose lower case is longer: look at every word
                positions = [w.start() for w in WORD.finditer(sentence) if w.group().lower() in FIRST_WORDS]
            else:
                positions = sorted(m.start() for word in starts for m in WORD_AT[word].finditer(lower))
            self._mentions[index] = mentions_at(sentence, positions)
        return self._mentions[index]

    def earlier_mentions(self, index: int) -> tuple[list[re.Match[str]], str, int | None]:
        """The nearest event words above ``index`` (a few sentences up, else in the title), with their sentence
        and its index (None for the title)."""
        for earlier in range(index - 1, max(-1, index - 1 - _LOOK_BACK), -1):
            if self.mentions(earlier):
                return self.mentions(earlier), self.text[earlier], earlier
        positions = [m.start() for m in WORD.finditer(self.title) if m.group().lower() in FIRST_WORDS]
        return mentions_at(self.title, positions), self.title, None


def _nearest(mentions: list[re.Match[str]], starts: list[int], span: tuple[int, int]) -> re.Match[str]:
    """The event word nearest a date span (mentions are sorted and disjoint: only two neighbours can win)."""
    i = bisect.bisect_left(starts, span[0])
    return min(mentions[max(0, i - 1) : i + 1] or mentions[-1:], key=lambda m: _distance(m, span))


def _distance(mention: re.Match[str], span: tuple[int, int]) -> int:
    if mention.start() >= span[1]:
        return mention.start() - span[1]
    return span[0] - mention.end() if mention.end() <= span[0] else 0


def _same_event(a: _Draft, b: _Draft) -> bool:
    if (a.date.start, a.date.end) == (b.date.start, b.date.end) or _same_days(a, b):
        return True
    if a.kind is not b.kind:
        return False  # a workshop during an exhibition is an event of its own
    inside = a.date.start <= b.date.start <= a.date.end and b.date.end <= a.date.end
    month_of = b.date.precision is DatePrecision.MONTH and b.date.start <= a.date.start <= b.date.end
    return inside or month_of


# the day an event ends: "sẽ kết thúc vào ngày mai (18-9)", "bế mạc ngày 16/3", "closes on 5 June", "runs until 7 May"
_CLOSING = re.compile(
    r"(?:bế mạc|kết thúc|kéo dài (?:đến|tới)|đến hết|closes?|closed|ends?|ended|concludes?|concluded|wraps? up|wrapped up"
    r"|runs? (?:until|till|through)|lasts? (?:until|till))\b[^.;!?]{0,30}$",
    re.IGNORECASE,
)
_LONGEST_RUN = 31  # days between an event's opening and the closing date that extends it


def _closes(opened: _Draft, closing: _Draft) -> bool:
    """Whether ``closing`` only gives the last day of the same kind of event ``opened``, which began before it."""
    date = closing.date
    if opened.kind is not closing.kind or date.start != date.end or not opened.date.start < date.start:
        return False
    if (date.start - opened.date.start).days > _LONGEST_RUN or opened.date.end >= date.start:
        return False
    sentence = closing.evidence["date"]
    return _CLOSING.search(sentence, max(0, date.span[0] - 45), date.span[0]) is not None


def _same_days(a: _Draft, b: _Draft) -> bool:
    """A date written without its year that repeats the days of an event dated in full: "Trong hai ngày 20 và
    21/6 năm 2018, ... hội thảo ..." then "Hội thảo ... tại Tp.HCM ngày 20/6" (whatever year the page's stamp
    would give it). Same kind of event, or the same first day."""
    if a.date.year_inferred == b.date.year_inferred:
        return False
    full, bare = (b.date, a.date) if a.date.year_inferred else (a.date, b.date)
    if bare.precision is DatePrecision.MONTH:
        return a.kind is b.kind and full.start.month <= bare.start.month <= full.end.month
    first, day = (full.start.month, full.start.day), (bare.start.month, bare.start.day)
    inside = first <= day <= (full.end.month, full.end.day) and (bare.end.month, bare.end.day) <= (full.end.month, full.end.day)
    return inside and (a.kind is b.kind or first == day)


# --------------------------------------------------------------------------- names


# --------------------------------------------------------------------------- fields


def _finish(draft: _Draft, fields: _Fields, scope: list[int], *, published: dt.date) -> Event:
    evidence = dict(draft.evidence)
    name = draft.name
    if is_generic(name):
        better = fields.better_name(draft.kind, scope)
        if better:
            name, evidence["name"] = better
    location, location_sentence = fields.first(eventfields.read_location, scope, or_title=True)
    if draft.location:
        location, location_sentence = draft.location, draft.evidence["date"]
    organizers, organizer_sentence = fields.first(eventfields.read_organizers, scope)
    participants, participant_sentence = fields.first(eventfields.read_participants, scope)
    if draft.series and participant_sentence and _TOTAL.search(participant_sentence):
        participants, participant_sentence = None, None  # "more than 160 participants in total": the series', not this one's
    for key, sentence in (("location", location_sentence), ("organizers", organizer_sentence), ("participants", participant_sentence)):
        if sentence:
            evidence[key] = sentence
    date = draft.date
    return Event(
        name=name,
        kind=draft.kind,
        start=date.start,
        end=date.end,
        precision=date.precision,
        year_inferred=date.year_inferred,
        year_guessed=date.year_guessed,
        time_of_day=date.time_of_day,
        location=location,
        province=_province(location, draft.evidence["date"], published),
        organizers=tuple(organizers or ()),
        participants=participants,
        status=_status(date, draft.tense, published),
        evidence=tuple(evidence.items()),
        day_part=date.day_part if date.time_of_day is None else None,
    )


_TOTAL = re.compile(r"\b(?:in total|total of|altogether|tổng cộng|tổng số|tổng)\b", re.IGNORECASE)


def _province(location: str | None, date_sentence: str, published: dt.date) -> str | None:
    """The venue's province; a venue that names none and is not abroad ("Trung tâm Hội nghị thành phố")
    takes the one province its date sentence names ("Sáng 14/3, ... trên địa bàn thành phố Hải Phòng ...")."""
    if not location:
        return None
    province = province_of(location, on=published)
    if province is not None or any(m.place.foreign for m in find_places(location)):
        return province
    around = find_places(date_sentence)
    named = {m.province(published) for m in around}
    return named.pop() if len(named) == 1 and not any(m.place.foreign for m in around) else None


class _Fields:
    """Each field reader's answer for each sentence, worked out once (events may share sentences)."""

    TITLE = -1  # the index that stands for the title

    def __init__(self, sentences: list[str], title: str) -> None:
        self._sentences = sentences
        self._title = title
        self._read: dict[tuple[object, int], object] = {}
        self._firsts: dict[tuple[object, int, bool], tuple[object, str | None]] = {}
        self._names: dict[tuple[EventKind, int, int], tuple[str, str] | None] = {}

    def text(self, index: int) -> str:
        return self._title if index == self.TITLE else self._sentences[index]

    def first(self, reader, indices: list[int], *, or_title: bool = False) -> tuple[object, str | None]:
        """The first truthy answer of ``reader`` over the sentences at ``indices`` (then the title), with its
        sentence; remembered per ``indices`` list, which the events of a series share."""
        key = (reader, id(indices), or_title)
        if key not in self._firsts:
            self._firsts[key] = self._first(reader, [*indices, self.TITLE] if or_title else indices)
        return self._firsts[key]

    def _first(self, reader, indices: list[int]) -> tuple[object, str | None]:
        for index in indices:
            key = (reader, index)
            if key not in self._read:
                text = self.text(index)
                self._read[key] = reader(text) if text else None
            if self._read[key]:
                return self._read[key], self.text(index)
        return None, None

    def better_name(self, kind: EventKind, scope: list[int]) -> tuple[str, str] | None:
        key = (kind, scope[0], len(scope))
        if key not in self._names:
            self._names[key] = better_name(kind, [self._title, *(self.text(i) for i in scope)])
        return self._names[key]


def _status(date: DateMention, tense: Tense, published: dt.date) -> EventStatus:
    if date.start > published or (tense is Tense.ANNOUNCEMENT and date.end >= published):
        return EventStatus.UPCOMING
    return EventStatus.PAST
