"""The news pipeline: sources -> fetch -> scrape -> extract -> store -> publish.

This package never imports telegram or apscheduler; ``bot`` is the thin shell around it.
"""
