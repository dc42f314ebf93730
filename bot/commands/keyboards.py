"""Topics and inline keyboards: button labels (plain text) and their callback data.

Callback data: ``sub:<topic>``, ``unsub:<topic>``, ``set:instant``, ``set:digest``,
``set:hour:<0-23>``, ``set:lang:<vi|en>``, ``stop:yes|no``, ``bc:yes|no:<key>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.texts.i18n import t
from feeds.present import TOPICS

_MAX_CALLBACK_DATA = 64  # bytes


def topic_label(lang: str, topic: str, names: Mapping[str, str]) -> str:
    if topic in TOPICS:
        return t(lang, f"topic_{topic}")
    return t(lang, "topic_source", name=names.get(topic, topic))


def plain(html_text: str) -> str:
    """Button labels and alerts are plain text: undo the escaping ``t`` applied."""
    return html_text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Rows of ``(label, callback data)`` buttons."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(plain(text), callback_data=data) for text, data in row] for row in rows]
    )


def topic_keyboard(
    lang: str,
    names: Mapping[str, str],
    prefix: str,
    topics: Sequence[str],
    extra: Sequence[tuple[str, str]] = (),
) -> InlineKeyboardMarkup:
    """One ``<prefix>:<topic>`` button a row, then the ``extra`` buttons."""
    rows = [[(topic_label(lang, topic, names), f"{prefix}:{topic}")] for topic in topics]
    # Telegram refuses callback data over 64 bytes: such a source is reachable by command only
    rows = [row for row in rows if len(row[0][1].encode()) <= _MAX_CALLBACK_DATA]
    return keyboard([*rows, *([e] for e in extra)])


def settings_keyboard(lang: str) -> InlineKeyboardMarkup:
    other = "en" if lang == "vi" else "vi"
    return keyboard(
        [
            [(t(lang, "button_instant"), "set:instant"), (t(lang, "button_digest"), "set:digest")],
            [(t(lang, "button_language"), f"set:lang:{other}")],
        ]
    )


def hour_keyboard() -> InlineKeyboardMarkup:
    hours = [(f"{h:02d}:00", f"set:hour:{h}") for h in range(24)]
    return keyboard([hours[i : i + 6] for i in range(0, 24, 6)])


def confirm_keyboard(lang: str, yes_key: str, yes: str, no: str) -> InlineKeyboardMarkup:
    return keyboard([[(t(lang, yes_key), yes), (t(lang, "button_cancel"), no)]])


__all__ = [
    "confirm_keyboard",
    "hour_keyboard",
    "keyboard",
    "plain",
    "settings_keyboard",
    "topic_keyboard",
    "topic_label",
]
