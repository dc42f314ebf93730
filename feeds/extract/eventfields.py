"""Reading one event's venue, organisers and attendance from a sentence (Vietnamese and English).

Each reader takes one normalised sentence and returns what it states, or nothing:
- :func:`read_location`: "tại Khách sạn Mường Thanh, TP Vinh, Nghệ An" / "held in Da Nang";
- :func:`read_organizers`: "do X phối hợp với Y tổ chức", "X chủ trì, phối hợp với Y tổ chức",
  "organised by X and Y", "X and Y co-organised";
- :func:`read_participants`: "Hơn 200 đại biểu" → 200 ("gần 30 báo cáo" is not attendance).
Pure regular expressions. Time stays linear: no pattern nests quantifiers, and a pattern that
begins with optional spaces starts only after a non-space (a run of spaces is never rescanned).
"""

from __future__ import annotations

import re

from feeds.extract.eventwords import KIND
from feeds.extract.places import find_places

# --------------------------------------------------------------------------- organisation names

_ORG_HEAD = re.compile(
    r"(?:Bộ|Sở|Trung tâm|Viện|Tổng cục|Cục|Chi cục|Vụ|Ủy ban|UBND|Hội(?!\s+(?:chợ|nghị|thảo|thi|trường|viên))|Hiệp hội|Liên hiệp|Liên đoàn|Liên minh"
    r"|Công ty|Tập đoàn|Tổng công ty|Trường|Đại học|Học viện|Văn phòng|Ban|Quỹ|Tổ chức|Chương trình|Dự án"
    r"|Đại sứ quán|Phòng|Chính phủ|Thành ủy|Tỉnh ủy|Mạng lưới|Cơ quan|Ngân hàng|Tạp chí|Báo|Đài|Khoa"
    r"|Câu lạc bộ|Nhóm|Hội đồng|Đoàn|Ministry|Department|Centre|Center|Institute|University|Agency"
    r"|Association|Company|Corporation|Embassy|Programme|Program|Bank|Office|Council|Committee|Chamber"
    r"|Federation|Fund|Organi[sz]ation|People's|Government|Network|Union|Foundation|Faculty|Division"
    r"|Authority|Commission|Secretariat|Partnership|Alliance|Group|Society|Club|Directorate|Project)\b"
    r"|[A-ZĐ][A-ZĐ0-9&]+(?:-[A-ZĐ0-9&]+)*\b"
)
# A unit then, after a comma, the body it belongs to: "Viện X, Trường Đại học Y" names one organiser.
_UNIT = re.compile(r"(?:Viện|Khoa|Trung tâm|Phòng|Vụ|Cục|Ban|Institute|Faculty|Department|Centre|Center|School)\b")
_PARENT = re.compile(r"(?:Trường|Đại học|Học viện|Bộ|Viện Hàn lâm|University|Ministry|Academy)\b")
# Always a boundary between two organisers ...
_ORG_JOIN = re.compile(
    r"(?<![\s,])\s*(?:,\s*)?\b(?:phối hợp (?:với|cùng)|kết hợp với|hợp tác với|cùng với|in (?:cooperation|collaboration|partnership|association) with"
    r"|together with|jointly with)\b\s*",
    re.IGNORECASE,
)
# ... and a boundary only when an organisation's name follows ("Bộ Tài nguyên và Môi trường" stays whole).
# ("&" only between spaces: "Sở TN&MT" is one name)
_ORG_SPLIT = re.compile(r"(?<![\s,;])\s*(?:,\s*(?:and|và)\b|,|;|\bvà\b|\bcùng\b|\bvới\b|\band\b|(?<=\s)&(?=\s)|\bwith\b)\s*", re.IGNORECASE)
_THE_NAME = re.compile(r"the\s+[A-Z]")
_PARENS = re.compile(r"(?<!\s)\s*\([^()]{0,80}\)")
_ARTICLE = re.compile(r"^(?:the|The)\s+")


# "Ban Quản lý các khu chế xuất và công nghiệp Thành phố Hồ Chí Minh" has 15 words; a clause has more
_MAX_NAME_WORDS = 18
_PARENT_WORDS = 8  # more for a unit named with its parent: "Ban Môi trường ... thuộc Viện Chiến lược, Chính sách ..."
# "trường Đại học Việt - Đức đã tổ chức": a body's head word in lower case, its name capitalised
_LOWER_HEAD = re.compile(r"(?:trường|bộ|sở|viện|trung tâm|ban|cục|hội|công ty|phòng)\s+[A-ZĐ]")


def split_organizers(text: str) -> list[str]:
    """ "A, B phối hợp với C" → [A, B, C], keeping "Bộ Tài nguyên và Môi trường" whole."""
    names: list[str] = []
    for part in _ORG_JOIN.split(_PARENS.sub("", text)):
        names.extend(_split_weak(part.strip(" ,;:.")))
    return names


def _split_weak(text: str) -> list[str]:
    pieces: list[tuple[str, str]] = []  # (separator before, piece)
    last, before = 0, ""
    for sep in _ORG_SPLIT.finditer(text):
        rest = text[sep.end() :]
        if sep.start() > last and (_ORG_HEAD.match(rest) or _THE_NAME.match(rest)):
            pieces.append((before, text[last : sep.start()]))
            before, last = sep.group().strip(), sep.end()
    pieces.append((before, text[last:]))
    names: list[str] = []
    for sep, piece in pieces:
        name = _ARTICLE.sub("", piece.strip(" ,;:.\"'“”"))
        name = _TRAILING_EN.sub("", _NAME_TAIL_VI.sub("", name)).strip(" ,")  # "VCCI sẽ phối hợp với ...": "VCCI"
        if sep == "," and names and _UNIT.match(names[-1]) and _PARENT.match(name):
            continue  # "Viện X, Trường Đại học Y": Y only says where X belongs
        limit = _MAX_NAME_WORDS + (_PARENT_WORDS if " thuộc " in name else 0)
        if name and len(name.split()) <= limit and (name[0].isupper() or name[0].isdigit() or _LOWER_HEAD.match(name)):
            names.append(name)
    return names


# --------------------------------------------------------------------------- organisers

_VI_DO = re.compile(
    r"\bdo\s+(?P<orgs>(?:[^.;:]|\.(?=\S)){2,200}?)\s{1,5}(?:cùng\s+)?(?:đồng\s+)?(?:tổ chức|chủ trì|phối hợp tổ chức|đăng cai)\b"
)
# passive "được X và Y phối hợp tổ chức / cùng tổ chức" (an organisation's name follows "được")
_VI_PASSIVE_CO = re.compile(
    r"\bđược\s+(?=[A-ZĐ])(?P<orgs>(?:[^.;:]|\.(?=\S)){2,150}?)\s{1,5}(?:phối hợp|cùng|đồng)\s+(?:tổ chức|thực hiện)\b"
)
_VI_BY = re.compile(
    r"\b(?:tổ chức|chủ trì)\s+bởi\s+(?P<orgs>(?:[^.;:]|\.(?=\S)){2,200}?)"
    r"(?=\s{0,5}(?:[.;:]|,(?!\s*(?:" + _ORG_HEAD.pattern + r"))|\s(?:tại|ở|vào|ngày|từ|với|nhằm|trong|để|và có)\s|$))"
)
# "Dưới sự chủ trì của X, ...", "với sự tổ chức của X": the organiser after the role noun
_VI_UNDER = re.compile(
    r"\b(?:dưới|với)\s+sự\s+(?:chủ trì|tổ chức|đăng cai|phối hợp tổ chức)\s+(?:của\s+)?(?P<orgs>(?:[^.;:,]|\.(?=\S)){2,200}?)"
    r"(?=\s{0,5}(?:[.;:,]|\s(?:tại|ở|vào|ngày|từ|nhằm|trong|để|và sự|và có|(?-i:hội nghị|hội thảo|lễ|buổi|diễn đàn|khóa|lớp))\s|$))",
    re.IGNORECASE,
)
# "Đơn vị đăng cai là X", "Đơn vị chủ trì buổi lễ là X", "Cơ quan đồng tổ chức gồm X và Y", "Chủ trì hội nghị là X"
_VI_ROLE_IS = re.compile(
    r"(?:\b(?:đơn vị|cơ quan|ban)\s+|(?:^|(?<=[,;:(]\s)|(?<=[,;:(]))\W{0,3})(?:đồng\s+)?(?:tổ chức|chủ trì|đăng cai)"
    r"(?:\s+\w+){0,3}?\s+(?:là|gồm|bao gồm)\s+"
    r"(?P<orgs>(?:[^.;:]|\.(?=\S)){2,200}?)"
    r"(?=\s{0,5}(?:[.;:]|,\s*(?:[a-zà-ỹđ]|$)|\s(?:tại|ở|vào|ngày|từ|với|nhằm|trong|để)\s|$))",
    re.IGNORECASE,
)
# "X là đơn vị tổ chức / chủ trì / đăng cai": X is the clause subject
_VI_IS_ROLE = re.compile(r"(?<!\s)\s+(?:là|làm)\s+(?:đơn vị|cơ quan)\s+(?:đồng\s+)?(?:tổ chức|chủ trì|đăng cai)\b", re.IGNORECASE)
_ORGANIZER_LABEL = re.compile(
    r"\W{0,3}(?:đơn vị tổ chức|cơ quan tổ chức|ban tổ chức|đơn vị chủ trì|organi[sz]ers?|organi[sz]ed by|hosts?)\s*:\s*"
    r"(?P<orgs>[^\n]{2,300})",
    re.IGNORECASE,
)
# "do X chủ trì, phối hợp với Y tổ chức" / "do X chủ trì, Y (phối hợp) tổ chức / thực hiện": the partners after "chủ trì"
_VI_DO_MORE = re.compile(r"\s*(?:,\s*)?(?:(?:phối hợp|kết hợp) (?:với|cùng)\s+|(?=[A-ZĐ]))(?P<orgs>(?:[^.;:]|\.(?=\S)){2,150}?)\s{1,5}(?:đồng\s+|phối hợp\s+)?(?:tổ chức|thực hiện)\b")
_VI_VERB = re.compile(
    r"(?<!được )(?<!Ban )(?<!ban )(?<!các )(?<!những )(?<!một )\b(?:(?:đồng|cùng|tham gia)\s+)?tổ chức\b"
    r"(?!\s+(?:tư vấn|quốc tế|phi chính phủ|xã hội|trong nước|nước ngoài|và cá nhân|tín dụng|này\b))"
)
_VI_CHAIR = re.compile(r"\b(?:chủ trì|đăng cai)\b")
_EN_ORGANISE = (
    r"(?:(?:jointly|co-?|also)\s*)?(?:organi[sz]ed|hosted|convened|arranged|coordinated|co-?organi[sz]ed|co-?hosted"
    r"|sponsored and organi[sz]ed|delivered|co-?delivered|run)"
)
_EN_BY = re.compile(
    rf"\b{_EN_ORGANISE}(?:\s+(?:online|virtually|jointly))?\s+by\s+"
    r"(?P<orgs>(?:[^.;:]|\.(?=\S)){2,200}?)(?=\s{0,5}(?:[.;:]|,\s*(?:with|as|in|on|at|under|which|who|and with)\b"
    # ", took place in ...": a lower-case word after a comma names no organiser
    r"|,\s*(?!(?:the|and|a|an)\b)[a-z]"
    r"|\s(?:on|at|from|to|as|under|for|within)\s|\sin\s(?!cooperation|collaboration|partnership|association)"
    # "... and attended by 25 members", ", funded by": another participle clause begins
    r"|,?\s+(?:and\s+|while\s+)?(?:(?:was|were|is|are)\s+)?(?:attended|chaired|co-chaired|opened|funded|sponsored|supported|financed|joined|moderated|facilitated"
    r"|brought|gathered|drew|attracted|welcomed)\b"
    r"|$))"
)
# "X held the workshop", "X and Y will co-sponsor an international conference", "X collaborated with Y to organize the course"
_EN_VERB = re.compile(
    rf"\b(?:{_EN_ORGANISE}|held|holds|hold|organi[sz]e|host|co-?sponsor(?:s|ed)?|(?:collaborated|cooperated|partnered|worked)\s+with\s+(?P<partner>.{{2,160}}?)\s+to\s+"
    r"(?:organi[sz]e|hold|host|conduct|deliver|run))\s+(?:a|an|the|this|its|their)\b"
)
# "X tổ chức Hội nghị ... với sự phối hợp của Y", "in cooperation with Y": partners who co-organise
_PARTNERS = re.compile(
    r"\b(?:với sự phối hợp của|có sự phối hợp của|với sự phối hợp với|in (?:cooperation|collaboration|partnership) with)\s+"
    r"(?P<orgs>(?:[^.;:]|\.(?=\S)){2,200}?)(?=\s{0,5}(?:[.;:]|,\s*(?![A-ZĐ])|\s(?:tại|ở|vào|ngày|từ|nhằm|trong|để|to|at|in|on)\s"
    r"|\s(?:đã|sẽ|đồng|cùng|tổ chức|organi[sz]ed|co-?organi[sz]ed|held|hosted|will|has|have|launched)\b|$))",
    re.IGNORECASE,
)
# "Under the framework of the programme ... funded by A and coordinated by B, the workshop ...": the programme's
_FRAMEWORK = re.compile(r"\W{0,3}(?:(?:under|within|in)\s+the\s+framework\s+of|trong khuôn khổ|thuộc khuôn khổ)\b", re.IGNORECASE)
_TRAILING_VI = re.compile(
    r"(?<![\s,])(?:\s*,)?\s*(?:(?:đã|vừa|sẽ|cùng|đồng|đứng ra|tham gia|chính thức|phối hợp|chủ trì|tiếp tục|dự kiến|trân trọng"
    r"|xin|thông báo|kính mời|lần đầu tiên|thường xuyên|hằng năm|hàng năm)\s*(?:,\s*)?)+$",
    re.IGNORECASE,
)
_NAME_TAIL_VI = re.compile(r"(?<=\S)(?:\s+(?:sẽ|đã|đang|cũng|cùng|đồng))+$")  # not "vừa": "nhỏ và vừa"
_TRAILING_EN = re.compile(
    r"(?<=\S)(?:\s+(?:will|would|shall|has|have|had|also|jointly|recently|successfully|then|is|are|was|were|planning|plans"
    r"|going|preparing|set|due|to))+$"
)
_CHAIR_THEN = re.compile(r"(?<!\s)\s+chủ trì\s*(?:,\s*)?(?=phối hợp|kết hợp|cùng)")
_LEADING_ADVERBIAL = re.compile(
    r"^(?:ngày|sáng|chiều|tối|trưa|hôm|từ|trong|vào|tại|ở|nhân|nhằm|để|tiếp theo|tiếp đó|vừa qua|mới đây|tuần|tháng|năm"
    r"|sau đó|trước đó|được|với sự|dưới sự|thực hiện|theo|hưởng ứng|cũng|đồng thời|bên cạnh|ngoài ra|qua đó|như vậy"
    r"|on|in|at|from|during|last|this|next|earlier|recently|between|following|later|with|under|as part|thanks|within"
    r"|also|meanwhile|furthermore|besides|đây|đó|this|it|these|those|yesterday|today|tomorrow)\b",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
_ROLE_NOUN = re.compile(r"(?:đơn vị|cơ quan|bên|phía)(?:\s+(?:đồng|tổ chức|đăng cai))?\s*$", re.IGNORECASE)  # "Đơn vị chủ trì ... là X"
_PLACE_PREFIX = re.compile(
    r"^(?:tp\.?|thành phố|tỉnh|quận|huyện|thị xã|thị trấn|phường|xã|q\.|số|đường|vịnh|làng|khu công nghiệp|kcn|cảng|đảo)\b",
    re.IGNORECASE,
)


def read_organizers(sentence: str) -> list[str]:
    """The organisers a sentence names, in order, or []."""
    labelled = _ORGANIZER_LABEL.match(sentence)
    if labelled:  # "Đơn vị tổ chức: Sở Công Thương, VNCPC"
        return split_organizers(labelled["orgs"])
    names = _organizers(sentence)
    partners = _PARTNERS.search(sentence) if names else None
    if partners:
        names += [n for n in split_organizers(partners["orgs"]) if not any(n in m or m in n for m in names)]
    return [n for n in names if not KIND.match(n)]  # "Hội thảo tổ chức nhằm ...": an event organises nothing


def _organizers(sentence: str) -> list[str]:
    framework = _FRAMEWORK.match(sentence)
    main_clause = _main_clause(sentence) if framework else 0
    for pattern in (_VI_DO, _VI_PASSIVE_CO, _VI_BY, _VI_ROLE_IS, _VI_UNDER, _EN_BY):
        found = pattern.search(sentence, main_clause)
        if found:
            more = _VI_DO_MORE.match(sentence, found.end()) if pattern is _VI_DO else None
            names = split_organizers(found["orgs"]) + (split_organizers(more["orgs"]) if more else [])
            if names:
                return names
    for pattern in (_VI_IS_ROLE, _VI_VERB, _EN_VERB, _VI_CHAIR):
        found = pattern.search(sentence)
        if found:
            names = split_organizers(_subject(sentence[: found.start()]))
            if names and pattern is _EN_VERB and found["partner"]:
                names += split_organizers(found["partner"])
            if names:
                return names
    return []


def _main_clause(sentence: str) -> int:
    """Where the clause naming the event starts after an opening "Under the framework of ...": its event word."""
    found = KIND.search(sentence)
    return found.start() if found else 0


def _subject(prefix: str) -> str:
    """The clause subject before the verb, without leading date/place adverbials."""
    prefix = _TRAILING_EN.sub("", _TRAILING_VI.sub("", _CHAIR_THEN.sub(" ", prefix)).strip())
    segments = prefix.split(",")
    first, in_place = 0, False
    while first < len(segments) - 1:
        head = segments[first].strip()
        is_place = in_place and (_PLACE_PREFIX.match(head) or _place_only(head))
        if not (_LEADING_ADVERBIAL.match(head) or is_place or _DIGIT.search(head) and not _ORG_HEAD.match(head)):
            break
        in_place = head.lower().startswith(("tại", "ở", "in ", "at ")) or bool(is_place)
        first += 1
    subject = ",".join(segments[first:]).strip()
    return "" if _LEADING_ADVERBIAL.match(subject) or _ROLE_NOUN.match(subject) else subject


def _place_only(text: str) -> bool:
    """Whether ``text`` is only a place ("tỉnh Lâm Đồng (trước là tỉnh Bình Thuận)", "Đà Nẵng")."""
    text = _PLACE_PREFIX.sub("", _NOTE.sub("", text).strip()).strip()
    places = find_places(text)
    return bool(places) and len(" ".join(p.text for p in places)) >= len(text) - 4


# --------------------------------------------------------------------------- location

_VI_AT = re.compile(r"(?<![\w-])(?:tại|ở)\s+", re.IGNORECASE)
# "in Hanoi", "at the 12th floor hall, ...", "a trip to Dao Van Tung Household Enterprise"
_EN_AT = re.compile(
    r"(?<![\w-])(?:in|at|[Vv]enue:?|(?:visit|trip|tour)s?\s+to)\s+(?:the\s+)?(?=[A-ZĐ]|\d{1,2}(?:st|nd|rd|th)\s+floor)"
)
# "SECO Head Office in Switzerland", "the Environment university in HCM city", "Văn phòng đại diện tại Hà Nội":
# where a body named just before sits, not where the event is
_SEAT = re.compile(
    r"(?:\b(?:Office|Embassy|Delegation|Mission|Representative|Representation|Branch|Headquarters|Agency|Cooperation"
    r"|Consulate|Division|Ministry|Department|University|university|Institute|Centre|Center|Company|Corporation"
    r"|Organi[sz]ation|Association|Foundation|Programme|Program)(?:\s*\([^()]{1,40}\))?"
    r"|\b(?:văn phòng|đại sứ quán|phái đoàn|chi nhánh|lãnh sự quán|đại diện|thường trú)(?:\s+[^\W\d_]+){0,2}"
    # "Program Manager at the SECO Head Office": where a person works
    r"|\b(?:Manager|Director|Officer|Specialist|Expert|Head|Chairman|Chairwoman|President|Coordinator|Consultant|Adviser"
    r"|Advisor|Lecturer|Researcher|Representative|Chief|Secretary|Ambassador|Counsellor|staff)(?:\s+of\s+\w+)?)\s+$",
    re.IGNORECASE,
)
# where a venue's text ends: a clause mark, or a dot that closes the sentence (not "Tp.HCM", "TP. Huế", "No. 1")
_LOC_END = re.compile(r"[;:\n\"“”]|(?<![Tt][Pp])(?<!\bQ)(?<!\bNo)(?<!\bSố)\.(?!\S)")
_LOC_STOP = re.compile(
    r"(?<!\s)\s+(?:vào|ngày|từ|do|nhằm|với|đã|để|trong|sẽ|được|cho|theo|dưới|khai mạc|diễn ra|tổ chức|có|gồm|thu hút"
    r"|on|from|to|with|by|was|were|will|is|are|has|had|and|for|during|under|which|where|as|organi[sz]ed|attended"
    r"|took|gathered|brought|mid-\w+|early|late"
    r"|January|February|March|April|May|June|July|August|September|October|November|December)\b"
)
_LOC_PART_WORDS = frozenset(
    "tp tp. thành phố tỉnh quận huyện thị xã trấn phường số đường vịnh làng khu công nghiệp kcn cảng đảo và"
    " tầng tòa nhà phòng hội trường lô"
    " city province district street ward and building floor hall room no. no".split()
)
_VENUE = re.compile(
    r"\b(?:khách sạn|trung tâm|hội trường|nhà|trường|đại học|viện|bộ|trụ sở|cung|văn phòng|ubnd|sở|tòa|phòng|resort"
    r"|công viên|quảng trường|sân vận động|bảo tàng|nhà hát|khu|làng|cụm|nhà máy|công ty|xưởng"
    r"|hotel|centre|center|hall|university|building|headquarters|office|convention|palace|room|plaza|park|museum"
    r"|theatre|theater|stadium|square|factory|plant|campus|enterprise|farm|cooperative|hợp tác xã|trang trại)\b",
    re.IGNORECASE,
)
_EVENT_WORD = re.compile(r"^(?:hội nghị|hội thảo|diễn đàn|lễ|buổi|khóa|lớp|cuộc|phiên|các|những|đây|đó|đâu|nhiều|mỗi|từng)\b", re.IGNORECASE)


def read_location(sentence: str) -> str | None:
    """The venue as written ("Khách sạn Rex, Quận 1, Tp.HCM"), or None.

    A place must name a Vietnamese province or city or a venue ("Khách sạn", "Centre"); any
    capitalised place counts right after "held in", "diễn ra tại" ("Bangkok, Thailand").
    """
    labelled = _PLACE_LABEL.match(sentence)
    if labelled:  # "Địa điểm: Hội trường tầng 3, Bộ Công Thương, 54 Hai Bà Trưng, Hà Nội"
        return labelled["loc"].strip(" .;,") or None
    fallback = None
    for pattern in (_VI_AT, _EN_AT):
        for found in pattern.finditer(sentence):
            if _SEAT.search(sentence, max(0, found.start() - 60), found.start()):
                continue
            text = sentence[found.end() : found.end() + 200]
            end = _LOC_END.search(text)
            venue = _trim_venue(text[: end.start()] if end else text)
            first = venue.split(",", 1)[0] if venue else ""
            if venue and (find_places(venue) or _VENUE.search(venue)) and (_is_place(first) or "(" in first):
                return venue
            if venue and fallback is None and venue[0].isupper() and _HELD.search(sentence, max(0, found.start() - 16), found.start()):
                fallback = venue
    dateline = _DATELINE.match(sentence)
    if fallback is None and dateline and find_places(dateline["loc"]):
        fallback = dateline["loc"]  # "Hanoi, 5 June 2019 – ..."
    return fallback


_PLACE_LABEL = re.compile(r"\W{0,3}(?:địa điểm|venue|location|place|where)\s*:\s*(?P<loc>[^\n]{2,200})", re.IGNORECASE)
_DATELINE = re.compile(r"\s*(?P<loc>[A-ZĐ][^\W\d_]*(?:\s+[A-ZĐ][^\W\d_]*){0,3})\s*,\s*\d")
_HELD = re.compile(r"(?:held|took place|take place|takes place|hosted|diễn ra|tổ chức|khai mạc)\s*$", re.IGNORECASE)


def _is_place(text: str) -> bool:
    """A venue's first part must itself be a place: "Tourism, Thua Thien Hue province" is not one."""
    return bool(find_places(text) or _VENUE.search(text) or _PLACE_PREFIX.match(text))


def _trim_venue(text: str) -> str | None:
    segments = _commas_outside_parens(text)
    first = _LOC_STOP.split(segments[0], maxsplit=1)[0].strip()
    if not first or _EVENT_WORD.match(first):
        return None
    floor = first[0].isdigit() and _VENUE.search(first)  # "12th floor hall"
    if not (first[0].isupper() or floor or _VENUE.match(first) or _PLACE_PREFIX.match(first) or find_places(first)):
        return None
    kept = [first]
    for segment in segments[1:]:
        part = _LOC_STOP.split(segment, maxsplit=1)[0].strip()
        words = _NOTE.sub("", part).split()  # "Thành phố Hồ Chí Minh (trước đây thuộc tỉnh Bình Dương)"
        if not words or len(words) > 6 or not _all_place_words(words):
            break
        if part != segment.strip():  # the clause goes on: "..., Sở Công Thương tổ chức" is its subject
            if _place_only(part):
                kept.append(part)
            break
        kept.append(part)
    return ", ".join(kept)


_NOTE = re.compile(r"\([^()]{0,80}\)")


def _commas_outside_parens(text: str) -> list[str]:
    segments, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == "," and depth == 0:
            segments.append(text[start:i])
            start = i + 1
    segments.append(text[start:])
    return segments


def _all_place_words(words: list[str]) -> bool:
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in _LOC_PART_WORDS for w in words)


# --------------------------------------------------------------------------- participants

# Numbers written as words: "Eleven", "twenty-five", "one hundred and fifty", "hơn một trăm",
# "năm mươi", "hai trăm năm mươi", "một nghìn".
_UNITS = {
    "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5, "sáu": 6, "bảy": 7, "tám": 8,
    "chín": 9, "mười": 10, "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_TENS, _HUNDRED, _THOUSAND = {"mươi"}, {"trăm", "hundred"}, {"nghìn", "ngàn", "thousand"}
_FILLERS = {"linh", "lẻ", "and"}
_FIRST = "|".join(w for w in _UNITS if w not in ("mốt", "lăm", "tư", "a")) + r"|a(?=\s+(?:hundred|thousand))"
_NEXT = "|".join([*_UNITS, *_TENS, *_HUNDRED, *_THOUSAND, *_FILLERS])
_NUMBER_PHRASE = rf"(?<![\w-])(?:{_FIRST})(?:(?:\s+|-)(?:{_NEXT})(?!\w)){{0,8}}(?![\w-])"  # bounded: linear
_MIN_IN_WORDS = 10  # "một đại diện", "two experts": a word for a few people is no attendance figure
_COUNT = re.compile(
    r"(?P<n>\d{1,3}(?:[.,]\d{3})+|\d{1,5}|" + _NUMBER_PHRASE + r")(?![\d.,]\d)(?:\s*\+)?\s+"
    r"(?:lượt\s+)?"  # "300 lượt người", "500 lượt đại biểu": attendances counted as visits
    # "Forty-two technical staff", "120 senior officials": one qualifier before an English noun
    r"(?:(?:technical|senior|junior|young|key|local|government|provincial|national|international|foreign|company|factory)\s+)?"
    r"(?P<noun>đại biểu|học viên|khách mời|người(?!\s+(?:dân|lao động|nghèo|bệnh))|đại diện|cán bộ|chuyên gia|giảng viên|sinh viên|nhà khoa học"
    r"|nông dân|thành viên|học sinh|hội viên|khách"
    r"|participants|delegates|attendees|trainees|people|representatives|guests|experts|officials|students|persons"
    r"|farmers|members|visitors|policymakers|policy-makers|policy makers|staff|researchers|engineers|managers|leaders"
    r"|specialists|scientists|lecturers)\b",
    re.IGNORECASE,
)


def number_value(written: str) -> int | None:
    """ "250", "1.000", "twenty-five", "hai trăm năm mươi" → the number; None for nonsense ("mươi hai")."""
    digits = re.sub(r"[.,]", "", written)
    if digits.isdigit():
        return int(digits)
    total = chunk = last = 0
    for word in re.split(r"[\s-]+", written.lower()):
        if word in _UNITS:
            chunk, last = chunk + last, _UNITS[word]
        elif word in _TENS:
            last *= 10
        elif word in _HUNDRED:
            chunk, last = (chunk + last) * 100, 0
        elif word in _THOUSAND:
            total, chunk, last = total + (chunk + last) * 1000, 0, 0
    return total + chunk + last or None


_STRONG = frozenset(("đại biểu", "học viên", "khách mời", "participants", "delegates", "attendees", "trainees"))
_ATTEND = re.compile(
    r"tham dự|tham gia|có mặt|(?<!tập )(?<!liên )\bđoàn\b[^.;:]{0,40}?\b(?:gồm|có)\b|\bđoàn\s+(?=\d)|đến thăm"
    r"|\bdelegation\b[^.;:]{0,40}?\b(?:of|consist|compris|includ|made up)|\bdự\s+(?:hội|lễ|buổi|khóa|lớp|diễn|cuộc|phiên|triển)|thu hút|quy tụ|attend|participat|joined|gathered|took part|attracted|welcomed|brought together"
    r"|completed|visited|trained\b",
    re.IGNORECASE,
)
# what comes right before a figure that is no attendance: a beneficiary, a population, a capacity
# ("limited to 30 participants", "số lượng có hạn: 30 người", "tối đa 50 học viên", "không quá 40 người")
_NOT_ATTENDING = re.compile(
    r"(?:hỗ trợ|giúp|việc làm|lao động|dân số|tối đa(?: là)?|up to|maximum of|capacity of|jobs for|limited to|limit of"
    r"|no more than|at most|có hạn\s*:?|giới hạn(?: ở| là)?|không quá|chỉ nhận|tiếp nhận|nhận tối đa)(?:\s+cho)?\s+$",
    re.IGNORECASE,
)


def read_participants(sentence: str) -> int | None:
    """The largest attendance figure a sentence states, or None."""
    best: int | None = None
    attending: bool | None = None  # looked up only when a weak noun ("người", "cán bộ") needs it
    for found in _COUNT.finditer(sentence):
        if found.start() and sentence[found.start() - 1] in "0123456789.,/":
            continue  # part of a bigger number or a date
        if found["noun"].lower() not in _STRONG:
            if attending is None:
                attending = _ATTEND.search(sentence) is not None
            if not attending:
                continue
        if _NOT_ATTENDING.search(sentence[max(0, found.start() - 20) : found.start()]):
            continue
        value = number_value(found["n"])
        if value is not None and (value >= _MIN_IN_WORDS or found["n"][0].isdigit()):
            best = value if best is None else max(best, value)
    return best
