"""Shared fixtures. Tests never reach beyond 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.support.site import FixtureSite

LOOPBACK = ("127.0.0.1",)  # the only non-public address tests may fetch (fetch.allow_private)


@pytest.fixture(autouse=True)
def _loopback_fetching_allowed(monkeypatch):
    """Every test (and the processes it starts) may fetch the fixture sites on 127.0.0.1 and
    nothing else that is not public: the service refuses private addresses by default."""
    monkeypatch.setenv("FEEDBOT_FETCH_ALLOW_PRIVATE", ",".join(LOOPBACK))


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


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through chromedriver (tests/support/browser.py); skipped when not installed."""
    from tests.support.browser import chromium

    with chromium() as b:
        yield b
