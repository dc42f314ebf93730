"""Series of events told in one sentence: each its own day and place.

- "tại TP Cần Thơ (ngày 8/5), tỉnh An Giang (ngày 10/5) và tỉnh Cà Mau (ngày 12/5)": the place
  right before each date (:func:`place_before`);
- "were organized on 22nd, 24th and 25th November at A, B and C respectively", "lần lượt vào các
  ngày 8, 10 và 12/5 tại A, B và C": one day of a list for each place of a list, in order
  (:func:`respective_places`).
Pure and linear in the sentence.
"""

from __future__ import annotations

import re

from feeds.extract.places import find_places

RESPECTIVELY = re.compile(r"\b(?:lần lượt|respectively)\b", re.IGNORECASE)

# a place right before a date in a series: "..., tỉnh An Giang (ngày 10/5)", "in Can Tho on 8 May and ..."
_SERIES_CUT = re.compile(r"[,;:()]|\s(?:và|and|tại|ở|in|at|then|rồi)\s", re.IGNORECASE)
_SERIES_TAIL = re.compile(r"[\s(,]*(?:(?:vào\s+)?ngày|on|vào)?[\s(]*$", re.IGNORECASE)
_SERIES_REACH = 80


def place_before(sentence: str, at: int) -> str | None:
    """The place named right before position ``at`` (a date) in a series, or None."""
    window = sentence[max(0, at - _SERIES_REACH) : at]
    window = window[: _SERIES_TAIL.search(window).start()]
    cut = 0
    for found in _SERIES_CUT.finditer(window):
        cut = found.end()
    place = window[cut:].strip()
    return place if place and len(place.split()) <= 6 and find_places(place) else None


_AT = re.compile(r"(?<![\w-])(?:tại|ở|at|in)\s+", re.IGNORECASE)
_LIST_END = re.compile(r"[.;:]\s|\s(?:lần lượt|respectively|vào|on|from|với|with|nhằm|to)\b|$", re.IGNORECASE)
_JOIN = re.compile(r"\s*,\s*(?:and|và)\s+|\s+(?:and|và)\s+|\s*,\s*", re.IGNORECASE)
_MAX_PLACE_WORDS = 8
_LIST_REACH = 300  # characters of a place list around "lần lượt" / "respectively"
_CANDIDATES = 6  # the "tại/at/in" nearest it that may open the list (keeps this linear)


def respective_places(sentence: str, count: int) -> list[str] | None:
    """``count`` places listed after "tại"/"at"/"in" and matched in order by "lần lượt"/"respectively", or None."""
    series = RESPECTIVELY.search(sentence)
    if series is None or count < 2:
        return None
    window = (max(0, series.start() - _LIST_REACH), min(len(sentence), series.end() + _LIST_REACH))
    for found in list(_AT.finditer(sentence, *window))[-_CANDIDATES:][::-1]:
        reach = min(len(sentence), found.end() + _LIST_REACH)
        end = _LIST_END.search(sentence, found.end(), reach)
        places = _split(sentence[found.end() : end.start() if end else reach])
        if len(places) == count and all(p and len(p.split()) <= _MAX_PLACE_WORDS and (p[0].isupper() or find_places(p)) for p in places):
            return places
    return None


def _split(text: str) -> list[str]:
    """ "A (X), B và C" → [A (X), B, C]: separators outside parentheses only."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        char = text[i]
        depth += char == "("
        depth -= char == ")" and depth > 0
        join = _JOIN.match(text, i) if depth == 0 and char in ", " else None
        if join and join.end() > i:
            parts.append(text[start:i].strip())
            start = i = join.end()
            continue
        i += 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]
