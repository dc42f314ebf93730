"""The feeds -> an OPML 2.0 subscription list (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from feeds.publish.entries import clean_xml_text as _x
from feeds.publish.feed import FeedMeta


def build_opml(feeds: Sequence[FeedMeta], *, title: str = "vncpc-feedbot") -> bytes:
    """An OPML 2.0 subscription list with one outline per feed."""
    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = _x(title)
    body = etree.SubElement(opml, "body")
    for meta in feeds:
        etree.SubElement(
            body,
            "outline",
            type="rss",
            text=_x(meta.title),
            title=_x(meta.title),
            xmlUrl=_x(meta.self_url),
            htmlUrl=_x(meta.site_url),
            language=meta.language,
        )
    return bytes(etree.tostring(opml, xml_declaration=True, encoding="UTF-8", pretty_print=True))
