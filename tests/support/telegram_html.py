"""Telegram's HTML parse mode, validated as the Bot API does: now ``bot/demo/telegram_html.py``
(the demo's Bot API server uses it); tests keep importing it from here (the same module)."""

import sys

from bot.demo import telegram_html

sys.modules[__name__] = telegram_html
