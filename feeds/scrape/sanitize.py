"""Article bodies: safe HTML for feeds and plain text for extraction.

Works on the element ``feeds.scrape`` has already parsed (a page is parsed once): make its URLs
absolute, then either serialise it through nh3 (an allow-list sanitiser: no scripts, styles,
event-handler attributes or iframes) or render it as plain text with paragraphs separated by
blank lines and list items on their own lines, markers kept ("1.", "•").
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import urljoin

import nh3
from bs4 import NavigableString, Tag
from bs4.element import PreformattedString, Script, Stylesheet, TemplateString

ALLOWED_TAGS = frozenset(
    "a abbr b blockquote br caption cite code dd div dl dt em figcaption figure h2 h3 h4 h5 h6 hr i img "
    "li ol p pre q s small span strong sub sup table tbody td tfoot th thead tr u ul".split()
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Elements dropped with everything inside them, whatever the source's `remove` list says.
ALWAYS_REMOVE = ("script", "style", "noscript", "iframe", "form", "object", "embed", "template", "svg")
_CONTENT_DROPPED = {"script", "style", "noscript", "iframe", "object", "embed", "template", "svg", "math"}
_LAZY_SRC = ("data-lazy-src", "data-src", "data-original")


def absolutize_urls(root: Tag, base: str) -> None:
    """Make every ``href``/``src`` below ``root`` absolute; lazy-loaded images get their real src."""
    for img in root.find_all("img"):
        lazy = next((img[a] for a in _LAZY_SRC if img.get(a)), None)
        if lazy:
            img["src"] = lazy
    for attr in ("href", "src"):
        for el in root.find_all(attrs={attr: True}):
            value = str(el[attr]).strip()
            if value.lower().startswith(("javascript:", "data:", "mailto:", "tel:")):
                continue
            try:
                el[attr] = urljoin(base, value)
            except ValueError:  # unparseable ("http://[::1"): drop rather than keep a relative URL
                del el[attr]


MAX_DEPTH = 64  # elements nested deeper are flattened (their content kept): the sanitiser's time is linear
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


def inner_html(root: Tag, *, max_depth: int = MAX_DEPTH) -> str:
    """``root``'s content as HTML for :func:`sanitize_html`, elements nested deeper than
    ``max_depth`` below it left out (their text and shallower children kept). html5ever, behind nh3,
    takes time in the square of the nesting depth: 20,000 nested divs took seconds per body."""
    out: list[str] = []
    stack: list[tuple[object, int]] = [(child, 1) for child in reversed(root.contents)]
    while stack:
        node, depth = stack.pop()
        if depth < 0:  # an end tag queued below
            out.append(f"</{node}>")
        elif isinstance(node, Tag):
            if depth <= max_depth:
                out.append(_start_tag(node))
                if node.name not in _VOID:
                    stack.append((node.name, -1))
            stack.extend((child, depth + 1) for child in reversed(node.contents))
        elif isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
            out.append(escape(str(node), quote=False))
    return "".join(out)


def _start_tag(tag: Tag) -> str:
    attrs = "".join(
        f' {name}="{escape(" ".join(value) if isinstance(value, list) else str(value))}"'
        for name, value in sorted(tag.attrs.items())  # sorted, as BeautifulSoup writes them
    )
    return f"<{tag.name}{attrs}>"


def sanitize_html(fragment: str) -> str:
    """The allow-listed subset of ``fragment`` (URLs must already be absolute)."""
    cleaned = nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=_CONTENT_DROPPED,
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
    )
    return _BLANK_LINES.sub("\n", cleaned).strip()


# --------------------------------------------------------------------------- plain text

_BLOCKS = frozenset(
    "address article aside blockquote caption dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr main nav p pre section table".split()
)
_PARAGRAPH = "\x00"  # a paragraph break, resolved to a blank line at the end
_MARKER = re.compile(r"^\s*(?:\d{1,2}[.)]|[a-zA-Z][.)]|[•·▪◦●\-–*+])(?:\s|$)")
_LONE_MARKER = re.compile(r"^(\d{1,2}[.)]|[•·▪◦●\-–*+])\n+", re.MULTILINE)
_ANY_SPACE = re.compile(r"\s+")
_H_SPACE = re.compile(r"[^\S\n\x00]+")
_LINE_BREAK = re.compile(r"[ \n]*\n[ \n]*")
_PARA_BREAK = re.compile(r"[ \n\x00]*\x00[ \n\x00]*")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def element_text(root: Tag) -> str:
    """Plain text of ``root``: blank lines between blocks, one line per list item or ``<br>``."""
    parts: list[str] = []
    _walk(root, parts, in_item=False)
    text = _H_SPACE.sub(" ", "".join(parts))
    text = _PARA_BREAK.sub("\n\n", _LINE_BREAK.sub("\n", text)).strip()
    text = _LONE_MARKER.sub(r"\1 ", text)  # <li><p>text</p></li>: the marker joins its text
    return _join_list_paragraphs(text)


def _join_list_paragraphs(text: str) -> str:
    """Paragraphs that are list items ("1. ...", "• ...", pasted from Word) go on adjacent lines."""
    paragraphs = text.split("\n\n")
    out = paragraphs[:1]
    for para in paragraphs[1:]:
        if _MARKER.match(para) and _MARKER.match(out[-1].rsplit("\n", 1)[-1]):
            out[-1] += "\n" + para
        else:
            out.append(para)
    return "\n\n".join(out)


# A unit of the text walk: a string to emit, or (element, in_item, children_only).
_Work = str | tuple[Tag, bool, bool]


def _walk(node: Tag, out: list[str], *, in_item: bool) -> None:
    """Depth first with an explicit stack: a malformed page nested thousands of elements deep
    (unclosed tags) must not hit Python's recursion limit."""
    stack: list[_Work] = [(node, in_item, True)]
    while stack:
        work = stack.pop()
        if isinstance(work, str):
            out.append(work)
        else:
            tag, item, children_only = work
            stack.extend(reversed(_children_work(tag, item) if children_only else _tag_work(tag, item)))


def _children_work(node: Tag, in_item: bool) -> list[_Work]:
    work: list[_Work] = []
    for child in node.children:
        if isinstance(child, Tag):
            work.append((child, in_item, False))
        elif isinstance(child, NavigableString) and not isinstance(
            child, (PreformattedString, Script, Stylesheet, TemplateString)
        ):
            work.append(_ANY_SPACE.sub(" ", child))  # source line breaks are spaces, as in a browser
    return work


def _tag_work(tag: Tag, in_item: bool) -> list[_Work]:
    name, inner = tag.name, (tag, in_item, True)
    if name == "br":
        return ["\n"]
    if name in ("ul", "ol"):
        return _list_work(tag, in_item)
    if name == "tr":
        return ["\n", inner, "\n"]
    if name in ("td", "th"):
        return [" ", inner, " "]
    if name in _BLOCKS:
        brk = "\n" if in_item else _PARAGRAPH
        return [brk, inner, brk]
    return [inner]


def _list_work(tag: Tag, in_item: bool) -> list[_Work]:
    brk = "\n" if in_item else _PARAGRAPH
    work: list[_Work] = [brk]
    number = _list_start(tag)
    for child in tag.children:
        if not (isinstance(child, Tag) and child.name == "li"):
            if isinstance(child, Tag):
                work.append((child, True, False))
            continue
        work.append("\n")
        if not _MARKER.match(child.get_text(" ", strip=True)[:8]):
            work.append(f"{number}. " if tag.name == "ol" else "• ")
        number += 1
        work.append((child, True, True))
    work.append(brk)
    return work


def _list_start(tag: Tag) -> int:
    try:
        return int(str(tag.get("start", "1")))
    except ValueError:
        return 1
