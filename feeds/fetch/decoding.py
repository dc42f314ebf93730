"""Content-Encoding decoding with bounded memory, layer by layer.

A hostile site can stack encodings (``Content-Encoding: gzip, gzip``): a few kilobytes that expand
to gigabytes. httpx decodes every layer of a chunk before a caller can count anything, so the
fetcher reads the raw bytes and decodes them here instead: each layer hands on at most
:data:`PIECE` bytes at a time, and every layer's output is counted as it streams. When any layer
has produced more than the cap, decoding stops with :class:`TooLarge`: memory stays near
``cap`` plus a few pieces whatever the stack.

Supported: ``gzip`` / ``x-gzip`` (several members too), ``deflate`` (zlib-wrapped or raw),
``br`` (when the ``brotli`` package is installed) and ``identity``. Anything else is
:class:`Unsupported`.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

try:  # optional: brotli >= 1.2 bounds its output (output_buffer_limit)
    import brotli as _brotli

    _BROTLI = hasattr(_brotli.Decompressor(), "can_accept_more_data")
except ImportError:  # pragma: no cover - depends on the installation
    _brotli = None
    _BROTLI = False

__all__ = ["ACCEPT_ENCODING", "DecodeError", "TooLarge", "Unsupported", "decode_stream", "encodings"]

PIECE = 64 * 1024  # the most one layer hands on at a time
ACCEPT_ENCODING = "gzip, deflate, br" if _BROTLI else "gzip, deflate"


class DecodeError(Exception):
    """The body is not valid for its Content-Encoding."""


class TooLarge(DecodeError):
    """A layer produced more than the cap."""


class Unsupported(DecodeError):
    """A Content-Encoding we cannot decode with bounded memory."""


def encodings(header: str | None) -> list[str]:
    """The encodings of a Content-Encoding header, in the order they were applied."""
    names = [part.strip().lower() for part in (header or "").split(",")]
    return [name for name in names if name and name != "identity"]


def decode_stream(raw: Iterable[bytes], header: str | None, cap: int) -> Iterator[bytes]:
    """The decoded body of ``raw`` (the bytes as sent) in pieces; :class:`TooLarge` as soon as the
    raw bytes or any layer's output pass ``cap``."""
    layers = [_layer(name) for name in reversed(encodings(header))]  # the last applied is undone first
    stream: Iterator[bytes] = _counted(iter(raw), cap, "raw")
    for layer, name in zip(layers, reversed(encodings(header)), strict=True):
        stream = _counted(layer(stream), cap, name)
    return stream


def _counted(pieces: Iterator[bytes], cap: int, layer: str) -> Iterator[bytes]:
    total = 0
    for piece in pieces:
        total += len(piece)
        if total > cap:
            raise TooLarge(f"the {layer} layer passed {cap:,} bytes")
        if piece:
            yield piece


def _layer(name: str):  # -> Callable[[Iterator[bytes]], Iterator[bytes]]
    if name in ("gzip", "x-gzip"):
        return _gzip
    if name == "deflate":
        return _deflate
    if name == "br" and _BROTLI:
        return _br
    raise Unsupported(f"Content-Encoding {name!r} is not supported")


def _inflate(decoder, data: bytes) -> Iterator[bytes]:  # decoder: zlib decompressobj
    """Everything ``data`` decodes to, PIECE bytes at a time."""
    try:
        out = decoder.decompress(data, PIECE)
        while True:
            yield out
            if len(out) < PIECE and not decoder.unconsumed_tail:
                return
            out = decoder.decompress(decoder.unconsumed_tail, PIECE)
    except zlib.error as exc:
        raise DecodeError(f"invalid compressed data ({exc})") from None


def _gzip(pieces: Iterator[bytes]) -> Iterator[bytes]:
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    for piece in pieces:
        data = piece
        while data:
            yield from _inflate(decoder, data)
            data = b""
            if decoder.eof and decoder.unused_data[:2] == b"\x1f\x8b":  # another gzip member follows
                data, decoder = decoder.unused_data, zlib.decompressobj(16 + zlib.MAX_WBITS)


def _deflate(pieces: Iterator[bytes]) -> Iterator[bytes]:
    decoder = None
    for piece in pieces:
        if decoder is None:  # "deflate" is zlib-wrapped by the standard, raw deflate by some servers
            zlib_header = len(piece) >= 2 and piece[0] & 0x0F == 8 and (piece[0] << 8 | piece[1]) % 31 == 0
            decoder = zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)
        yield from _inflate(decoder, piece)


def _br(pieces: Iterator[bytes]) -> Iterator[bytes]:
    assert _brotli is not None
    decoder = _brotli.Decompressor()
    try:
        for piece in pieces:
            out = decoder.process(piece, output_buffer_limit=PIECE)
            yield out
            while not decoder.can_accept_more_data():
                yield decoder.process(b"", output_buffer_limit=PIECE)
    except _brotli.error as exc:
        raise DecodeError(f"invalid brotli data ({exc})") from None
