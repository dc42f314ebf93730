"""Logging set-up: readable lines or JSON, httpx quiet, secrets scrubbed, ``extra`` fields kept.

A record's ``extra={...}`` fields are printed: as `` key=value`` after the text line, as members
of the JSON object. The bot token is replaced by ``<token>`` in the message, the traceback and
every extra field, whatever its case: python-telegram-bot capitalises URL paths in some errors
(``.../bot123456:abcdef_secret/getme``).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import Any

# Libraries whose per-request INFO lines carry URLs with the bot token in them.
NOISY = ("httpx", "httpcore", "telegram.ext.Updater", "apscheduler.executors.default", "apscheduler.scheduler", "aiohttp.access")
MASK = "<token>"
TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# What every LogRecord carries; anything else on a record came from ``extra={...}``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The record's ``extra={...}`` fields, in the order given."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class RedactFilter(logging.Filter):
    """Replaces every secret (the bot token), in any letter case, in a record's message,
    traceback and extra fields."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        found = [re.escape(s) for s in secrets if s]
        self.pattern = re.compile("|".join(found), re.IGNORECASE) if found else None

    def scrub(self, text: str) -> str:
        return self.pattern.sub(MASK, text) if self.pattern is not None else text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.pattern is None:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = self.scrub(message), None
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        for key, value in extra_fields(record).items():
            text = value if isinstance(value, str) else _shown(value)
            if self.pattern.search(text):
                setattr(record, key, self.scrub(text))
        return True


def _shown(value: Any) -> str:
    try:
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def _text_value(value: Any) -> str:
    text = _shown(value)
    return json.dumps(text, ensure_ascii=False) if not text or any(c.isspace() or c in '"=' for c in text) else text


class TextFormatter(logging.Formatter):
    """The readable line, then `` key=value`` for each extra field (quoted when it has spaces)."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = extra_fields(record)
        if not extras:
            return line
        head, sep, rest = line.partition("\n")  # a traceback stays below the line
        fields = " ".join(f"{k}={_text_value(v)}" for k, v in extras.items())
        return f"{head} {fields}{sep}{rest}"


class JsonFormatter(logging.Formatter):
    """One JSON object per record; extra fields are members (a clash with ours gets ``extra_``)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info or record.exc_text:
            entry["error"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        for key, value in extra_fields(record).items():
            entry[f"extra_{key}" if key in entry else key] = value
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO", *, as_json: bool = False, secrets: Iterable[str] = ()) -> None:
    """Configure the root logger once for a CLI command or the service."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if as_json else TextFormatter(TEXT_FORMAT))
    handler.addFilter(RedactFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
