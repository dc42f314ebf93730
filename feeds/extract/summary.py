"""A short extractive summary: the article's first real sentences.

Lead-based: the first one to three sentences (at most ~400 characters) of the body, skipping
what is not prose — a repeated title, section labels ("Tin tức"), datelines ("06:2 |
02/12/2007"), captions ("Ảnh: ...", "(Ảnh minh họa)", "Photo: ..."), bylines ("Theo ...",
"Nguồn: ..."), share/related-links boilerplate and list items. Stays in the article's language
because it only copies its sentences.
"""

from __future__ import annotations

import re

from feeds.text import fold, split_sentences

MAX_CHARS = 400
MAX_SENTENCES = 3
_MIN_WORDS = 6  # a line shorter than this is a label, a byline or a heading
_MIN_SENTENCE_WORDS = 4

_BOILERPLATE = re.compile(
    r"^\W*(?:(?:ảnh|ảnh minh họa|hình|photo|photos|image)\s*(?::|\||-|–)"
    r"|(?:theo|nguồn|source|by|tác giả|bài và ảnh|tin và ảnh|tin, ảnh|tin ảnh|posted|cập nhật|updated)\b\S*(?:\s+\S+){0,6}\s*$"
    r"|(?:xem thêm|tin liên quan|bài viết liên quan|tags?|từ khóa|chia sẻ|share|tweet|related|read more|lượt xem|in bài)\b)",
    re.IGNORECASE,
)
_CAPTION = re.compile(r"\(\s*(?:ảnh|photo|nguồn|source)[^()]{0,120}\)|\[\s*(?:ảnh|photo)[^\[\]]{0,120}\]", re.IGNORECASE)
_STAMP = re.compile(r"^[\d\s:/.|,\-–hg]*$|^\W*\d{1,2}[:h]\d{0,2}\s*\|")
_DATELINE = re.compile(
    r"^(?:\([^()]{1,40}\)|[A-ZĐÀ-Ỹ][A-ZĐÀ-Ỹ.&\s]{1,30}(?:,\s*\d{1,2}/\d{1,2}(?:/\d{2,4})?)?)\s*[-–—:]\s+"
)
_LIST_MARK = re.compile(r"^\s*(?:\d{1,2}[.)]|\(\d{1,2}\)|[a-zđ][.)]|[•·●▪◦○■□➢➤►✓✔*+\-–—])\s")
_SENTENCE_END = (".", "!", "?", "…", '"', "”", ")")


def summarize(text: str, *, title: str = "") -> str:
    """Up to three lead sentences of ``text`` (normalised), at most ~400 characters."""
    chosen: list[str] = []
    size = 0
    for sentence in _lead_sentences(text, title):
        if chosen and size + 1 + len(sentence) > MAX_CHARS:
            break
        chosen.append(sentence)
        size += len(sentence) + (1 if size else 0)
        if len(chosen) == MAX_SENTENCES:
            break
    summary = " ".join(chosen)
    if len(summary) > MAX_CHARS:
        cut = summary[: MAX_CHARS - 1].rsplit(" ", 1)[0]
        summary = cut.rstrip(" ,;:") + "…"
    return summary


def _lead_sentences(text: str, title: str):
    title_key = fold(title) if title else ""
    for line in text.split("\n"):
        line = _CAPTION.sub("", line).strip()
        if not _is_prose(line, title_key):
            continue
        line = _DATELINE.sub("", line, count=1)
        for sentence in split_sentences(" ".join(line.split())):
            if len(sentence.split()) >= _MIN_SENTENCE_WORDS and not _BOILERPLATE.match(sentence):
                yield sentence


def _is_prose(line: str, title_key: str) -> bool:
    if not line or _STAMP.match(line) or _BOILERPLATE.match(line) or _LIST_MARK.match(line):
        return False
    if title_key and abs(len(line) - len(title_key)) <= 3 + len(title_key) // 10 and fold(line) == title_key:
        return False
    words = len(line.split())
    return words >= _MIN_WORDS and (line.endswith(_SENTENCE_END) or words >= 15)
