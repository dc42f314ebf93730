"""Issue 13, item 10 (and issue 10's bug): the token never reaches a log in any letter case, and
``extra={...}`` fields are printed by both formatters (the token masked there too)."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.service.logs import JsonFormatter, RedactFilter, TextFormatter, TEXT_FORMAT

TOKEN = "123456:ABCdef_Secret-Token"


@pytest.fixture
def capture():
    stream = io.StringIO()
    logger = logging.getLogger("feedbot.test.logs")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)

    def use(formatter: logging.Formatter) -> io.StringIO:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter)
        handler.addFilter(RedactFilter([TOKEN]))
        logger.handlers[:] = [handler]
        return stream

    yield logger, use
    logger.handlers[:] = []


@pytest.mark.parametrize("form", [TOKEN, TOKEN.lower(), TOKEN.upper(), "123456:AbCdEf_sEcReT-tOkEn"])
@pytest.mark.parametrize("formatter", [TextFormatter(TEXT_FORMAT), JsonFormatter()], ids=["text", "json"])
def test_the_token_is_masked_in_any_case(capture, form, formatter):
    logger, use = capture
    out = use(formatter)
    logger.error("Telegram error: Not Found: https://api.telegram.org/bot%s/getme", form,
                 extra={"url": f"https://api.telegram.org/bot{form}/getMe", "attempt": 2})
    try:
        raise RuntimeError(f"POST /bot{form}/sendMessage failed")
    except RuntimeError:
        logger.exception("send failed", extra={"detail": {"path": f"/bot{form}/x"}})
    text = out.getvalue()
    assert TOKEN.lower() not in text.lower() and "<token>" in text
    assert text.count("<token>") >= 4  # message, extra, traceback, nested extra


def test_text_lines_carry_the_extra_fields(capture):
    logger, use = capture
    out = use(TextFormatter(TEXT_FORMAT))
    logger.warning("webhook call refused", extra={"peer": "127.0.0.1", "refused": 3, "reason": "wrong secret"})
    line = out.getvalue().strip()
    assert line.endswith('webhook call refused peer=127.0.0.1 refused=3 reason="wrong secret"')


def test_json_objects_carry_the_extra_fields(capture):
    logger, use = capture
    out = use(JsonFormatter())
    logger.info("source run", extra={"source": "vncpc-vi", "new": 2, "level": "clash", "tags": ["a", "b"]})
    entry = json.loads(out.getvalue())
    assert entry["level"] == "INFO" and entry["extra_level"] == "clash"
    assert (entry["source"], entry["new"], entry["tags"]) == ("vncpc-vi", 2, ["a", "b"])
