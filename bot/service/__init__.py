"""``feedbot run``: settings, logging, the scheduler, the scrape cycle, health, the web server.

Import the modules themselves (``bot.service.settings`` ...): this package imports nothing, so the
CLI can read its settings without loading the service's frameworks.
"""
