"""An article page's body: find it, strip the page chrome from it, render it.

Found by the configured selector, else the page's ``<article>``, else the element whose direct
paragraphs hold the most text. Cleaning removes the source's ``remove`` selectors and the
always-removed elements (scripts, forms...), plus header/footer/nav/aside when the body is a whole
``<article>``/``<main>``/``<body>`` or came from a fallback.
"""

from __future__ import annotations

from urllib.parse import urljoin

from bs4 import Tag

from feeds.models import ArticleSelectors
from feeds.scrape.sanitize import ALWAYS_REMOVE, absolutize_urls, element_text, inner_html, sanitize_html
from feeds.scrape.selectors import Page
from feeds.text import normalize

__all__ = ["clean_body", "read_body", "render_body"]

# Page chrome dropped when the body is a whole <article>/<main>/<body> (or a fallback found it).
_FALLBACK_TRIM = ("header", "footer", "nav", "aside")
_PAGE_CONTAINERS = frozenset({"article", "main", "body"})


def read_body(page: Page, sel: ArticleSelectors) -> tuple[Tag | None, str | None]:
    """(the body element or None, the fallback it came from or None)."""
    body = page.index.first(sel.body)
    if body is not None:
        return body, None
    article = page.index.first("article")
    if article is not None:
        return article, "<article>"
    block = _largest_text_block(page)
    return (block, "largest text block") if block is not None else (None, None)


def _largest_text_block(page: Page) -> Tag | None:
    """The element whose direct ``<p>`` children hold the most text (else ``<body>``)."""
    scores: dict[int, tuple[Tag, int]] = {}
    for p in page.tags("p"):
        if isinstance(p.parent, Tag):
            parent, score = scores.get(id(p.parent), (p.parent, 0))
            scores[id(parent)] = (parent, score + len(p.get_text(strip=True)))
    best = max(scores.values(), key=lambda entry: entry[1], default=None)
    if best is not None and best[1] > 0:
        return best[0]
    return page.index.first("body")


def clean_body(page: Page, body: Tag, body_from: str | None, sel: ArticleSelectors) -> int:
    """Remove the configured and always-removed elements from ``body``; how many were removed."""
    trim = body_from is not None or body.name in _PAGE_CONTAINERS  # a whole page part: its chrome goes
    group = ", ".join((*sel.remove, *ALWAYS_REMOVE, *(_FALLBACK_TRIM if trim else ())))
    removed = 0
    for el in page.index.select(group, body):  # an element inside a removed one is already gone
        if not el.decomposed:
            el.decompose()
            removed += 1
    return removed


def render_body(body: Tag | None, base: str, og_image: str) -> tuple[str, str, tuple[str, ...]]:
    """(sanitised HTML, plain text, image URLs) of the cleaned body (empty without a body)."""
    if body is not None:
        absolutize_urls(body, base)
    images = [str(img["src"]) for img in body.find_all("img", src=True)] if body is not None else []
    if og_image:
        try:
            images.append(urljoin(base, og_image))
        except ValueError:  # a malformed og:image ("http://[::1") is no image
            pass
    web_images = tuple(dict.fromkeys(u for u in images if u.startswith(("http://", "https://"))))
    if body is None:
        return "", "", web_images
    return normalize(sanitize_html(inner_html(body))), normalize(element_text(body)), web_images
