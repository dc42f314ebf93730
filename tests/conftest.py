"""Shared fixtures. Tests never reach beyond 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.support.site import FixtureSite


@pytest.fixture
def site():
    """A real HTTP server on 127.0.0.1 serving routes the test adds."""
    with FixtureSite() as s:
        yield s


@pytest.fixture
def botapi():
    """A fake Telegram Bot API server on 127.0.0.1 (tests/support/botapi.py)."""
    from tests.support.botapi import BotApiServer

    with BotApiServer() as s:
        yield s
