"""Delivery errors (the ``feeds.errors`` hierarchy; ``feeds`` never delivers)."""

from __future__ import annotations

from feeds.errors import FeedbotError


class DeliveryError(FeedbotError):
    """A Telegram delivery problem that an operator must act on (bad token, bad API URL)."""
