"""Event words: which words name an event and its kind, how its name reads, and tense phrases.

Used by :mod:`feeds.events`. Event words ("hội thảo", "lễ ký kết", "training course") are found
only where one of their first words stands, so the big pattern never scans a whole sentence;
phrases ("đã tổ chức", "will be held") are looked up word by word.
"""

from __future__ import annotations

import re

from feeds.extract.eventdates import Tense
from feeds.extract.eventseries import RESPECTIVELY
from feeds.models import EventKind

# "The Steering Committee met on 11 June", "the Board convened in Hanoi": a body meeting, told by its verb
# (not "targets were met in", "convened by X")
MEETING_VERBS = ("met", "meet", "meets", "convened", "reconvened")
_MET = "|".join(
    rf"{verb}(?=\s+(?:on|in|at|with|again|online|virtually|last|this|yesterday|today|for the)\b)" for verb in MEETING_VERBS
)
_PASSIVE = re.compile(r"\b(?:was|were|been|be|being|are|is)\s+$", re.IGNORECASE)
_KIND_WORDS: tuple[tuple[EventKind, str], ...] = (
    (EventKind.LAUNCH, r"lễ ra mắt|lễ khởi động|ra mắt|khởi động dự án|launch(?:ing|ed)?(?: event| ceremony)?|kick-?off(?: meeting| workshop| event)?|inception workshop"),
    (EventKind.TRAINING, r"khóa tập huấn|lớp tập huấn|khóa đào tạo|lớp đào tạo|khóa học|tập huấn|lớp bồi dưỡng|khóa bồi dưỡng"
                         r"|training(?: course| workshop| programme| session)?|course"),
    (EventKind.CONFERENCE, r"hội nghị|conference|round ?table|summit|congress|symposium"),
    (EventKind.WORKSHOP, r"hội thảo|tọa đàm|workshop|seminar|webinar|consultation meeting"),
    (EventKind.FORUM, r"diễn đàn|forum"),
    (EventKind.EXHIBITION, r"triển lãm|hội chợ|exhibition|expo|trade fair|fair"),
    (EventKind.SURVEY, r"chuyến khảo sát|đoàn khảo sát|khảo sát thực tế|khảo sát|chuyến thăm|tham quan|thăm quan|study tour|field (?:trip|visit)|site visit|survey mission|visit(?:ed|s)?"
                       # "đã đón đoàn ... đến thăm và làm việc", "35 delegates visited two suppliers": a visit told by its verb
                       r"|đón đoàn|đến thăm(?: và làm việc)?|chuyến công tác|chuyến làm việc|đoàn công tác"),
    (EventKind.CEREMONY, r"buổi lễ|lễ|ceremony|award(?:s)? ceremony"),
    (EventKind.MEETING, r"cuộc họp|phiên họp|buổi họp|họp báo|họp|buổi làm việc|đối thoại|meeting|press conference|dialogue"
                        # "buổi báo cáo tổng kết", "buổi giao lưu": "buổi" (a session) names an event by what is done there
                        r"|buổi (?:báo cáo|tổng kết|gặp mặt|gặp gỡ|giao lưu|giới thiệu|chia sẻ|trao đổi|thảo luận|nói chuyện|sinh hoạt)"
                        rf"|{_MET}"),
    (EventKind.OTHER, r"hội thi|cuộc thi|competition|contest|festival|lễ hội|sự kiện|event|tuần lễ"),
)
WORD = re.compile(r"\w+")


def words_of(text: str) -> list[str]:
    """The lower-case words of ``text``."""
    return WORD.findall(text.lower())


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
        """Whether ``text`` (or its lower-case words, as :func:`words_of` gives them) holds a phrase."""
        words = words_of(text) if isinstance(text, str) else text
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


_FIRST = frozenset(w for _, words in _KIND_WORDS for w in _first_words(words)) | {
    "launching", "launched", "kickoff", "roundtable", "awards", "visited", "visits", *MEETING_VERBS}
# "Workshops on industrial symbiosis were organized on 22nd, 24th and 25th November ... respectively": a plural
FIRST_WORDS = _FIRST | {f"{w}s" for w in _FIRST if w.isascii() and not w.endswith("s")}
WORD_AT = {word: re.compile(rf"(?<!\w){re.escape(word)}(?!\w)") for word in FIRST_WORDS}
KIND = re.compile(
    "|".join(rf"(?P<k{i}>(?<![\w-])(?:{words})(?:(?<=[a-z])s)?(?![\w-]))" for i, (_, words) in enumerate(_KIND_WORDS)),
    re.IGNORECASE,
)
# "các hội thảo", "3 Hội thảo nhỏ", "Trung tâm Hội nghị Ariyana", "Báo cáo khảo sát": not an event's own word.
_GENERIC_BEFORE = re.compile(
    r"(?:\b(?:các|những|nhiều|mỗi|từng|several|many|other|previous|ban|trung tâm|cung|nhà|hội trường|khu|phòng|tuần"
    r"|báo cáo|kết quả|phiếu|tài liệu|report|results of(?: the)?|\w+s'|khuôn khổ|bên lề|khuôn khổ của"
    r"|framework of(?: the)?|sidelines of(?: the)?|during the"
    # "Trung tâm Hội nghị triển lãm Bình Dương", "Cung Triển lãm và Hội chợ": a venue's name
    r"|(?:trung tâm|cung|nhà|khu)\s+(?:hội nghị|triển lãm|hội chợ)(?:\s+và)?)\s+|\d\s+)$",
    re.IGNORECASE,
)
_VENUE_AFTER = re.compile(r"\s+(?:Centre|Center|Hall|Palace|Hotel|Park|Building|Room|Complex|Venue)\b")
# A dated sentence with one of these verbs but no event word takes its event word from the next sentence.
EVENT_VERB = _Phrases(
    "tổ chức|diễn ra|khai mạc|bế mạc|tham dự|ký kết|ra mắt|khảo sát|làm việc với|tiến hành|thăm|đón|held|took place"
    "|take place|organised|organized|hosted|opened|attended|visited|signed|launched|convened|gathered|met"
    "|scheduled|planned|slated|dự kiến diễn ra|dự kiến tổ chức|organize|organise|to hold|will hold|to host|will host"
)
_VI_NAME_STOP = re.compile(
    r"[,.;:!?()]|\s(?=(?:đã|được|sẽ|dự kiến|do|tại|ở|vào|diễn ra|tổ chức|từ ngày|ngày|trong\s+(?:\d|hai|ba|bốn|năm|các|ngày|tháng|thời gian|khuôn khổ|khi|đó)|nhằm|với sự|với|là|có|thu hút"
    r"|vừa|đang|lần này|lần tới|này|nói trên|trên|cùng|cho|để|sáng|chiều|tối|khai mạc|và các|của các|kéo dài|gồm|về phía)\b)"
)
_EN_NAME_STOP = re.compile(
    r"[,.;:!?]|\s(?=(?:was|were|is|are|will|has|had|took|takes|organi[sz]ed|held|hosted|at|from|between"
    r"|with(?!\s+the\s+(?:theme|topic|title))"
    r"|on\s+(?:the\s+)?(?:\d+|(?:January|February|March|April|May|June|July|August|September|October|November|December))"
    r"|in\s+(?:[A-ZĐ]\w+\s+)?(?:City|Province)\b|in\s+(?:Hanoi|Ha Noi|Da Nang|Ho Chi Minh|Hue|Can Tho|Hai Phong)"
    r"|to\s+(?:open|be|take)|that|which|where|and\s+(?:the|a)\s|as\s|for\s+\d|gathered|attended|brought"
    r"|opened|opens|closed|closes|began|begins|ended|ends|kicked|starts|started)\b)"
)
_OPEN_QUOTE = re.compile(r"[\"“]")
_CLOSE_QUOTE = re.compile(r"[\"”]")
_EN_LEFT = re.compile(r"(?:(?:[A-Z][\w'&-]*|\d{4}|of|and|on|for)\s+){0,8}$")
_EN_DESCRIBED = re.compile(
    r"\b(?:a|an|the|its|their)\s+(?P<words>(?:(?!(?:of|the|a|an|and|or|for|to|in|on|at|with|by)\s)[a-z][\w-]*\s+){1,3})$"
)
_MAX_NAME = 160

_ANNOUNCE = _Phrases(
    "sẽ|sắp diễn ra|sắp tới|tới đây|dự kiến|kính mời|trân trọng mời|thông báo|will|to be held|is to|upcoming"
    "|forthcoming|scheduled|is planned|are planned|planned for|slated|to open|to take place|call for|invite|invites|invitation"
    "|is planning|are planning|plans to|plan to|sắp tổ chức|dự định"
)
_REPORT = _Phrases(
    "vừa qua|vừa diễn ra|vừa tổ chức|đã diễn ra|đã được tổ chức|đã tổ chức|đã khai mạc|đã kết thúc|đã có|đã tham dự"
    "|was|were|took place|attended|gathered|held|organised|organized"
)
ANNOUNCING_TITLE = _Phrases("thông báo|sắp|sẽ|to open|to be held|will|announcement|invitation|call for")


def mentions_at(sentence: str, positions: list[int]) -> list[re.Match[str]]:
    """The event words starting at ``positions`` that name the sentence's own event."""
    found: list[re.Match[str]] = []
    series: bool | None = None
    for start in positions:
        if found and (start < found[-1].end() or not sentence[found[-1].end() : start].strip()):
            continue  # "meeting" inside "kick-off meeting"; "khởi động" of "Hội thảo khởi động dự án" qualifies its event word
        mention = KIND.match(sentence, start)
        if mention and _VENUE_AFTER.match(sentence, mention.end()):
            continue  # "Exhibition Centre", "Conference Hall": a place, not the event
        if mention and mention.group().lower() in MEETING_VERBS and _PASSIVE.search(sentence, max(0, start - 7), start):
            continue  # "targets were met in May": no meeting
        generic = _GENERIC_BEFORE.search(sentence, max(0, start - 32), start) if mention else None
        if generic is not None and generic.group().strip().lower() in ("các", "những"):
            if series is None:  # looked up once per sentence (keeps many "các hội thảo" linear)
                series = RESPECTIVELY.search(sentence) is not None  # "Các hội thảo sẽ lần lượt diễn ra tại A (ngày 4/3), ..."
            generic = None if series else generic
        if mention and generic is None:
            found.append(mention)
    return found



def tense_of(words: list[str], default: Tense) -> Tense:
    """Announcement ("sẽ diễn ra", "will be held"), report ("đã tổ chức", "took place") or ``default``."""
    if _ANNOUNCE.search(words):
        return Tense.ANNOUNCEMENT
    if _REPORT.search(words):
        return Tense.REPORT
    return default


def kind_of(mention: re.Match[str]) -> EventKind:
    """The kind an event word (a match of :data:`KIND`) names."""
    for i, (kind, _) in enumerate(_KIND_WORDS):
        if mention.group(f"k{i}") is not None:
            return kind
    return EventKind.OTHER


def event_name(sentence: str, mention: re.Match[str]) -> str:
    """The event's name as written around its event word."""
    if mention.group().lower() in MEETING_VERBS:  # "The Project Steering Committee met on ..."
        left = _EN_LEFT.search(sentence, max(0, mention.start() - 120), mention.start())
        body = _strip_articles(left.group() if left else "")
        return f"{body}meeting" if body else "meeting"
    if mention.group().isascii() and not _is_vietnamese(sentence):
        return _en_name(sentence, mention)
    rest = sentence[mention.end() : mention.end() + _MAX_NAME]
    return (mention.group() + rest[: _name_end(rest, _VI_NAME_STOP)]).strip()


def _name_end(rest: str, stops: re.Pattern[str]) -> int:
    """Where a name ends in ``rest``: at the first stop outside quotes ("Hội thảo "A: B" tại ...")."""
    at = 0
    while True:
        stop = stops.search(rest, at)
        quote = _OPEN_QUOTE.search(rest, at, stop.start() if stop else len(rest))
        if quote is None:
            return stop.start() if stop else len(rest)
        closing = _CLOSE_QUOTE.search(rest, quote.end())
        if closing is None:
            return stop.start() if stop else len(rest)
        at = closing.end()


def _en_name(sentence: str, mention: re.Match[str]) -> str:
    left = _EN_LEFT.search(sentence[max(0, mention.start() - 120) : mention.start()])
    prefix = _strip_articles(left.group() if left else "")
    if not prefix:  # "organize a closing event", "held the capacity building workshop": the words after the article
        described = _EN_DESCRIBED.search(sentence, max(0, mention.start() - 40), mention.start())
        prefix = described["words"] if described else ""
    rest = sentence[mention.end() : mention.end() + _MAX_NAME]
    return (prefix + mention.group() + rest[: _name_end(rest, _EN_NAME_STOP)]).strip()


def _strip_articles(prefix: str) -> str:
    """ "The Project Steering Committee " → "Project Steering Committee "."""
    while prefix and prefix.split()[0] in {"The", "A", "An", "of", "and", "on", "for", "On", "In", "At"}:
        prefix = prefix.split(None, 1)[1] if len(prefix.split()) > 1 else ""
    return prefix


def _is_vietnamese(text: str) -> bool:
    return any(c in text for c in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


def is_generic(name: str) -> bool:
    """ "Hội thảo", "the workshop": a name that is only its event word."""
    match = KIND.fullmatch(name)
    return match is not None or len(name.split()) <= 2


def better_name(kind: EventKind, candidates: list[str]) -> tuple[str, str] | None:
    """A fuller name for an event of ``kind`` ("Hội thảo" → "Hội thảo \"Kinh tế tuần hoàn\""), with its sentence."""
    for sentence in candidates:
        for mention in KIND.finditer(sentence):
            if kind_of(mention) is kind and mentions_at(sentence, [mention.start()]):
                name = event_name(sentence, mention)
                if not is_generic(name):
                    return name, sentence
    return None
