"""Event detection: which events an article reports or announces.

An event is anchored on a sentence that carries both an event word ("Hội thảo", "lễ ký kết",
"training course") and an event date (see :mod:`feeds.eventdates`). Its other fields are read
from the anchor sentence first, then from the sentences up to the next anchor, then from the
title. Mentions of the same event (same dates, or a date inside an earlier event's range) merge.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field

from feeds import eventfields
from feeds.eventdates import TODAY as _TODAY
from feeds.eventdates import DateMention, Tense, find_dates
from feeds.models import DatePrecision, Event, EventKind, EventStatus
from feeds.places import find_places

log = logging.getLogger(__name__)

_KIND_WORDS: tuple[tuple[EventKind, str], ...] = (
    (EventKind.LAUNCH, r"lễ ra mắt|lễ khởi động|ra mắt|khởi động dự án|launch(?:ing|ed)?(?: event| ceremony)?|kick-?off(?: meeting| workshop| event)?|inception workshop"),
    (EventKind.TRAINING, r"khóa tập huấn|lớp tập huấn|khóa đào tạo|lớp đào tạo|khóa học|tập huấn|training(?: course| workshop| programme| session)?|course"),
    (EventKind.CONFERENCE, r"hội nghị|conference|round ?table|summit|congress|symposium"),
    (EventKind.WORKSHOP, r"hội thảo|tọa đàm|workshop|seminar|webinar|consultation meeting"),
    (EventKind.FORUM, r"diễn đàn|forum"),
    (EventKind.EXHIBITION, r"triển lãm|hội chợ|exhibition|expo|trade fair|fair"),
    (EventKind.SURVEY, r"chuyến khảo sát|đoàn khảo sát|khảo sát thực tế|khảo sát|chuyến thăm|tham quan|thăm quan|study tour|field (?:trip|visit)|site visit|survey mission|visit"),
    (EventKind.CEREMONY, r"buổi lễ|lễ|ceremony|award(?:s)? ceremony"),
    (EventKind.MEETING, r"cuộc họp|phiên họp|buổi họp|họp báo|họp|buổi làm việc|đối thoại|meeting|press conference|dialogue"),
    (EventKind.OTHER, r"hội thi|cuộc thi|competition|contest|festival|lễ hội"),
)
_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class _Phrases:
    """A set of short phrases ("đã tổ chức", "took place") found by whole words, case-insensitively.

    Looking words up in a dict is much cheaper than a large case-insensitive regex alternation.
    """

    def __init__(self, phrases: str) -> None:
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases.split("|"):
            words = tuple(phrase.split())
            self._by_first.setdefault(words[0], []).append(words)

    def search(self, text: str | list[str]) -> bool:
        """Whether ``text`` (or its lower-case words, as :func:`_words` gives them) holds a phrase."""
        words = _words(text) if isinstance(text, str) else text
        for i, word in enumerate(words):
            for phrase in self._by_first.get(word, ()):
                if tuple(words[i : i + len(phrase)]) == phrase:
                    return True
        return False



def _first_words(alternatives: str) -> set[str]:
    """The leading word of each top-level alternative of a pattern ("hội nghị|launch(?:ing)?" → hội, launch)."""
    depth, start, words = 0, 0, set()
    for i, char in enumerate(alternatives + "|"):
        depth += char == "("
        depth -= char == ")"
        if char == "|" and depth == 0:
            words.add(re.match(r"[^\W\d_]+", alternatives[start:i]).group().lower())
            start = i + 1
    return words


_FIRST_WORDS = frozenset(w for _, words in _KIND_WORDS for w in _first_words(words)) | {
    "launching", "launched", "kickoff", "roundtable", "awards"}
_WORD_AT = {word: re.compile(rf"(?<!\w){re.escape(word)}(?!\w)") for word in _FIRST_WORDS}
_DIGIT = re.compile(r"\d")
_MONTH_NAME = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)")
_KIND = re.compile(
    "|".join(rf"(?P<k{i}>(?<![\w-])(?:{words})(?![\w-]))" for i, (_, words) in enumerate(_KIND_WORDS)),
    re.IGNORECASE,
)
# "các hội thảo", "3 Hội thảo nhỏ", "Trung tâm Hội nghị Ariyana", "Báo cáo khảo sát": not an event's own word.
_GENERIC_BEFORE = re.compile(
    r"(?:\b(?:các|những|nhiều|mỗi|từng|several|many|other|previous|ban|trung tâm|cung|nhà|hội trường|khu|phòng"
    r"|báo cáo|kết quả|phiếu|tài liệu|report|results of(?: the)?|\w+s'|khuôn khổ|bên lề|khuôn khổ của"
    r"|framework of(?: the)?|sidelines of(?: the)?|during the)\s+|\d\s+)$",
    re.IGNORECASE,
)
# A dated sentence with one of these verbs but no event word takes its event word from the next sentence.
_EVENT_VERB = _Phrases(
    "tổ chức|diễn ra|khai mạc|bế mạc|tham dự|ký kết|ra mắt|khảo sát|làm việc với|tiến hành|thăm|held|took place"
    "|take place|organised|organized|hosted|opened|attended|visited|signed|launched|convened|gathered"
)
_VI_NAME_STOP = re.compile(
    r"[,.;:!?()]|\s(?=(?:đã|được|sẽ|do|tại|ở|vào|diễn ra|tổ chức|từ ngày|ngày|trong\s+(?:\d|hai|ba|bốn|năm|các|ngày|tháng|thời gian|khuôn khổ|khi|đó)|nhằm|với sự|với|là|có|thu hút"
    r"|vừa|đang|lần này|lần tới|này|nói trên|trên|cùng|cho|để|sáng|chiều|tối|khai mạc|và các|của các|kéo dài|gồm)\b)"
)
_EN_NAME_STOP = re.compile(
    r"[,.;:!?]|\s(?=(?:was|were|is|are|will|has|had|took|takes|organi[sz]ed|held|hosted|at|from|between|with|on\s+\d"
    r"|in\s+(?:[A-ZĐ]\w+\s+)?(?:City|Province)\b|in\s+(?:Hanoi|Ha Noi|Da Nang|Ho Chi Minh|Hue|Can Tho|Hai Phong)"
    r"|to\s+(?:open|be|take)|that|which|where|and\s+(?:the|a)\s|as\s|for\s+\d|gathered|attended|brought)\b)"
)
_QUOTED = re.compile(r"""\s*["“][^"”\n]{1,200}["”]""")
_EN_LEFT = re.compile(r"(?:(?:[A-Z][\w'&-]*|\d{4}|of|and|on|for)\s+){0,8}$")
_MAX_NAME = 160

_ANNOUNCE = _Phrases(
    "sẽ|sắp diễn ra|sắp tới|tới đây|dự kiến|kính mời|trân trọng mời|thông báo|will|to be held|is to|upcoming"
    "|forthcoming|scheduled|to open|to take place|call for|invite|invites|invitation"
)
_REPORT = _Phrases(
    "vừa qua|vừa diễn ra|vừa tổ chức|đã diễn ra|đã được tổ chức|đã tổ chức|đã khai mạc|đã kết thúc|đã có|đã tham dự"
    "|was|were|took place|attended|gathered|held|organised|organized"
)
_ANNOUNCING_TITLE = _Phrases("thông báo|sắp|sẽ|to open|to be held|will|announcement|invitation|call for")


@dataclass(slots=True)
class _Draft:
    """An event being assembled; becomes a frozen :class:`Event`."""

    anchor: int
    name: str
    kind: EventKind
    date: DateMention
    tense: Tense
    evidence: dict[str, str] = field(default_factory=dict)


def detect_events(sentences: list[str], *, title: str, published: dt.datetime) -> list[Event]:
    """The events the sentences report or announce, in order of first mention. Never raises."""
    day = published.date()
    default = Tense.ANNOUNCEMENT if _ANNOUNCING_TITLE.search(title or "") else Tense.UNKNOWN
    drafts: list[_Draft] = []
    known = _Sentences(sentences)
    for index in range(len(sentences)):
        for draft in _anchors(index, known, day, default):
            same = next((d for d in drafts if _same_event(d, draft)), None)
            if same is None:
                drafts.append(draft)
            elif same.date.precision is DatePrecision.MONTH and draft.date.precision is DatePrecision.DAY:
                same.date, same.evidence["date"] = draft.date, draft.evidence["date"]  # the day, at last
    if not drafts and title and sentences:
        return detect_events([title, *sentences], title="", published=published)  # the date is in the title only
    events = []
    for n, draft in enumerate(drafts):
        end = drafts[n + 1].anchor if n + 1 < len(drafts) else len(sentences)
        scope = [draft.anchor, *range(draft.anchor + 1, end), *(range(draft.anchor) if n == 0 else ())]
        events.append(_finish(draft, sentences, scope, title, published=day))
    return events


def _anchors(index: int, known: _Sentences, day: dt.date, default: Tense) -> list[_Draft]:
    sentence = known.text[index]
    if not (_DIGIT.search(sentence) or _MONTH_NAME.search(sentence) or _TODAY.search(sentence)):
        return []  # every date form has a digit, an English month name or says "today"
    own, named_in = known.mentions(index), sentence
    if not own and index + 1 < len(known.text) and known.mentions(index + 1) and _EVENT_VERB.search(known.words(index)):
        own, named_in = known.mentions(index + 1), known.text[index + 1]  # "Ngày 5/12, A ký kết... Buổi lễ do A tổ chức"
    if not own:
        return []
    tense = _tense(known.words(index), default)
    dates = find_dates(sentence, published=day, tense=tense)
    drafts = []
    for date in dates:
        if date.precision is DatePrecision.MONTH and not _EVENT_VERB.search(known.words(index)):
            continue  # "Báo cáo sẽ được gửi trong tháng 12": a month alone needs an event verb
        mention = min(own, key=lambda m: _distance(m, date.span)) if named_in is sentence else own[0]
        name = _name(named_in, mention)
        drafts.append(_Draft(index, name, _kind(mention), date, tense, {"date": sentence, "name": named_in}))
    return drafts[:1] if len({(d.date.start, d.date.end) for d in drafts}) == 1 else drafts


class _Sentences:
    """The sentences with their lower-case words and event words, each worked out once."""

    def __init__(self, sentences: list[str]) -> None:
        self.text = sentences
        self._words: dict[int, list[str]] = {}
        self._mentions: dict[int, list[re.Match[str]]] = {}

    def words(self, index: int) -> list[str]:
        if index not in self._words:
            self._words[index] = _words(self.text[index])
        return self._words[index]

    def mentions(self, index: int) -> list[re.Match[str]]:
        """Event words that name the sentence's own event (not "các hội thảo", "Trung tâm Hội nghị")."""
        if index not in self._mentions:
            sentence = self.text[index]
            starts = _FIRST_WORDS.intersection(self.words(index))
            lower = sentence.lower() if starts else ""
            if len(lower) != len(sentence):  # a letter whose lower case is longer: look at every word
                positions = [w.start() for w in _WORD.finditer(sentence) if w.group().lower() in _FIRST_WORDS]
            else:
                positions = sorted(m.start() for word in starts for m in _WORD_AT[word].finditer(lower))
            self._mentions[index] = _mentions_at(sentence, positions)
        return self._mentions[index]


def _mentions_at(sentence: str, positions: list[int]) -> list[re.Match[str]]:
    found = []
    for start in positions:
        mention = _KIND.match(sentence, start)
        if mention and not _GENERIC_BEFORE.search(sentence, max(0, start - 20), start):
            found.append(mention)
    return found


def _tense(words: list[str], default: Tense) -> Tense:
    if _ANNOUNCE.search(words):
        return Tense.ANNOUNCEMENT
    if _REPORT.search(words):
        return Tense.REPORT
    return default


def _distance(mention: re.Match[str], span: tuple[int, int]) -> int:
    if mention.start() >= span[1]:
        return mention.start() - span[1]
    return span[0] - mention.end() if mention.end() <= span[0] else 0


def _kind(mention: re.Match[str]) -> EventKind:
    for i, (kind, _) in enumerate(_KIND_WORDS):
        if mention.group(f"k{i}") is not None:
            return kind
    return EventKind.OTHER


def _same_event(a: _Draft, b: _Draft) -> bool:
    if (a.date.start, a.date.end) == (b.date.start, b.date.end):
        return True
    if a.kind is not b.kind:
        return False  # a workshop during an exhibition is an event of its own
    inside = a.date.start <= b.date.start <= a.date.end and b.date.end <= a.date.end
    month_of = b.date.precision is DatePrecision.MONTH and b.date.start <= a.date.start <= b.date.end
    return inside or month_of


# --------------------------------------------------------------------------- names


def _name(sentence: str, mention: re.Match[str]) -> str:
    """The event's name as written around its event word."""
    if mention.group().isascii() and not _is_vietnamese(sentence):
        return _en_name(sentence, mention)
    quoted = _QUOTED.match(sentence, mention.end())
    if quoted:
        return sentence[mention.start() : quoted.end()].strip()
    rest = sentence[mention.end() : mention.end() + _MAX_NAME]
    stop = _VI_NAME_STOP.search(rest)
    return (mention.group() + (rest[: stop.start()] if stop else rest)).strip()


def _en_name(sentence: str, mention: re.Match[str]) -> str:
    left = _EN_LEFT.search(sentence[max(0, mention.start() - 120) : mention.start()])
    prefix = left.group() if left else ""
    while prefix and prefix.split()[0] in {"The", "A", "An", "of", "and", "on", "for", "On", "In", "At"}:
        prefix = prefix.split(None, 1)[1] if len(prefix.split()) > 1 else ""
    rest = sentence[mention.end() : mention.end() + _MAX_NAME]
    stop = _EN_NAME_STOP.search(rest)
    return (prefix + mention.group() + (rest[: stop.start()] if stop else rest)).strip()


def _is_vietnamese(text: str) -> bool:
    return any(c in text for c in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


def _generic(name: str) -> bool:
    match = _KIND.fullmatch(name)
    return match is not None or len(name.split()) <= 2


def _better_name(draft: _Draft, candidates: list[str]) -> tuple[str, str] | None:
    for sentence in candidates:
        for mention in _KIND.finditer(sentence):
            if _kind(mention) is draft.kind and not _GENERIC_BEFORE.search(sentence[max(0, mention.start() - 20) : mention.start()]):
                name = _name(sentence, mention)
                if not _generic(name):
                    return name, sentence
    return None


# --------------------------------------------------------------------------- fields


def _finish(draft: _Draft, sentences: list[str], scope: list[int], title: str, *, published: dt.date) -> Event:
    ordered = [sentences[i] for i in scope]
    evidence = dict(draft.evidence)
    name = draft.name
    if _generic(name):
        better = _better_name(draft, [title, *ordered])
        if better:
            name, evidence["name"] = better
    location, location_sentence = _first(eventfields.read_location, [*ordered, title])
    organizers, organizer_sentence = _first(eventfields.read_organizers, ordered)
    participants, participant_sentence = _first(eventfields.read_participants, ordered)
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
        time_of_day=date.time_of_day,
        location=location,
        province=_province(location, published),
        organizers=tuple(organizers or ()),
        participants=participants,
        status=_status(date, draft.tense, published),
        evidence=tuple(evidence.items()),
        day_part=date.day_part if date.time_of_day is None else None,
    )


def _first(reader, sentences: list[str]):
    for sentence in sentences:
        if sentence:
            value = reader(sentence)
            if value:
                return value, sentence
    return None, None


def _province(location: str | None, published: dt.date) -> str | None:
    if not location:
        return None
    places = find_places(location)
    provinces = [p for p in places if not p.place.city]
    chosen = provinces[-1] if provinces else (places[-1] if places else None)
    return chosen.province(published) if chosen else None


def _status(date: DateMention, tense: Tense, published: dt.date) -> EventStatus:
    if date.start > published or (tense is Tense.ANNOUNCEMENT and date.end >= published):
        return EventStatus.UPCOMING
    return EventStatus.PAST
