"""The service shell around :mod:`feeds`: Telegram bot, delivery, scheduler, web server, CLI."""
