"""Telegram's message length, measured and enforced (pure).

Telegram counts a message's length after parsing entities (tags removed, entities decoded,
UTF-16 code units): :func:`visible_length` measures the same way; :func:`pack` joins blocks into
as few messages as fit and :func:`fit` is the last-resort cut for any other text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from bot.texts.i18n import escape

MAX_MESSAGE_LENGTH = 4096
_TAG = re.compile(r"<[^>]*>")
SEPARATOR = "\n\n"


def visible_length(text: str) -> int:
    """The length Telegram checks: tags removed, entities decoded, trimmed, in UTF-16 units."""
    visible = html.unescape(_TAG.sub("", text)).strip()
    return len(visible.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """``text`` with whitespace collapsed, cut at a word boundary to ``limit`` characters ("…")."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"



def pack(blocks: Iterable[str], *, separator: str = SEPARATOR) -> list[str]:
    """Blocks joined in order into as few messages of at most 4096 visible characters as possible.

    Each block must fit in a message on its own (a longer one is hard-cut, see :func:`fit`).
    """
    messages: list[str] = []
    current, current_length = "", 0
    for block in blocks:
        block = fit(block)
        length = visible_length(block)
        if current and current_length + len(separator) + length <= MAX_MESSAGE_LENGTH:
            current, current_length = current + separator + block, current_length + len(separator) + length
            continue
        if current:
            messages.append(current)
        current, current_length = block, length
    if current:
        messages.append(current)
    return messages


def fit(text: str, limit: int = MAX_MESSAGE_LENGTH) -> str:
    """``text`` itself when short enough, else its plain text cut to ``limit`` (markup dropped).

    A last resort for texts not built by this module's shortening renderers.
    """
    if visible_length(text) <= limit:
        return text
    plain = html.unescape(_TAG.sub("", text)).strip()
    while True:
        cut = escape(shorten(plain, limit))
        if visible_length(cut) <= limit:
            return cut
        limit -= max(1, visible_length(cut) - limit)



__all__ = ["MAX_MESSAGE_LENGTH", "SEPARATOR", "fit", "pack", "shorten", "visible_length"]
