"""Gazetteer lookup: which Vietnamese province a piece of text names.

The data file ``feeds/extract/data/gazetteer.json`` lists the 63 provinces and centrally-run cities
before the 1 July 2025 merger and the 34 after, their spelling variants, major cities and towns
with the province they belong to, and stop phrases ("Thái Bình Dương", "Chủ tịch Hồ Chí Minh")
that contain a province name without naming a place, and
countries and major cities abroad ("Seoul", "Thái Lan"): a venue there has no Vietnamese province.

Matching works on word tokens folded with :func:`feeds.text.fold` (so "Khánh Hoà", "Khánh Hòa"
and "Khanh Hoa" all match), longest phrase first. A phrase written with diacritics must match a
variant's diacritics exactly, so "Vĩnh" never matches the city "Vinh"; a phrase written in plain
ASCII ("Da Nang", "Vinh") matches by its folded form. A match must start with a capital letter.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from feeds.text import fold, normalize

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer entry: a province (``city=False``) or a city/town inside one."""

    name: str
    province: str | None  # canonical province before the merger; None for a stop phrase or a place abroad
    province_2025: str | None  # the province after the 1 July 2025 merger
    city: bool
    foreign: bool = False  # a country or city abroad ("Bangkok", "Hàn Quốc")


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    text: str  # as written
    place: Place
    start: int
    end: int

    def province(self, on: dt.date | None = None) -> str | None:
        """The canonical province: a named province as written, a city's by the date."""
        if not self.place.city or on is None or on < _gazetteer().merger_date:
            return self.place.province
        return self.place.province_2025


@dataclass(frozen=True, slots=True)
class _Gazetteer:
    index: dict[tuple[str, ...], tuple[tuple[tuple[str, ...] | None, Place], ...]]
    longest: int
    merger_date: dt.date


@lru_cache(maxsize=1024)
def find_places(text: str) -> tuple[PlaceMatch, ...]:
    """Every place named in ``text`` (NFC; either tone placement), left to right, longest phrase first."""
    gaz = _gazetteer()
    words = list(_WORD.finditer(text))
    folded = [_fold_word(w.group()) for w in words]
    reach = _joined_reach(text, words)
    found: list[PlaceMatch] = []
    i = 0
    while i < len(words):
        size, place = _match_at(gaz, words, folded, i, reach[i])
        if place is None:
            i += 1
            continue
        if place.province is not None or place.foreign:
            start, end = words[i].start(), words[i + size - 1].end()
            found.append(PlaceMatch(text[start:end], place, start, end))
        i += size
    return tuple(found)


def _joined_reach(text: str, words: list[re.Match[str]]) -> list[int]:
    """For each word, how many words from it on are joined without a clause mark (",", ";", "(" ...).

    A place name never spans "phường Bình Hòa, Thành phố ...": the words around a comma are no "Hòa Thành".
    """
    reach = [1] * len(words)
    for i in range(len(words) - 2, -1, -1):
        if not _BREAK.search(text, words[i].end(), words[i + 1].start()):
            reach[i] = reach[i + 1] + 1
    return reach


_BREAK = re.compile(r"[,;:()\[\]/|\n]")
# "(trước đây thuộc tỉnh Bình Dương)", "(formerly Vinh Phuc province)": the old name, not the place
_FORMER_NOTE = re.compile(
    r"\(\s*(?:trước đây|trước kia|trước là|trước khi sáp nhập|trước sáp nhập|nguyên là|cũ|formerly|previously|former)\b[^()]{0,80}\)",
    re.IGNORECASE,
)


def province_of(text: str, *, on: dt.date | None = None) -> str | None:
    """The province ``text`` names: the last province named, else the last city's province.

    A parenthesised former name ("(trước đây thuộc tỉnh Bình Dương)", "(trước là tỉnh Bình Thuận)")
    does not count; a venue abroad ("Bangkok, Thailand": the last place named is foreign) has none.
    """
    matches = find_places(_FORMER_NOTE.sub("", normalize(text)))
    if matches and matches[-1].place.foreign:
        return None
    matches = tuple(m for m in matches if not m.place.foreign)
    provinces = [m for m in matches if not m.place.city]
    chosen = provinces[-1] if provinces else (matches[-1] if matches else None)
    return chosen.province(on) if chosen else None


def describe_place(location: str | None, province: str | None) -> str:
    """The venue as written, plus the province in brackets unless the venue already names it (by its
    name or a variant: "Ho Chi Minh City"); a city does not count ("TP Vinh (Nghệ An)")."""
    location, province = (location or "").strip(), (province or "").strip()
    if not province or not location:
        return location or province
    named = {m.province(None) for m in find_places(location) if not m.place.city and not m.place.foreign}
    if province in named or fold(province) in fold(location):
        return location
    return f"{location} ({province})"


def _match_at(gaz: _Gazetteer, words: list[re.Match[str]], folded: list[str], i: int, reach: int) -> tuple[int, Place | None]:
    capital = words[i].group()[:1].isupper()
    for size in range(min(gaz.longest, reach), 0, -1):
        candidates = gaz.index.get(tuple(folded[i : i + size]))
        if not candidates:
            continue
        written = [w.group() for w in words[i : i + size]]
        place = _pick(candidates, written)
        if place is not None and (capital or place.province is None and not place.foreign):
            return size, place
    return 0, None


def _pick(candidates: tuple[tuple[tuple[str, ...] | None, Place], ...], written: list[str]) -> Place | None:
    if all(w.isascii() for w in written):
        return candidates[0][1]
    key = tuple(_exact_word(w) for w in written)
    for exact, place in candidates:
        if exact == key:
            return place
    return None


@lru_cache(maxsize=8192)
def _fold_word(word: str) -> str:
    return fold(word)


@lru_cache(maxsize=8192)
def _exact_word(word: str) -> str:
    return normalize(word).casefold()


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    raw = json.loads(resources.files("feeds.extract").joinpath("data/gazetteer.json").read_text(encoding="utf-8"))
    index: dict[tuple[str, ...], list[tuple[tuple[str, ...] | None, Place]]] = {}
    for name, variants, place in _entries(raw):
        for variant in (name, *variants):
            words = _WORD.findall(normalize(variant))
            exact = None if variant.isascii() else tuple(_exact_word(w) for w in words)
            bucket = index.setdefault(tuple(_fold_word(w) for w in words), [])
            if (exact, place) not in bucket:  # provinces first when an ASCII spelling is shared
                bucket.insert(len(bucket) if place.city else 0, (exact, place))
    longest = max(len(key) for key in index)
    log.debug("gazetteer loaded: %d phrases", len(index))
    return _Gazetteer({k: tuple(v) for k, v in index.items()}, longest, dt.date.fromisoformat(raw["merger_date"]))


def _entries(raw: dict) -> list[tuple[str, list[str], Place]]:
    entries = []
    city_names = {c["name"] for c in raw["cities"]}
    for p in raw["provinces"]:
        if not p["pre_2025"] and p["name"] in city_names:
            continue  # "Huế": the city entry maps it by date
        entries.append((p["name"], p["variants"], Place(p["name"], p["name"], p["merged_into"], city=False)))
    for c in raw["cities"]:
        entries.append((c["name"], c["variants"], Place(c["name"], c["province"], c["province_2025"], city=True)))
    for phrase in raw["stop"]:
        entries.append((phrase, [], Place(phrase, None, None, city=False)))
    for f in raw.get("foreign", ()):
        entries.append((f["name"], f["variants"], Place(f["name"], None, None, city=False, foreign=True)))
    return entries


def gazetteer_provinces() -> tuple[list[str], list[str]]:
    """The canonical province names (before the merger, after it), for tests and tools."""
    raw = json.loads(resources.files("feeds.extract").joinpath("data/gazetteer.json").read_text(encoding="utf-8"))
    before = [p["name"] for p in raw["provinces"] if p["pre_2025"]]
    after = [p["name"] for p in raw["provinces"] if p["post_2025"]]
    return before, after
