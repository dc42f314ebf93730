"""Text hygiene: bytes to text, one Unicode form, matching keys, sentence splitting.

Pure functions, no I/O. Vietnamese pages come in several shapes: UTF-8 or windows-1258 (which
writes tones as combining marks), composed or decomposed, with the tone of "hoà"/"hòa" in either
place. Everything downstream sees one form: NFC with the traditional tone placement.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from collections.abc import Iterator

from charset_normalizer import from_bytes

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- decoding

_SNIFF_BYTES = 4096
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([\w.:+-]+)""", re.IGNORECASE)
# Covers <meta charset="x"> and <meta http-equiv="Content-Type" content="text/html; charset=x">.
_META_CHARSET = re.compile(rb"""<meta\b[^>]{0,512}?charset\s*=\s*["']?\s*([\w.:+-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# windows-1258 writes tones as combining marks after a vowel: bytes CC EC D2 DE F2.
_CP1258_TONE = re.compile(rb"[\xcc\xec\xd2\xde\xf2]")
_CP1258_TONED_VOWEL = re.compile(rb"[aeiouyAEIOUY\xc2\xc3\xca\xd4\xd5\xdd\xe2\xe3\xea\xf4\xf5\xfd][\xcc\xec\xd2\xde\xf2]")
# As browsers do (WHATWG Encoding): these labels mean windows-1252.
_AS_CP1252 = {"iso8859-1", "ascii"}


def decode_html(content: bytes, content_type: str | None = None) -> str:
    """Decode a fetched page: BOM, HTTP charset, ``<meta>`` charset, then detection. Never raises.

    Bytes that are valid UTF-8 (and not plain ASCII) are read as UTF-8 even when a legacy
    single-byte charset is declared: that declaration is wrong (a common WordPress misconfiguration).
    """
    if isinstance(content, str):
        return normalize(content)
    data = bytes(content or b"")
    for codec in _candidate_codecs(data, content_type):
        try:
            return normalize(data.decode(codec))
        except (UnicodeError, LookupError):  # UnicodeError: codecs such as "undefined" or "punycode"
            log.debug("page does not decode as %s; trying the next charset", codec)
    detected = _detect(data)
    if detected is not None:
        return normalize(detected)
    return normalize(data.decode("utf-8", errors="replace"))


def _candidate_codecs(data: bytes, content_type: str | None) -> Iterator[str]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            yield codec
    if not data.isascii() and _is_utf8(data):
        yield "utf-8"
    header = _HTTP_CHARSET.search(content_type or "")
    meta = _META_CHARSET.search(data[:_SNIFF_BYTES])
    for label in (header.group(1) if header else None, meta.group(1).decode("ascii", "replace") if meta else None):
        codec = _codec(label)
        if codec is not None:
            yield codec
    if _looks_cp1258(data):  # detection guesses wrong on short Vietnamese texts
        yield "cp1258"


def _codec(label: str | None) -> str | None:
    """The Python codec for a declared charset label, or None when unknown or unusable."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        log.info("unknown charset %r declared; ignoring it", label)
        return None
    if name.startswith(("utf-16", "utf-32")):  # declared without a BOM: never true for HTML text
        return None
    return "cp1252" if name in _AS_CP1252 else name


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _looks_cp1258(data: bytes) -> bool:
    """Every tone byte follows a vowel, as in windows-1258 Vietnamese."""
    tones = len(_CP1258_TONE.findall(data))
    return tones > 0 and tones == len(_CP1258_TONED_VOWEL.findall(data))


def _detect(data: bytes) -> str | None:
    """Guess the charset with charset-normalizer (it knows windows-1258)."""
    try:
        best = from_bytes(data).best()
    except Exception:  # a third-party heuristic must never take the pipeline down
        log.warning("charset detection failed", exc_info=True)
        return None
    return None if best is None else str(best)


# --------------------------------------------------------------------------- normalising

_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u200b\ufeff\ud800-\udfff]")
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng


def _toned(vowels: str) -> str:
    return "".join(unicodedata.normalize("NFC", v + t) for v in vowels for t in _TONE_MARKS)


# oa / oe / uy closing a syllable (no final consonant, no further vowel) after a Vietnamese
# initial: the traditional form puts the tone on the first vowel ("hoà" -> "hòa", "thuỷ" -> "thủy").
# "q" is not an initial here: in "quý" the u belongs to "qu" and the tone stays on y.
_NEW_STYLE_TONE = re.compile(
    r"(?<!\w)((?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|[bcdđghklmnprstvx])?)"
    rf"(?:([oO])([{_toned('aeAE')}])|([uU])([{_toned('yY')}]))(?!\w)",
    re.IGNORECASE,
)


def _traditional(match: re.Match[str]) -> str:
    initial, first, toned = match.group(1), match.group(2) or match.group(4), match.group(3) or match.group(5)
    base, mark = unicodedata.normalize("NFD", toned)
    return initial + unicodedata.normalize("NFC", first + mark) + base


# The part of _NEW_STYLE_TONE that cannot be missing: a cheap scan that lets text written in the
# traditional style (most Vietnamese news) skip the full pattern, which is tried at every position.
# (A toned vowel first, then a look back: the engine's fast scan for one character class.)
_TONED_AE = frozenset(_toned("aeAE"))
_NEW_STYLE_CANDIDATE = re.compile(rf"[{_toned('aeAEyY')}](?<=[oOuU].)")
_BREAK_CHARS = "\r\x0b\x0c\x85\u2028\u2029"


def normalize(text: str) -> str:
    """NFC, traditional tone placement, line breaks as ``\\n``, other control characters removed."""
    if any(c in text for c in _BREAK_CHARS):
        text = _LINE_BREAKS.sub("\n", text)
    text = unicodedata.normalize("NFC", _CONTROLS.sub("", text))
    if not _has_new_style_pair(text):
        return text
    return _NEW_STYLE_TONE.sub(_traditional, text)


def _has_new_style_pair(text: str) -> bool:
    """Whether the text holds "o" + toned a/e or "u" + toned y anywhere ("của", "quý" do not count)."""
    for match in _NEW_STYLE_CANDIDATE.finditer(text):
        start = match.start()
        after_o = text[start - 1] in "oO"
        if after_o == (match.group() in _TONED_AE) and (after_o or start < 2 or text[start - 2] not in "qQ"):
            return True
    return False


def fold(text: str) -> str:
    """A matching key: lower case, no diacritics, "đ" as "d", single spaces."""
    decomposed = unicodedata.normalize("NFD", normalize(text).casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d")
    return " ".join(bare.split())


_SPACE_RUN = re.compile("[^\\S\n]+")
_BLANK_RUN = re.compile("\n{3,}")


def clean_whitespace(text: str) -> str:
    """Collapse runs of spaces and tabs, trim every line, keep at most one blank line."""
    lines = (_SPACE_RUN.sub(" ", line).strip() for line in _LINE_BREAKS.sub("\n", text).split("\n"))
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip()


# --------------------------------------------------------------------------- sentences

_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n")
_TERMINATOR = re.compile(r"[.!?…]+")
# After a terminator: closing quotes/brackets, whitespace, an optional opening quote, the next character.
_AFTER_TERMINATOR = re.compile(r"""[\"'”’»)\]]*(\s+)[\"“‘«(\[]?(\S)""")
_LINE_END = (".", "!", "?", "…", ":", ";")
# Lower-cased tokens that end with a dot without ending a sentence.
_ABBREVIATIONS = frozenset(
    "tp tx tt q p h x pgs gs ts ths ks bs cn ncs kts nxb tr sđd "
    "mr mrs ms dr prof st jr sr no nos vol vs co ltd corp dept approx fig "
    "e.g i.e cf viz".split()
)
_LIST_LABEL = re.compile(r"(?:\d{1,3}(?:\.\d{1,3})*|[a-zA-Z]|[IVXLC]{1,6})")
_TOKEN_LOOKBACK = 48


def split_sentences(text: str) -> list[str]:
    """Split text into sentences, knowing Vietnamese abbreviations ("TP.", "PGS.TS.", "Q.1").

    A sentence ends at . ! ? … followed by whitespace and an upper-case letter, at a line break
    (unless the next line continues the sentence in lower case) and always at a blank line.
    Linear in the length of the text.
    """
    sentences: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        for line in _join_wrapped_lines(paragraph):
            sentences.extend(_split_line(line))
    return sentences


def _join_wrapped_lines(paragraph: str) -> list[str]:
    """Lines of a paragraph; a line starting in lower case continues an unfinished previous one."""
    lines: list[list[str]] = []
    for raw in paragraph.split("\n"):
        line = raw.strip()
        if not line:
            continue
        if lines and line[0].islower() and not lines[-1][-1].endswith(_LINE_END):
            lines[-1].append(line)
        else:
            lines.append([line])
    return [" ".join(pieces) for pieces in lines]


def _split_line(line: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _TERMINATOR.finditer(line):
        after = _AFTER_TERMINATOR.match(line, match.end())
        if after is None or not after.group(2).isupper():
            continue
        if match.group() == "." and not _ends_sentence(line, match.start()):
            continue
        end = after.start(1)
        parts.append(line[start:end].strip())
        start = end
    parts.append(line[start:].strip())
    return [part for part in parts if part]


def _ends_sentence(line: str, dot: int) -> bool:
    """Whether the single dot at ``dot`` (followed by space + capital) closes a sentence."""
    window = line[max(0, dot - _TOKEN_LOOKBACK) : dot]
    token = window.rsplit(None, 1)[-1] if window.strip() else ""
    bare = token.lstrip("\"'“‘«([")
    if not bare:
        return True
    last = bare.rsplit(".", 1)[-1]
    if bare.lower() in _ABBREVIATIONS or last.lower() in _ABBREVIATIONS:
        return False  # "TP.", "PGS.TS.", "e.g."
    if len(last) == 1 and last.isupper():
        return False  # initials: "Nguyễn V. An", "Th.S.", "U.S."
    before = window[: len(window) - len(token)].rstrip()
    at_label_position = not before or before.endswith((":", ";", ",", "-", "–", "•"))
    return not (at_label_position and _LIST_LABEL.fullmatch(bare))

