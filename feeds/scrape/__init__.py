"""Pure scraping: listing HTML -> article links, article HTML -> :class:`feeds.models.Article`.

``parse`` is the entry point; ``selectors``, ``pagemeta``, ``body``, ``sanitize`` and ``urls``
are its parts (selector index, metadata fallbacks, article body, safe HTML, canonical URLs).
"""

from feeds.scrape.parse import SelectorMatch, explain_article, explain_listing, parse_article, parse_listing
from feeds.scrape.urls import canonical_url

__all__ = ["SelectorMatch", "canonical_url", "explain_article", "explain_listing", "parse_article", "parse_listing"]
