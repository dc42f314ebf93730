"""Telegram texts (pure): vi/en strings, alerts, digests, admin reports, Telegram's length limit."""
