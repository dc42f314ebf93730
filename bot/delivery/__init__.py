"""Delivery to Telegram: subscribers, fan-out into the outbox, digests, and the paced sender."""
