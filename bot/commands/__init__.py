"""The python-telegram-bot application: subscriber and admin commands, buttons, chat events, lifecycle."""
