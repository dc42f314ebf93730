"""Recommendation lists: the numbered or bulleted items that follow "kiến nghị", "đề xuất",
"recommended", "proposed" and the like.

Lists arrive as lines keeping their markers ("1.", "1)", "1/", "(1)", "1.1", "a)", "(i)", "•", "-", "–",
"Một là, ...", "Thứ nhất, ...", "First, ..."), possibly indented; "Một là, ... Hai là, ..." and "(1) ...;
(2) ..." may also run inline in one paragraph. The first item's marker decides the top level;
items with another marker (or deeper indentation) are sub-items of the top-level item above
them. A list counts only when the sentence introducing it is a recommendation: a programme
agenda, a participant list or a chapter outline is not returned. Linear in the text's length.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from feeds.models import Recommendation
from feeds.text import split_sentences

log = logging.getLogger(__name__)

_ORDINAL_WORDS = r"(?:Một|Hai|Ba|Bốn|Năm|Sáu|Bảy|Tám|Chín|Mười)\s+là|Thứ\s+(?:nhất|hai|ba|tư|năm|sáu|bảy|tám|chín|mười)"
# "First, ...", "Secondly, ..." opening a paragraph (only with the comma: "First results show" is no item)
_EN_ORDINAL_WORDS = r"(?:First|Second|Third|Fourth|Fifth|Sixth|Seventh|Eighth)(?:ly)?(?=\s*[,:])"
_ITEM = re.compile(
    r"^(?P<indent>[ \t\u00a0]*)(?P<label>"
    r"(?P<subnum>\d{1,2}\.\d{1,2})\.?(?![\d.])|(?P<num>\d{1,2})[.)/](?!\d)|\((?P<pnum>\d{1,2})\)"
    r"|\((?P<proman>i{1,3}|iv|vi{0,3}|ix|x)\)|(?P<alpha>[a-zđ])[.)/]|\((?P<palpha>[a-zđ])\)"
    r"|(?P<roman>[IVX]{1,4})[.)]|(?P<bullet>[•·●▪◦○■□➢➤►✓✔*+\-–—])"
    rf"|(?P<word>{_ORDINAL_WORDS}|{_EN_ORDINAL_WORDS})(?:\s*[,:.])?)\s*(?P<text>\S.*)$"
)
# an inline label: starts the line or follows ".", ";" or ":" (checked in _inline_labels)
_INLINE = re.compile(rf"(?P<label>{_ORDINAL_WORDS}|\(\d{{1,2}}\)|\d{{1,2}}\))(?:\s*[,:])?\s+")
# A recommending verb introduces recommendations however the sentence ends ...
_STRONG_TRIGGER = re.compile(
    r"kiến nghị|khuyến nghị|đề xuất|recommend|propos|call(?:s|ed)? (?:on|for|upon)|suggest|\burg(?:e|es|ed)\b",
    re.IGNORECASE,
)
# ... these words, or "cần"/"should", only in a sentence ending with ":" or in a heading.
_WEAK_TRIGGER = re.compile(
    # "nên" (should: "Nghị định nên được soạn thảo theo hướng bảo đảm các yêu cầu sau:"); "ý kiến ... như sau:" opens
    # the points of a comment letter
    r"đề nghị|giải pháp|góp ý|khuyến cáo|priority actions|actions? needed|\bcần\b|\bphải\b|\bnên\b|\bshould\b"
    r"|\bý kiến\b[^.;:]*\b(?:như sau|sau đây|dưới đây)|\bcomments?\b[^.;:]*\bfollow"
    r"|\bneed(?:s|ed)? to\b|\bmust\b",
    re.IGNORECASE,
)
# A weak trigger does not recommend when the list tells what was already done ("Công ty đã áp dụng các
# giải pháp sau:", "the plant has implemented the following measures:") ...
_DONE = re.compile(
    r"\b(?:đã|đã được|từng)\s+(?:\w+\s+){0,2}?(?:áp dụng|triển khai|thực hiện|tiến hành|đầu tư|lắp đặt|làm|thay thế|cải tạo)\b"
    r"|\b(?:has|have|had)\s+(?:already\s+)?(?:implemented|applied|adopted|introduced|installed|taken|carried out|put in place)\b"
    r"|\b(?:implemented|applied|adopted|introduced|installed|took|carried out)\s+(?:the\s+)?following\b",
    re.IGNORECASE,
)
# ... or what an applicant, supplier or participant must do or send ("Applicants need to:",
# "Nhà cung cấp tham gia chào giá cần:", "Điều kiện tham gia:", "Requirements:"): steps and conditions
# ("Hồ sơ gồm:" is paperwork, see _PAPERWORK).
_REQUIREMENT = re.compile(
    r"\b(?:applicants?|candidates?|bidders?|suppliers?|vendors?|tenderers?|registrants?|participants?|trainees?"
    r"|interested (?:organi[sz]ations|companies|parties)|interested in|eligib\w*|requirements?|criteria|documents?)\b"
    r"|nhà cung cấp|nhà thầu|ứng viên|thí sinh|người đăng ký|người tham gia|học viên|đơn vị tham gia|doanh nghiệp tham gia"
    r"|đơn vị dự thầu|chào giá|báo giá|điều kiện|tiêu chí|yêu cầu đối với|thủ tục",
    re.IGNORECASE,
)
# "Dự án cần đạt được các mục tiêu sau:", "the following objectives": what is aimed at or found, not advice
_NOT_ADVICE = re.compile(
    r"\b(?:các|những)\s+(?:mục tiêu|chỉ tiêu|kết quả|hoạt động|nội dung chính)\s+(?:sau|như sau|dưới đây|chính|cụ thể)"
    r"|\bfollowing\s+(?:objectives|targets|goals|aims|results|achievements|activities|topics)\b",
    re.IGNORECASE,
)
# "Chương 2. Các giải pháp": an outline's heading, not an introduction.
_OUTLINE_HEADING = re.compile(r"^(?:chương|phần|mục|chapter|part|section|module)\s+(?:\d+|[ivxlc]+)\b", re.IGNORECASE)
_HEADING_WORDS = 12  # syllables: "Giải pháp phát triển bền vững ngành thủy sản về môi trường"
# a heading's own number: "3.2.3. Giải pháp ...", "II. Kiến nghị", "2) Đề xuất"
_SECTION_NUMBER = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}|[IVX]{1,4})[.)]\s+")
# "đề nghị các đơn vị đăng ký gửi kèm:" asks for documents; it recommends nothing.
_PAPERWORK = re.compile(
    r"đăng ký|gửi kèm|hồ sơ|kèm theo|liên hệ|register|registration|submit|attach|application form|contact",
    re.IGNORECASE,
)


@dataclass(slots=True)
class _Item:
    label: str
    kind: str  # "1.", "1)", "(1)", "a)", "I.", "•", "word"...
    indent: int
    text: str
    sub_items: list[str] = field(default_factory=list)
    # a numbered heading's body: (the paragraph introducing some of its sub-items, those sub-items)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)


def find_recommendations(text: str, title: str = "") -> list[Recommendation]:
    """The top-level items of every recommendation list in ``text``, in order. Never raises.

    A list that opens the text is introduced by the ``title`` ("Giải pháp phát triển bền vững" over
    "Một là, ... Hai là, ...").
    """
    found: list[Recommendation] = []
    for intro, items in _lists(text, title):
        if _is_recommendation_intro(intro) or _advises_itself(items):
            for item in items:
                found.append(Recommendation(len(found) + 1, item.text, _sub_items(item), item.label))
            continue
        for item in items:  # headings that recommend nothing may still hold a list that does ("Hội nghị kiến nghị:")
            for section_intro, texts in item.sections:
                if texts and _is_recommendation_intro(section_intro):
                    found.extend(Recommendation(len(found) + n, t, (), "") for n, t in enumerate(texts, start=1))
    return found


# "Thứ nhất, cần hoàn thiện ...; Thứ hai, cần có ...": ordinal words whose items themselves advise
_MODAL = re.compile(r"\b(?:cần|phải|nên|đề nghị|kiến nghị|should|must|needs? to|ought to)\b", re.IGNORECASE)


def _advises_itself(items: list[_Item]) -> bool:
    """An ordinal-word list ("Thứ nhất, ...", "First, ...") most of whose items say what should be done."""
    if len(items) < 2 or items[0].kind != "word":
        return False
    return 2 * sum(1 for item in items if _MODAL.search(item.text)) > len(items)


def _sub_items(item: _Item) -> tuple[str, ...]:
    """Its sub-items; a heading ending with ":" ("1. Đối với Chính phủ:") without any has the paragraph below it."""
    if item.sub_items or not item.text.endswith(":") or not item.sections:
        return tuple(item.sub_items)
    return (item.sections[0][0],)


def _is_recommendation_intro(intro: str) -> bool:
    sentences = split_sentences(intro) if intro else []
    last = sentences[-1].strip() if sentences else ""
    if not last or _PAPERWORK.search(last) or _OUTLINE_HEADING.match(last) or _OUTLINE_HEADING.match(intro.strip()):
        return False
    if _STRONG_TRIGGER.search(last):
        return True
    last = _SECTION_NUMBER.sub("", last)
    heading = len(last.split()) <= _HEADING_WORDS and not last.endswith((".", "!", "?", ";", ","))
    if not (last.endswith(":") or heading) or _WEAK_TRIGGER.search(last) is None:
        return False
    return not (_DONE.search(last) or _REQUIREMENT.search(last) or _NOT_ADVICE.search(last))


def _lists(text: str, title: str = "") -> list[tuple[str, list[_Item]]]:
    """(introducing text, top-level items) for every list in ``text``."""
    lists: list[tuple[str, list[_Item]]] = []
    intro, items, blank = title.strip(), [], False
    for line in _expand_inline(text.split("\n")):
        if not line.strip():
            blank = True
            continue
        item = _parse_item(line)
        if item is not None and _continues(items, item):
            _add(items, item)
        elif item is not None:
            if items:
                lists.append((intro, items))
            intro = items[-1].sections[-1][0] if items and items[-1].sections else intro
            items = [item]  # numbering restarted: a new list in the same context
        elif items and not blank and line.strip()[:1].islower():
            _append_text(items, line.strip())
        elif items and _is_heading(items[0], items[-1]) and not _STRONG_TRIGGER.search(line):  # a new call opens its own list
            items[-1].sections.append((line.strip(), []))  # "1. Định hướng ..." / its paragraph / its "–" points
        else:
            if items:
                lists.append((intro, items))
            intro, items = line.strip(), []
        blank = False
    if items:
        lists.append((intro, items))
    return lists


def _parse_item(line: str) -> _Item | None:
    found = _ITEM.match(line)
    if found is None:
        return None
    label = re.sub(r"\s+(?=[,:.])", "", found["label"].strip())  # "Hai là ," as "Hai là,"
    return _Item(label, _marker_kind(found), len(found["indent"].expandtabs(4)), found["text"].strip())


def _marker_kind(found: re.Match[str]) -> str:
    """The marker's shape: "1." and "2." share it, "1." and "1)" do not."""
    label = found["label"].strip()
    shapes = (("subnum", "1.1"), ("num", "1" + label[-1]), ("pnum", "(1)"), ("proman", "(i)"), ("alpha", "a" + label[-1]),
              ("palpha", "(a)"), ("roman", "I" + label[-1]), ("word", "word"))
    return next((shape for group, shape in shapes if found[group]), label)


def _continues(items: list[_Item], item: _Item) -> bool:
    """Whether ``item`` belongs to the list being read (as a top-level item or a sub-item)."""
    if not items:
        return False
    top = items[0]
    if item.kind != top.kind or item.indent > top.indent:
        return True  # a sub-item (another marker or deeper)
    number = _number(item)
    return number is None or number == len(items) + 1


def _number(item: _Item) -> int | None:
    digits = re.search(r"\d{1,2}", item.label)
    if digits:
        return int(digits.group())
    if item.kind in ("a.", "a)", "(a)"):
        return ord(item.label.strip("().")[0]) - ord("a") + 1
    return None


def _add(items: list[_Item], item: _Item) -> None:
    top = items[0]
    if item.kind != top.kind or item.indent > top.indent:
        items[-1].sub_items.append(item.text)
        if items[-1].sections:
            items[-1].sections[-1][1].append(item.text)
    else:
        items.append(item)


_HEADING_KINDS = frozenset(("1.", "1)", "1/", "(1)", "I.", "I)", "1.1"))
_HEADING_MAX_WORDS = 20
_LABEL_MAX_WORDS = 8  # "1. Đối với Chính phủ:", "2. For the provinces:": a heading for what follows


def _is_heading(top: _Item, last: _Item) -> bool:
    """Whether the list's items are numbered headings ("1. Định hướng bảo vệ môi trường"): short, no closing
    mark. The paragraphs and points under such a heading are its body, not the end of the list."""
    text = last.text.rstrip()
    if top.kind not in _HEADING_KINDS:
        return False
    if text.endswith(":"):
        return len(text.split()) <= _LABEL_MAX_WORDS
    return len(text.split()) <= _HEADING_MAX_WORDS and not text.endswith((".", ";", "!", "?", ",", "…"))


def _append_text(items: list[_Item], text: str) -> None:
    last = items[-1]
    if last.sub_items:
        last.sub_items[-1] = f"{last.sub_items[-1]} {text}"
    else:
        last.text = f"{last.text} {text}"


def _expand_inline(lines: list[str]) -> list[str]:
    """ "Hội nghị kiến nghị: Một là, ...; Hai là, ..." → the intro and one line per item."""
    out: list[str] = []
    for line in lines:
        labels = _inline_labels(line) if (" là" in line or "Thứ" in line or ")" in line) else []
        if len(labels) < 2 or _ITEM.match(line):
            out.append(line)
            continue
        if line[: labels[0].start()].strip():
            out.append(line[: labels[0].start()].rstrip())
        for n, label in enumerate(labels):
            end = labels[n + 1].start() if n + 1 < len(labels) else len(line)
            out.append(f"{label['label']} {line[label.end() : end].strip()}")
    return out


def _inline_labels(line: str) -> list[re.Match[str]]:
    labels = []
    for found in _INLINE.finditer(line):
        j = found.start() - 1
        while j >= 0 and line[j].isspace():
            j -= 1
        if j < 0 or line[j] in ".;:":
            labels.append(found)
    return labels
