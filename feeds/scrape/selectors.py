"""CSS selectors on a parsed page, answered from a one-walk index of the tree.

A comma-separated selector for a single value is tried alternative by alternative, left to right
(``Index.first``): ``"h1.entry-title, h1"`` prefers ``h1.entry-title`` wherever it is. Selectors
for many values take every match in document order (``Index.select``). Simple selectors (tags,
classes, ids, attributes, descendant combinators: what sources mostly use) are answered from the
index; anything else goes to BeautifulSoup's CSS engine, soupsieve, which is slow on whole pages.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from feeds.text import normalize

__all__ = ["Index", "Page", "text_of"]


@lru_cache(maxsize=256)
def _alternatives(selector: str) -> tuple[str, ...]:
    """Split a selector group at its top-level commas (not inside (), [] or quotes)."""
    parts, depth, quote_char, start = [], 0, "", 0
    for i, ch in enumerate(selector):
        if quote_char:
            quote_char = "" if ch == quote_char else quote_char
        elif ch in "\"'":
            quote_char = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(selector[start:i])
            start = i + 1
    parts.append(selector[start:])
    return tuple(p.strip() for p in parts if p.strip())


@dataclass(frozen=True, slots=True)
class _Compound:
    """A simple compound selector: ``tag``, ``.class``, ``#id``, ``[attr]``, ``[attr=v]``, ``[attr~=v]``."""

    tag: str | None
    classes: tuple[str, ...] = ()
    ident: str | None = None
    attrs: tuple[tuple[str, str, str], ...] = ()  # (name, operator "" / "=" / "~=", value)

    def matches(self, el: Tag) -> bool:
        if el.name == "[document]" or (self.tag and el.name != self.tag):
            return False
        if self.ident and el.get("id") != self.ident:
            return False
        classes = el.get("class") or ()
        return all(c in classes for c in self.classes) and all(_attr_matches(el, *a) for a in self.attrs)


def _attr_matches(el: Tag, name: str, operator: str, value: str) -> bool:
    actual = el.get(name)
    if actual is None:
        return False
    if operator == "~=":
        return value in (actual if isinstance(actual, list) else str(actual).split())
    text = " ".join(actual) if isinstance(actual, list) else str(actual)
    return operator == "" or text == value


_COMPOUND = re.compile(r"^([a-zA-Z][\w-]*|\*)?((?:[.#][\w-]+|\[[\w-]+(?:~?=(?:[\w-]+|'[^'\]]*'|\"[^\"\]]*\"))?\])*)$")
_PIECE = re.compile(r"""[.#][\w-]+|\[([\w-]+)(?:(~?=)(?:([\w-]+)|'([^']*)'|"([^"]*)"))?\]""")


@lru_cache(maxsize=512)
def _simple_chain(alternative: str) -> tuple[_Compound, ...] | None:
    """``"div.a span"`` as compounds joined by descendant combinators; None if soupsieve is needed."""
    chain = []
    for part in alternative.split():
        m = _COMPOUND.match(part)
        if m is None or not (m.group(1) or m.group(2)):
            return None
        compound = _compound(m.group(1), m.group(2))
        if compound is None:
            return None
        chain.append(compound)
    return tuple(chain) or None


def _compound(tag: str | None, rest: str) -> _Compound | None:
    classes, idents, attrs = [], [], []
    for piece in _PIECE.finditer(rest):
        text = piece.group(0)
        if text[0] == ".":
            classes.append(text[1:])
        elif text[0] == "#":
            idents.append(text[1:])
        else:
            value = next((v for v in piece.group(3, 4, 5) if v is not None), "")
            attrs.append((piece.group(1).lower(), piece.group(2) or "", value))
    if len(idents) > 1:
        return None
    name = tag.lower() if tag and tag != "*" else None
    return _Compound(name, tuple(classes), idents[0] if idents else None, tuple(attrs))


class Index:
    """The page's elements in document order, by tag and by class, from one walk of the tree.

    Simple selectors are answered from the index; anything else goes to soupsieve. Build it
    before changing the tree.

    Every element's descendants occupy the positions right after it, so a scope is a range of
    positions: candidates inside it are found by bisection in the (position-sorted) pool, and "has
    an ancestor matching X" is a lookup in X's ranges. A scoped query costs the size of the scope,
    not of the page: a listing of n items is scraped in time linear in n (issue 13).
    """

    def __init__(self, root: BeautifulSoup) -> None:
        self.root = root
        self.elements: list[Tag] = root.find_all(True)
        self.position = {id(el): i for i, el in enumerate(self.elements)}
        self.by_tag: dict[str, list[Tag]] = {}
        self.by_class: dict[str, list[Tag]] = {}
        self.by_rel: dict[str, list[Tag]] = {}  # rel="author", rel="category tag", rel="canonical"
        self._ends: list[int] | None = None  # position -> end of its subtree (exclusive), built when needed
        self._positions: dict[tuple[str, str], list[int]] = {}  # pool -> its elements' positions
        self._covers: dict[_Compound, tuple[list[int], list[int]]] = {}
        for el in self.elements:
            self.by_tag.setdefault(el.name, []).append(el)
            for name in el.get("class") or ():
                self.by_class.setdefault(name, []).append(el)
            rel = el.get("rel")
            for word in rel if isinstance(rel, list) else str(rel or "").split():
                self.by_rel.setdefault(word.lower(), []).append(el)

    def select(self, selector: str, scope: Tag | None = None) -> list[Tag]:
        """Every element matching the group, in document order (inside ``scope`` when given)."""
        found = {id(el): el for alt in _alternatives(selector) for el in self._matches(alt, scope)}
        return sorted(found.values(), key=lambda el: self.position.get(id(el), 0))

    def first(self, selector: str | None, scope: Tag | None = None) -> Tag | None:
        """The first match of the first alternative that matches anything (alternatives in priority order)."""
        for alternative in _alternatives(selector) if selector else ():
            found = self._matches(alternative, scope)
            if found:
                return found[0]
        return None

    def _matches(self, alternative: str, scope: Tag | None) -> list[Tag]:
        chain = _simple_chain(alternative)
        if chain is None:
            return (scope or self.root).select(alternative)
        *ancestors, last = chain
        low, high = self._span(scope)
        pool, positions = self._pool(last)
        inside = pool[bisect_right(positions, low) : bisect_left(positions, high)]
        found = [el for el in inside if last.matches(el)]
        if ancestors and found:  # descendants of the outermost compound's matches, then the rest of the chain
            found = [el for el in found if self._under(ancestors[0], self.position[id(el)])]
            if len(ancestors) > 1:
                found = [el for el in found if _has_ancestors(el, ancestors)]
        return found

    def _pool(self, compound: _Compound) -> tuple[list[Tag], list[int]]:
        """The elements ``compound`` can match (document order) and their positions."""
        if compound.classes:
            key, pool = ("class", compound.classes[0]), self.by_class.get(compound.classes[0], [])
        elif compound.tag:
            key, pool = ("tag", compound.tag), self.by_tag.get(compound.tag, [])
        else:
            key, pool = ("*", ""), self.elements
        positions = self._positions.get(key)
        if positions is None:
            positions = self._positions[key] = [self.position[id(el)] for el in pool]
        return pool, positions

    def _under(self, compound: _Compound, position: int) -> bool:
        """Whether the element at ``position`` has an ancestor matching ``compound``."""
        cover = self._covers.get(compound)
        if cover is None:
            ends = self._subtree_ends()
            pool, positions = self._pool(compound)
            starts = [p for el, p in zip(pool, positions, strict=True) if compound.matches(el)]
            reach, furthest = [], -1
            for start in starts:  # the furthest subtree end among matches starting at or before each one
                furthest = max(furthest, ends[start])
                reach.append(furthest)
            cover = self._covers[compound] = (starts, reach)
        starts, reach = cover
        k = bisect_left(starts, position) - 1  # the last match starting before ``position``
        return k >= 0 and reach[k] > position

    def _subtree_ends(self) -> list[int]:
        """For each position, the first position after its element's subtree (one pass, bottom up)."""
        if self._ends is None:
            sizes = [0] * len(self.elements)
            for i in range(len(self.elements) - 1, -1, -1):
                parent = self.position.get(id(self.elements[i].parent))
                if parent is not None:
                    sizes[parent] += sizes[i] + 1
            self._ends = [i + size + 1 for i, size in enumerate(sizes)]
        return self._ends

    def _span(self, scope: Tag | None) -> tuple[int, int]:
        """Positions strictly between which ``scope``'s descendants lie."""
        if scope is None or id(scope) not in self.position:
            return -1, len(self.elements)
        start = self.position[id(scope)]
        return start, self._subtree_ends()[start]


def _has_ancestors(el: Tag, chain: list[_Compound]) -> bool:
    """Descendant combinators: each compound of ``chain`` matches an ancestor, right to left."""
    pending = len(chain) - 1
    for parent in el.parents:
        if pending < 0:
            break
        if chain[pending].matches(parent):
            pending -= 1
    return pending < 0


@dataclass(frozen=True, slots=True)
class Page:
    """A parsed page: the tree, its index, and the base URL for relative links."""

    soup: BeautifulSoup
    index: Index
    base: str

    @classmethod
    def parse(cls, html: str, url: str) -> Page:
        soup = BeautifulSoup(close_void_elements(html), "lxml")
        index = Index(soup)
        base_tag = next((t for t in index.by_tag.get("base", ()) if t.get("href")), None)
        return cls(soup, index, _base_url(url, str(base_tag["href"])) if base_tag is not None else url)

    def tags(self, name: str, **attrs: str) -> list[Tag]:
        """Elements named ``name`` whose multi-valued attributes contain the given words."""
        rel = attrs.get("rel")
        pool = self.index.by_rel.get(rel.lower(), []) if rel else self.index.by_tag.get(name, [])
        return [el for el in pool if el.name == name and all(_has_word(el, a, w) for a, w in attrs.items())]


# Void elements libxml2 does not know as void: it nests everything after them inside them, and
# removing one (an <embed>) then removed the rest of the article with it (issue 13).
_NESTING_VOIDS = re.compile(r"<(embed|source|track|wbr|keygen|bgsound|command|menuitem|image)\b[^>]*>", re.IGNORECASE)


def close_void_elements(html: str) -> str:
    """``html`` with an end tag right after each void element lxml would otherwise leave open."""
    return _NESTING_VOIDS.sub(r"\g<0></\1>", html)


def _base_url(url: str, href: str) -> str:
    """The page's ``<base href>`` resolved against its URL; the URL itself when it is malformed."""
    try:
        return urljoin(url, href)
    except ValueError:  # "http://[::1" on a careless page
        return url


def _has_word(el: Tag, attr: str, word: str) -> bool:
    value = el.get(attr)
    words = value if isinstance(value, list) else str(value or "").split()
    return word in (w.lower() for w in words)


def text_of(el: Tag | None) -> str:
    """An element's text on one line, whitespace collapsed, NFC ("" without an element)."""
    return normalize(" ".join(el.get_text(" ").split())) if el is not None else ""
