"""Publishing: stored articles -> Atom / RSS (``feed``), JSON Feed (``jsonfeed``), iCalendar (``ical``) and OPML (``opml``)
documents, each entry's content built by ``entries``; all of them pure. ``files.publish_all``
is the edge: it reads the store and writes the files atomically.
"""

from feeds.publish.entries import clean_xml_text, entry_summary
from feeds.publish.feed import FeedMeta, build_atom, build_rss
from feeds.publish.files import FeedFiles, publish_all, write_atomic
from feeds.publish.ical import build_ics, event_uid
from feeds.publish.jsonfeed import build_json_feed
from feeds.publish.opml import build_opml

__all__ = [
    "FeedFiles", "FeedMeta", "build_atom", "build_ics", "build_json_feed", "build_opml", "build_rss", "clean_xml_text", "entry_summary",
    "event_uid", "publish_all", "write_atomic",
]
