"""The edge of publishing: read the store, render every feed, write the files atomically.

``publish_all`` is the only function of ``feeds.publish`` that does I/O; the renderers it calls
(``feed``, ``jsonfeed``, ``ical``, ``opml``) take values and return bytes.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from feeds.errors import PublishError
from feeds.models import Source, StoredArticle
from feeds.publish.entries import MAX_ENTRY_BYTES, Entry
from feeds.publish.feed import Builder, FeedMeta, build_atom, build_rss, feed_entries, fit_feed
from feeds.publish.jsonfeed import build_json_feed
from feeds.publish.ical import build_ics
from feeds.publish.opml import build_opml

if TYPE_CHECKING:
    from feeds.store import Store

log = logging.getLogger(__name__)

ICS_MAX_ARTICLES = 1000
MAX_FEED_BYTES = 5_000_000  # feeds.max_feed_bytes: older entries are left out of a feed above this


def write_atomic(path: Path, data: bytes) -> bool:
    """Replace ``path`` with ``data`` atomically (temp file in the same folder, fsync, rename).
    Returns False, touching nothing, when the file already holds these bytes."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise PublishError(f"cannot read {path}: {exc}; check the public folder's permissions") from exc
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise PublishError(f"cannot write in {path.parent}: {exc}; check that it is writable") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise PublishError(f"cannot write {path}: {exc}; check free space and permissions") from exc
    return True


@dataclass(frozen=True, slots=True)
class FeedFiles:
    """Where the feeds go and what they hold: ``public_dir`` (feeds/ and feeds.opml), the public
    ``base_url`` their links use, at most ``max_entries`` entries per feed, an entry's body cut at
    ``max_entry_bytes``, a feed no larger than ``max_feed_bytes`` (the newest entries that fit)."""

    public_dir: Path
    base_url: str
    max_entries: int
    max_entry_bytes: int = MAX_ENTRY_BYTES
    max_feed_bytes: int = MAX_FEED_BYTES

    def write(self, store: Store, sources: Sequence[Source]) -> list[Path]:
        """:func:`publish_all` with these settings."""
        return publish_all(store, sources, self.public_dir, base_url=self.base_url, max_entries=self.max_entries,
                           max_entry_bytes=self.max_entry_bytes, max_feed_bytes=self.max_feed_bytes)


@dataclass(frozen=True, slots=True)
class _FeedSpec:
    name: str  # file name without extension
    meta: FeedMeta  # self_url / feed_id are filled per format
    entries: Sequence[StoredArticle]
    formats: tuple[str, ...] = ("atom", "rss", "json")


def _specs(store: Store, sources: Sequence[Source], base: str, max_entries: int) -> Iterator[_FeedSpec]:
    home = f"{base}/"
    for source in sources:
        subtitle = f"News from {source.name}" if source.language.value == "en" else f"Tin mới từ {source.name}"
        meta = FeedMeta("", source.name, subtitle, "", source.url, source.language.value, source.name, source.timezone)
        yield _FeedSpec(source.id, meta, store.articles(source_id=source.id, limit=max_entries))
    names = ", ".join(s.name for s in sources)
    everything = FeedMeta("", "Tất cả tin – vncpc-feedbot", f"Tin mới từ mọi nguồn: {names}", "", home)
    yield _FeedSpec("all", everything, store.articles(limit=max_entries))
    events = FeedMeta("", "Sự kiện – vncpc-feedbot", "Tin bài về hội nghị, hội thảo, tập huấn và sự kiện khác", "", home)
    yield _FeedSpec("events", events, store.articles(with_events=True, limit=max_entries), ("atom", "json"))
    recs = FeedMeta("", "Kiến nghị – vncpc-feedbot", "Tin bài có kiến nghị, đề xuất, giải pháp", "", home)
    yield _FeedSpec("recommendations", recs, store.articles(with_recommendations=True, limit=max_entries),
                    ("atom", "json"))


def _fitted(build: Builder, entries: Sequence[StoredArticle], meta: FeedMeta, max_bytes: int,
            rendered: Sequence[Entry]) -> bytes:
    """The feed with as many of the newest entries as fit in ``max_bytes``; a WARNING when some are left out."""
    data, kept = fit_feed(build, entries, meta, max_bytes, rendered=rendered)
    if kept < len(entries):
        log.warning("feed over feeds.max_feed_bytes, older entries left out feed=%s kept=%d of=%d max_bytes=%d",
                    meta.self_url, kept, len(entries), max_bytes)
    return data


def publish_all(
    store: Store, sources: Sequence[Source], public_dir: Path, *, base_url: str, max_entries: int,
    max_entry_bytes: int = MAX_ENTRY_BYTES, max_feed_bytes: int = MAX_FEED_BYTES,
) -> list[Path]:
    """Write every feed under ``public_dir/feeds/``, ``public_dir/feeds.opml`` (the Atom feeds) and
    ``public_dir/feeds-json.opml`` (their JSON Feed twins); an entry's body is cut at
    ``max_entry_bytes``, a feed keeps the newest entries that fit in ``max_feed_bytes``. Each feed's
    entries are made once and rendered in every format. Returns every published path (unchanged
    files are left untouched)."""
    builders: dict[str, Builder] = {"atom": build_atom, "rss": build_rss, "json": build_json_feed}
    base = base_url.rstrip("/")
    feeds_dir = public_dir / "feeds"
    outputs: list[tuple[Path, bytes]] = []
    listed: dict[str, list[FeedMeta]] = {"atom": [], "json": []}
    for spec in _specs(store, sources, base, max_entries):
        shared = replace(spec.meta, max_entry_bytes=max_entry_bytes)
        rendered = feed_entries(spec.entries, shared)
        for fmt in spec.formats:
            url = f"{base}/feeds/{spec.name}.{fmt}"
            atom_url = f"{base}/feeds/{spec.name}.atom"
            meta = replace(shared, feed_id=atom_url, self_url=url)
            data = _fitted(builders[fmt], spec.entries, meta, max_feed_bytes, rendered)
            outputs.append((feeds_dir / f"{spec.name}.{fmt}", data))
            listed.get(fmt, []).append(meta)
    calendar = build_ics(store.articles(with_events=True, limit=ICS_MAX_ARTICLES))
    outputs.append((feeds_dir / "events.ics", calendar))
    outputs.append((public_dir / "feeds.opml", build_opml(listed["atom"])))
    outputs.append((public_dir / "feeds-json.opml", build_opml(listed["json"], title="vncpc-feedbot (JSON Feed)")))
    changed = sum(write_atomic(path, data) for path, data in outputs)
    log.info("published feeds files=%d changed=%d dir=%s", len(outputs), changed, public_dir)
    return [path for path, _ in outputs]
