"""Strict validation of Telegram's HTML parse mode, the way the Bot API rejects text.

``parse_html(text)`` returns the plain text Telegram would display (entities decoded, tags
removed) or raises ``HtmlError`` with a Bot-API-like reason. Stricter than Telegram where
Telegram is lenient: a bare ``&`` is an error here, so every interpolated value must be escaped.
"""

from __future__ import annotations

import re

# tag -> attributes it may carry
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "a": frozenset({"href"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
    "tg-spoiler": frozenset(),
    "span": frozenset({"class"}),
    "tg-emoji": frozenset({"emoji-id"}),
}

_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[a-zA-Z][a-zA-Z0-9-]*(?:\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'|[^\s\"'<>=`]+))?)*)\s*>"
)
_ATTR = re.compile(r"([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'<>=`]+))?")
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class HtmlError(ValueError):
    """Text Telegram would refuse: ``str(err)`` is the part after "can't parse entities: "."""


def parse_html(text: str) -> str:
    """Validate ``text`` as Telegram HTML; return the visible plain text."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        j = _next_special(text, i)
        out.append(text[i:j])
        if j >= len(text):
            break
        if text[j] == "&":
            char, i = _entity(text, j)
            out.append(char)
        else:
            i = _tag(text, j, stack)
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def _next_special(text: str, start: int) -> int:
    lt = text.find("<", start)
    amp = text.find("&", start)
    found = [p for p in (lt, amp) if p >= 0]
    return min(found) if found else len(text)


def _offset(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8"))


def _entity(text: str, pos: int) -> tuple[str, int]:
    m = _ENTITY.match(text, pos)
    if not m:
        raise HtmlError(
            f'Character "&" is reserved and must be escaped as "&amp;" at byte offset {_offset(text, pos)}'
        )
    named, dec, hexa = m.groups()
    if named:
        return _NAMED[named], m.end()
    code = int(dec) if dec else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise HtmlError(f"Invalid character reference at byte offset {_offset(text, pos)}")
    return chr(code), m.end()


def _tag(text: str, pos: int, stack: list[str]) -> int:
    m = _TAG.match(text, pos)
    if not m:
        raise HtmlError(f'Unexpected character "<": it must be escaped as "&lt;" at byte offset {_offset(text, pos)}')
    closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
    if name not in ALLOWED_TAGS:
        kind = "end" if closing else "start"
        raise HtmlError(f'Unsupported {kind} tag "{name}" at byte offset {_offset(text, pos)}')
    if closing:
        if attrs.strip():
            raise HtmlError(f'Unexpected attributes in end tag "{name}" at byte offset {_offset(text, pos)}')
        if not stack or stack[-1] != name:
            expected = f'expected "</{stack[-1]}>"' if stack else "no tag is open"
            raise HtmlError(
                f'Unmatched end tag at byte offset {_offset(text, pos)}, {expected}, found "</{name}>"'
            )
        stack.pop()
        return m.end()
    _check_attributes(name, attrs, text, pos)
    stack.append(name)
    return m.end()


def _check_attributes(name: str, attrs: str, text: str, pos: int) -> None:
    found: dict[str, str] = {}
    for am in _ATTR.finditer(attrs):
        key, raw = am.group(1).lower(), am.group(2) or ""
        if key not in ALLOWED_TAGS[name]:
            raise HtmlError(f'Unsupported attribute "{key}" in tag "{name}" at byte offset {_offset(text, pos)}')
        value = raw[1:-1] if raw[:1] in "\"'" and raw else raw
        found[key] = parse_html(value) if value else ""
    if name == "a" and not found.get("href"):
        raise HtmlError(f'Tag "a" must have a non-empty "href" at byte offset {_offset(text, pos)}')
    if name == "span" and found.get("class") != "tg-spoiler":
        raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {_offset(text, pos)}')
    if name == "code" and "class" in found and not found["class"].startswith("language-"):
        raise HtmlError(f'Tag "code" class must start with "language-" at byte offset {_offset(text, pos)}')
