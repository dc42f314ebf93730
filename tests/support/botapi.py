"""The fake Bot API server now ships in the package (``bot/demo/botapi.py``) because
``feedbot demo --telegram local`` runs it; tests and benchmarks keep importing it from here.
This module *is* that one (same objects), so nothing about it differs for a test."""

import sys

from bot.demo import botapi

sys.modules[__name__] = botapi
