"""``python -m bot.cli``: the same as the ``feedbot`` command."""

import sys

from bot.cli.feedbot import main

sys.exit(main())
