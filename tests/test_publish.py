"""feeds.publish: golden feeds, feedparser, RFC 4287 structure, iCalendar, atomic writes.

Regenerate the golden files with FEEDBOT_REGEN_GOLDEN=1.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
from icalendar import Calendar
from lxml import etree

from feeds.models import (
    Article,
    DatePrecision,
    Event,
    EventKind,
    EventStatus,
    Extraction,
    Language,
    ListingSelectors,
    Recommendation,
    Source,
    StoredArticle,
)
from feeds.publish import (
    FeedMeta,
    build_atom,
    build_ics,
    build_opml,
    build_rss,
    entry_summary,
    event_uid,
    publish_all,
    write_atomic,
)
from feeds.present import display_name
from feeds.store import Store, database_url

GOLDEN = Path(__file__).parent / "golden" / "publish"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
SEEN = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
ATOM = "{http://www.w3.org/2005/Atom}"

REPORT = Article(
    url="https://vncpc.org/tin-tuc/hoi-thao-tiet-kiem-nang-luong-nganh-det-may/",
    source_id="vncpc-vi",
    title="Hội thảo tiết kiệm năng lượng ngành dệt may tại Đà Nẵng",
    published=dt.datetime(2026, 2, 12, 9, 5, tzinfo=VN),
    body_html=(
        "<p>Trong 2 ngày 10 và 11/2 vừa qua, Hội thảo Tiết kiệm năng lượng ngành dệt may đã diễn ra "
        "tại Khách sạn Biển Xanh, TP Đà Nẵng.</p><script>alert(1)</script>"
        '<p onclick="steal()">Hội thảo đã thống nhất một số kiến nghị:</p>'
        '<iframe src="https://example.com/x"></iframe>'
    ),
    body_text=(
        "Trong 2 ngày 10 và 11/2 vừa qua, Hội thảo Tiết kiệm năng lượng ngành dệt may đã diễn ra tại "
        "Khách sạn Biển Xanh, TP Đà Nẵng.\n\nHội thảo đã thống nhất một số kiến nghị:"
    ),
    author="Ngọc Lan",
    categories=("Tin tức", "Hoạt động"),
    extraction=Extraction(
        events=(
            Event(
                name="Hội thảo Tiết kiệm năng lượng ngành dệt may",
                kind=EventKind.WORKSHOP,
                start=dt.date(2026, 2, 10),
                end=dt.date(2026, 2, 11),
                location="Khách sạn Biển Xanh, TP Đà Nẵng",
                province="Đà Nẵng",
                organizers=("Trung tâm Sản xuất sạch Việt Nam", "Hiệp hội Dệt may"),
                participants=80,
            ),
        ),
        recommendations=(
            Recommendation(1, "Doanh nghiệp cần kiểm toán năng lượng định kỳ.", (), "1."),
            Recommendation(2, "Nhà nước cần hỗ trợ:", ("Vốn vay ưu đãi;", "Chuyên gia tư vấn."), "2."),
        ),
        summary="Hội thảo Tiết kiệm năng lượng ngành dệt may diễn ra tại Đà Nẵng với kiến nghị hỗ trợ doanh nghiệp.",
    ),
)
ANNOUNCEMENT = Article(
    url="https://vncpc.org/tin-tuc/thong-bao-khoa-tap-huan-kiem-ke-khi-nha-kinh/",
    source_id="vncpc-vi",
    title="Thông báo khóa tập huấn kiểm kê khí nhà kính\x0b cho doanh nghiệp",
    published=dt.datetime(2026, 2, 20, 14, 30, tzinfo=VN),
    body_html="<p>Khóa tập huấn sẽ diễn ra sáng ngày 17/3 tại Hà Nội. Hội nghị tổng kết dự kiến vào tháng 6.</p>",
    body_text="Khóa tập huấn sẽ diễn ra sáng ngày 17/3 tại Hà Nội.\x01 Hội nghị tổng kết dự kiến vào tháng 6.",
    categories=("Thông báo",),
    extraction=Extraction(
        events=(
            Event(
                name="Khóa tập huấn kiểm kê khí nhà kính",
                kind=EventKind.TRAINING,
                start=dt.date(2026, 3, 17),
                end=dt.date(2026, 3, 17),
                year_inferred=True,
                time_of_day=dt.time(8, 0),
                province="Hà Nội",
                status=EventStatus.UPCOMING,
            ),
            Event(
                name="Hội nghị tổng kết",
                kind=EventKind.CONFERENCE,
                start=dt.date(2026, 6, 1),
                precision=DatePrecision.MONTH,
                status=EventStatus.UPCOMING,
            ),
        ),
    ),
)
PLAIN = Article(
    url="https://vncpc.org/tin-tuc/nha-may-giay-giam-nuoc-thai/",
    source_id="vncpc-vi",
    title="Nhà máy giấy giảm 30% nước thải nhờ sản xuất sạch hơn",
    published=dt.datetime(2026, 1, 5, 8, 20, tzinfo=VN),
    modified=dt.datetime(2026, 1, 6, 10, 0, tzinfo=VN),
    body_html='<p>Nhà máy giấy ở Phú Thọ <a href="/du-an/">áp dụng</a> các giải pháp.</p><img src="anh-1.jpg">',
    body_text=" ".join(["Nhà máy giấy ở Phú Thọ áp dụng các giải pháp tuần hoàn nước và thu hồi bột giấy."] * 8),
)
ENGLISH = Article(
    url="https://vncpc.org/en/news/green-industry-forum-hanoi/",
    source_id="vncpc-en",
    title="Green Industry Forum held in Hanoi",
    published=dt.datetime(2026, 2, 25, 16, 0, tzinfo=VN),
    body_html="<p>The forum on 24 February gathered 150 delegates.</p>",
    body_text="The forum on 24 February gathered 150 delegates.",
    language=Language.EN,
    extraction=Extraction(
        events=(
            Event(
                name="Green Industry Forum",
                kind=EventKind.FORUM,
                start=dt.date(2026, 2, 24),
                location="Melia Hotel, Hanoi",
                province="Hà Nội",
                participants=150,
            ),
        ),
        summary="The Green Industry Forum gathered 150 delegates in Hanoi.",
    ),
)


def stored(n: int, article: Article, *, changed: bool = False) -> StoredArticle:
    updated = SEEN + dt.timedelta(days=3) if changed else SEEN
    return StoredArticle(id=n, article=article, first_seen=SEEN, updated=updated, content_hash=f"hash-{n}")


VI_ENTRIES = [stored(1, PLAIN), stored(2, REPORT, changed=True), stored(3, ANNOUNCEMENT)]
ALL_ENTRIES = [*VI_ENTRIES, stored(4, ENGLISH)]
BASE = "https://feeds.example.org"
VI_META = FeedMeta(
    feed_id=f"{BASE}/feeds/vncpc-vi.atom",
    title="VNCPC – Tin tức",
    subtitle="Tin mới từ VNCPC",
    self_url=f"{BASE}/feeds/vncpc-vi.atom",
    site_url="https://vncpc.org/tin-tuc/",
    language="vi",
)


def check_golden(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("FEEDBOT_REGEN_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert data == path.read_bytes(), f"{name} differs from its golden file; FEEDBOT_REGEN_GOLDEN=1 to update"


def rss_meta(meta: FeedMeta) -> FeedMeta:
    return FeedMeta(meta.feed_id, meta.title, meta.subtitle, meta.self_url.replace(".atom", ".rss"),
                    meta.site_url, meta.language)  # fmt: skip


# --------------------------------------------------------------------------- golden + determinism


def test_golden_atom_rss_ics_opml() -> None:
    check_golden("vncpc-vi.atom", build_atom(VI_ENTRIES, VI_META))
    check_golden("vncpc-vi.rss", build_rss(VI_ENTRIES, rss_meta(VI_META)))
    check_golden("events.ics", build_ics(ALL_ENTRIES))
    check_golden("feeds.opml", build_opml([VI_META]))


def test_empty_feed_golden_and_valid() -> None:
    data = build_atom([], VI_META)
    check_golden("empty.atom", data)
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0 and parsed.entries == []
    assert parsed.feed.updated_parsed[:3] == (1970, 1, 1)
    assert_atom_structure(data)


def test_builds_are_deterministic() -> None:
    assert build_atom(VI_ENTRIES, VI_META) == build_atom(list(reversed(VI_ENTRIES)), VI_META)
    assert build_rss(ALL_ENTRIES, VI_META) == build_rss(ALL_ENTRIES, VI_META)
    assert build_ics(ALL_ENTRIES) == build_ics(list(reversed(ALL_ENTRIES)))


# --------------------------------------------------------------------------- feedparser


def test_atom_parses_with_the_right_entries() -> None:
    parsed = feedparser.parse(build_atom(VI_ENTRIES, VI_META))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert [e.id for e in parsed.entries] == [ANNOUNCEMENT.url, REPORT.url, PLAIN.url]  # newest first
    report = parsed.entries[1]
    assert report.published == "2026-02-12T09:05:00+07:00"
    assert report.updated == "2026-03-05T08:00:00+07:00"  # content changed after first seen
    assert report.author == "Ngọc Lan"
    assert [t.term for t in report.tags] == ["Tin tức", "Hoạt động", "event", "recommendation"]
    assert report.summary == REPORT.extraction.summary
    html = report.content[0].value
    assert "<script" not in html and "onclick" not in html and "<iframe" not in html
    assert html.index("Thời gian:") < html.index("10–11/2/2026") < html.index("Trong 2 ngày")
    assert "<ol><li>Doanh nghiệp cần" in html and "<ul><li>Vốn vay ưu đãi;</li>" in html
    assert parsed.entries[2].updated == "2026-01-06T10:00:00+07:00"  # the page's own modified time
    plain = parsed.entries[2].content[0].value
    assert 'href="https://vncpc.org/du-an/"' in plain  # relative URLs made absolute
    assert 'src="https://vncpc.org/tin-tuc/nha-may-giay-giam-nuoc-thai/anh-1.jpg"' in plain
    assert parsed.feed.updated == "2026-03-05T08:00:00+07:00"  # newest entry's updated


def test_control_characters_are_stripped() -> None:
    parsed = feedparser.parse(build_atom(VI_ENTRIES, VI_META))
    assert parsed.entries[0].title == "Thông báo khóa tập huấn kiểm kê khí nhà kính cho doanh nghiệp"
    assert "\x01" not in parsed.entries[0].summary


def test_summary_falls_back_to_the_first_300_characters() -> None:
    summary = entry_summary(PLAIN)
    assert summary.endswith("…") and len(summary) <= 301
    assert PLAIN.body_text.startswith(summary[:-1])


def test_rss_parses_with_guids_and_content() -> None:
    data = build_rss(ALL_ENTRIES, rss_meta(VI_META))
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert [e.id for e in parsed.entries] == [ENGLISH.url, ANNOUNCEMENT.url, REPORT.url, PLAIN.url]
    assert parsed.entries[0].published == "Wed, 25 Feb 2026 16:00:00 +0700"
    assert "Green Industry Forum" in parsed.entries[0].content[0].value
    root = etree.fromstring(data)
    channel = root.find("channel")
    for tag in ("title", "link", "description"):
        assert channel.findtext(tag), tag
    assert channel.findtext("link") == VI_META.site_url
    assert channel.find(f"{ATOM}link[@rel='self']").get("href") == f"{BASE}/feeds/vncpc-vi.rss"
    for item in channel.iter("item"):
        assert item.find("guid").get("isPermaLink") == "true" and item.findtext("guid") == item.findtext("link")


# --------------------------------------------------------------------------- RFC 4287 structure


def assert_atom_structure(data: bytes) -> None:
    feed = etree.fromstring(data)
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{tag}")) == 1, tag
    assert len(feed.findall(f"{ATOM}link[@rel='self']")) == 1
    feed_author = feed.find(f"{ATOM}author/{ATOM}name") is not None
    for entry in feed.findall(f"{ATOM}entry"):
        for tag in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{tag}")) == 1, tag
        alternates = [ln for ln in entry.findall(f"{ATOM}link") if ln.get("rel", "alternate") == "alternate"]
        assert len(alternates) == 1  # a link without rel is rel="alternate" (RFC 4287 4.2.7.2)
        assert feed_author or entry.find(f"{ATOM}author/{ATOM}name") is not None
        assert entry.find(f"{ATOM}content").get("type") == "html"
        for stamp in ("updated", "published"):
            assert dt.datetime.fromisoformat(entry.findtext(f"{ATOM}{stamp}")).utcoffset() == dt.timedelta(hours=7)


def test_atom_follows_rfc4287() -> None:
    assert_atom_structure(build_atom(ALL_ENTRIES, VI_META))


# --------------------------------------------------------------------------- iCalendar


def test_ics_events() -> None:
    calendar = Calendar.from_ical(build_ics(ALL_ENTRIES))
    assert str(calendar["prodid"]) == "-//vncpc-feedbot//events//EN"
    events = calendar.walk("VEVENT")
    # the month-precision "Hội nghị tổng kết" is left out; sorted by start
    assert [str(e["summary"]) for e in events] == [
        "Hội thảo Tiết kiệm năng lượng ngành dệt may",
        "Green Industry Forum",
        "Khóa tập huấn kiểm kê khí nhà kính",
    ]
    workshop, forum, training = events
    assert workshop.decoded("dtstart") == dt.date(2026, 2, 10)
    assert workshop.decoded("dtend") == dt.date(2026, 2, 12)  # exclusive
    assert forum.decoded("dtend") == dt.date(2026, 2, 25)  # single day, no end given
    assert training.decoded("dtend") == dt.date(2026, 3, 18)
    assert str(workshop["uid"]) == event_uid(REPORT.url, 0)
    assert str(workshop["uid"]).endswith("-0@vncpc-feedbot") and len(str(workshop["uid"]).split("-")[0]) == 16
    assert str(workshop["location"]) == "Khách sạn Biển Xanh, TP Đà Nẵng"
    assert str(training["location"]) == "Hà Nội"
    assert str(workshop["url"]) == REPORT.url
    assert REPORT.extraction.summary in str(workshop["description"]) and REPORT.url in str(workshop["description"])
    assert workshop.decoded("dtstamp") == SEEN + dt.timedelta(days=3)


def test_an_event_whose_year_is_a_guess_is_marked_in_feeds_and_left_off_the_calendar() -> None:
    guess = Event(name="Hội nghị bàn tròn về tiêu dùng bền vững", kind=EventKind.CONFERENCE, start=dt.date(2026, 9, 27),
                  end=dt.date(2026, 9, 28), year_inferred=True, year_guessed=True, location="TP Đà Nẵng", province="Đà Nẵng")
    undated = replace(REPORT, url="https://vncpc.org/tin-tuc/ban-tron/", date_is_guess=True,
                      extraction=Extraction(events=(guess,)))
    stored = StoredArticle(9, undated, SEEN, SEEN, "h")
    assert Calendar.from_ical(build_ics([stored])).walk("VEVENT") == []
    meta = FeedMeta("https://feeds.example.org/feeds/x.atom", "x", "x", "https://vncpc.org/", "https://feeds.example.org/feeds/x.atom")
    (entry,) = feedparser.parse(build_atom([stored], meta)).entries
    assert "27–28/9 (chưa rõ năm)" in entry.content[0].value and "2026" not in entry.content[0].value
    assert "published" not in entry  # when it was first seen is no publication date
    (item,) = feedparser.parse(build_rss([stored], meta)).entries
    assert "published" not in item


# --------------------------------------------------------------------------- files


def test_write_atomic(tmp_path: Path) -> None:
    path = tmp_path / "feeds" / "all.atom"
    assert write_atomic(path, b"<feed/>") is True
    stamp = path.stat().st_mtime_ns
    assert write_atomic(path, b"<feed/>") is False
    assert path.stat().st_mtime_ns == stamp
    assert write_atomic(path, b"<feed>2</feed>") is True
    assert path.read_bytes() == b"<feed>2</feed>"
    assert sorted(p.name for p in path.parent.iterdir()) == ["all.atom"]  # no temp files left


def make_source(source_id: str, name: str, url: str, language: Language) -> Source:
    return Source(id=source_id, name=name, url=url, listing=ListingSelectors(item=".post"), language=language)


def test_publish_all(tmp_path: Path) -> None:
    sources = [
        make_source("vncpc-vi", "VNCPC – Tin tức", "https://vncpc.org/tin-tuc/", Language.VI),
        make_source("vncpc-en", "VNCPC – News", "https://vncpc.org/en/news/", Language.EN),
    ]
    with Store.open(database_url(tmp_path / "data")) as store:
        store.upsert_articles("vncpc-vi", [PLAIN, REPORT, ANNOUNCEMENT], now=SEEN)
        store.upsert_articles("vncpc-en", [ENGLISH], now=SEEN)
        public = tmp_path / "public"
        paths = publish_all(store, sources, public, base_url=BASE + "/", max_entries=2)
        names = sorted(str(p.relative_to(public)) for p in paths)
        assert names == sorted(
            ["feeds.opml", "feeds-json.opml", "feeds/events.ics", "feeds/events.atom", "feeds/events.json",
             "feeds/recommendations.atom", "feeds/recommendations.json"]
            + [f"feeds/{n}.{ext}" for n in ("vncpc-vi", "vncpc-en", "all") for ext in ("atom", "rss", "json")]
        )
        stamps = {p: p.stat().st_mtime_ns for p in paths}
        assert publish_all(store, sources, public, base_url=BASE, max_entries=2) == paths
        assert {p: p.stat().st_mtime_ns for p in paths} == stamps  # unchanged bytes are not rewritten

    feeds = {p.name: feedparser.parse(p.read_bytes()) for p in paths if p.suffix in (".atom", ".rss")}
    assert all(f.bozo == 0 for f in feeds.values())
    assert [e.id for e in feeds["vncpc-vi.atom"].entries] == [ANNOUNCEMENT.url, REPORT.url]  # max_entries
    assert [e.id for e in feeds["all.atom"].entries] == [ENGLISH.url, ANNOUNCEMENT.url]
    assert {e.id for e in feeds["events.atom"].entries} == {ENGLISH.url, ANNOUNCEMENT.url}
    assert [e.id for e in feeds["recommendations.atom"].entries] == [REPORT.url]
    assert feeds["vncpc-en.atom"].feed.language == "en"
    self_links = [ln.href for ln in feeds["vncpc-vi.rss"].feed.links if ln.rel == "self"]
    assert self_links == [f"{BASE}/feeds/vncpc-vi.rss"]
    for name in ("vncpc-vi.atom", "all.atom", "events.atom"):
        assert_atom_structure((public / "feeds" / name).read_bytes())
    calendar = Calendar.from_ical((public / "feeds" / "events.ics").read_bytes())
    assert len(calendar.walk("VEVENT")) == 3
    opml = etree.fromstring((public / "feeds.opml").read_bytes())
    assert [o.get("xmlUrl") for o in opml.iter("outline")] == [
        f"{BASE}/feeds/{n}.atom" for n in ("vncpc-vi", "vncpc-en", "all", "events", "recommendations")
    ]


@pytest.mark.parametrize("builder", [build_atom, build_rss])
def test_empty_feeds_parse(builder) -> None:
    assert feedparser.parse(builder([], VI_META)).bozo == 0


def test_publish_all_on_an_empty_store(tmp_path: Path) -> None:
    source = make_source("vncpc-vi", "VNCPC – Tin tức", "https://vncpc.org/tin-tuc/", Language.VI)
    with Store.open(database_url(tmp_path / "data")) as store:
        paths = publish_all(store, [source], tmp_path / "public", base_url=BASE, max_entries=100)
    for path in paths:
        if path.suffix in (".atom", ".rss"):
            parsed = feedparser.parse(path.read_bytes())
            assert parsed.bozo == 0 and parsed.entries == [], path.name
    assert Calendar.from_ical((tmp_path / "public" / "feeds" / "events.ics").read_bytes()).walk("VEVENT") == []


def test_rss_items_name_their_author_with_dc_creator_and_atom_keeps_author() -> None:
    data = build_rss(VI_ENTRIES, rss_meta(VI_META))
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    by_id = {e.id: e for e in parsed.entries}
    assert by_id[REPORT.url].author == "Ngọc Lan"
    assert "author" not in by_id[PLAIN.url]  # no author, no dc:creator (the feed's author is not invented)
    creators = [el.text for el in etree.fromstring(data).iter("{http://purl.org/dc/elements/1.1/}creator")]
    assert creators == ["Ngọc Lan"]
    atom = build_atom(VI_ENTRIES, VI_META)
    assert b"purl.org/dc" not in atom  # Atom already has <author><name>


def test_entries_in_another_language_carry_their_own_xml_lang() -> None:
    data = build_atom(ALL_ENTRIES, VI_META)  # a "vi" feed with one English entry, like all.atom
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    languages = {e.id: (e.title_detail.language, e.summary_detail.language, e.content[0].language)
                 for e in parsed.entries}  # fmt: skip
    assert languages[ENGLISH.url] == ("en", "en", "en")
    assert languages[REPORT.url] == ("vi", "vi", "vi")  # inherited from the feed
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    entries = etree.fromstring(data).iter(f"{ATOM}entry")
    marked = [(e.findtext(f"{ATOM}id"), el.tag[len(ATOM) :]) for e in entries for el in e.iter() if el.get(lang)]
    assert sorted(marked) == [(ENGLISH.url, "content"), (ENGLISH.url, "summary"), (ENGLISH.url, "title")]
    # same-language entries inherit; the entry itself is not marked: its category labels are Vietnamese
    assert_atom_structure(data)
    rss = feedparser.parse(build_rss(ALL_ENTRIES, rss_meta(VI_META)))
    assert [e.get("language") for e in rss.entries] == ["en", None, None, None]  # <dc:language>


def test_our_topics_have_a_scheme_and_a_label_in_the_feeds_language_with_a_stable_term() -> None:
    scheme = "https://github.com/vncpc-feedbot/vncpc-feedbot/topics"
    english_meta = FeedMeta(VI_META.feed_id, "VNCPC – News", "News", VI_META.self_url, VI_META.site_url, "en")
    for meta, labels in ((VI_META, ["Sự kiện", "Kiến nghị"]), (english_meta, ["Event", "Recommendations"])):
        report = feedparser.parse(build_atom([stored(2, REPORT)], meta)).entries[0]
        assert [(t.term, t.scheme, t.label) for t in report.tags] == [
            ("Tin tức", None, None),  # the site's own categories stay bare
            ("Hoạt động", None, None),
            ("event", scheme, labels[0]),
            ("recommendation", scheme, labels[1]),
        ]
    rss = feedparser.parse(build_rss([stored(2, REPORT)], rss_meta(VI_META)))
    assert rss.bozo == 0, rss.get("bozo_exception")
    assert [(t.term, t.scheme) for t in rss.entries[0].tags][2:] == [("Sự kiện", scheme), ("Kiến nghị", scheme)]


def test_event_names_show_a_capital_first_letter_in_the_facts_and_the_calendar() -> None:
    assert display_name("workshop on CP in Hà Nội") == "Workshop on CP in Hà Nội"  # not str.capitalize
    assert display_name("đoàn khảo sát") == "Đoàn khảo sát"
    assert display_name("“hội thảo” xanh") == "“Hội thảo” xanh"  # first letter, after a quote
    assert display_name("15 cơ sở") == "15 cơ sở" and display_name("") == ""
    event = replace(REPORT.extraction.events[0], name="khảo sát 15 cơ sở tái chế giấy")
    article = replace(REPORT, extraction=replace(REPORT.extraction, events=(event,)))
    entries = [stored(2, article)]
    html = feedparser.parse(build_atom(entries, VI_META)).entries[0].content[0].value
    assert "<strong>Sự kiện:</strong> Khảo sát 15 cơ sở tái chế giấy</p>" in html
    [vevent] = Calendar.from_ical(build_ics(entries)).walk("VEVENT")
    assert str(vevent["summary"]) == "Khảo sát 15 cơ sở tái chế giấy"
    assert article.extraction.events[0].name == "khảo sát 15 cơ sở tái chế giấy"  # stored name kept
