"""`feedbot` commands as an admin uses them, against the bundled site served on 127.0.0.1."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest

from bot.cli import main
from bot.demo.demo import sources_toml
from tests.test_e2e import free_port

VN = ZoneInfo("Asia/Ho_Chi_Minh")

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "bot" / "demo" / "site"



@pytest.fixture
def env(tmp_path, site, monkeypatch):
    site.add_dir(DEMO)
    sources = tmp_path / "sources.toml"
    sources.write_text(sources_toml(site.base), encoding="utf-8")  # the demo's two sources
    settings = tmp_path / "settings.toml"
    settings.write_text("[fetch]\ndelay_seconds = 0\ntimeout_seconds = 3\n", encoding="utf-8")
    monkeypatch.setenv("FEEDBOT_SETTINGS", str(settings))
    monkeypatch.setenv("FEEDBOT_SOURCES", str(sources))
    monkeypatch.setenv("FEEDBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FEEDBOT_PUBLIC_BASE_URL", "https://feeds.example.org")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    return tmp_path


def test_scrape_prints_counts_and_publishes_valid_feeds(env, capsys):
    assert main(["scrape"]) == 0
    out = capsys.readouterr().out
    assert "demo-vi" in out and "demo-en" in out and "stored as the backlog (no alerts)" in out
    feeds = env / "data" / "public" / "feeds"
    for name in ("all.atom", "all.rss", "demo-vi.atom", "demo-vi.rss", "demo-en.atom"):
        parsed = feedparser.parse((feeds / name).read_bytes())
        assert parsed.bozo == 0, (name, parsed.get("bozo_exception"))
        assert parsed.entries, name
    atom = feedparser.parse((feeds / "all.atom").read_bytes())
    assert any(link.get("rel") == "self" and link["href"] == "https://feeds.example.org/feeds/all.atom"
               for link in atom.feed.links)
    assert (env / "data" / "public" / "feeds.opml").exists()


def test_scraping_a_disabled_source_by_name_says_why_nothing_happened(env, capsys):
    sources = env / "sources.toml"
    sources.write_text(sources.read_text(encoding="utf-8").replace('id = "demo-en"\n', 'id = "demo-en"\nenabled = false\n'),
                       encoding="utf-8")
    assert main(["scrape", "--source", "demo-en"]) == 0
    assert "demo-en: not scraped: enabled = false in" in capsys.readouterr().err


def test_second_scrape_reports_not_modified(env, capsys):
    assert main(["scrape"]) == 0
    capsys.readouterr()
    assert main(["scrape", "--source", "demo-vi"]) == 0
    line = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("demo-vi")][0]
    assert line.split()[1:5] == ["1", "1", "0", "0"]  # pages, 304, new, changed
    assert line.split()[-1] == "304"  # the status column


def test_scrape_table_status_tells_ok_broken_and_a_dead_host_apart(env, site, capsys, monkeypatch):
    monkeypatch.setenv("FEEDBOT_FETCH_RETRIES", "0")
    sources = env / "sources.toml"
    text = sources.read_text(encoding="utf-8")
    dead = f"http://127.0.0.1:{free_port()}/en/news/"  # nothing listens there
    sources.write_text(text.replace(site.url("/en/news/"), dead), encoding="utf-8")
    assert main(["scrape", "--no-publish"]) == 1
    rows = {ln.split()[0]: ln.split() for ln in capsys.readouterr().out.splitlines()}
    assert rows["source"][-1] == "status"
    assert rows["demo-vi"][-1] == "ok" and rows["demo-en"][-1] == "failed"
    site.add("/tin-tuc/", "<html><body><p>trang bảo trì</p></body></html>")
    main(["scrape", "--no-publish", "--source", "demo-vi"])
    assert [ln.split()[-1] for ln in capsys.readouterr().out.splitlines() if ln.startswith("demo-vi")] == ["broken"]


def test_scrape_exit_1_when_a_source_fails(env, site, capsys):
    site.add("/tin-tuc/", b"", status=500)
    assert main(["scrape"]) == 1
    assert "500" in capsys.readouterr().out


def test_articles_json_has_every_field(env, capsys):
    main(["scrape", "--no-publish"])
    capsys.readouterr()
    assert main(["articles", "--source", "demo-vi", "--limit", "3", "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    row = json.loads(lines[0])
    for key in ("id", "first_seen", "updated", "content_hash"):
        assert key in row
    for key in ("url", "title", "published", "body_html", "body_text", "author", "categories", "images",
                "date_is_guess"):
        assert key in row["article"]
    assert set(row["article"]["extraction"]) == {"events", "recommendations", "summary"}


def test_check_source_is_a_dry_run(env, capsys):
    assert main(["check-source", "demo-vi"]) == 0
    out = capsys.readouterr().out
    assert "item" in out and "match(es)" in out and "would store" in out
    assert not (env / "data" / "feedbot.db").exists()


def test_check_source_reports_broken_selector(env, site, capsys):
    site.add("/changed/", "<html><body><div class='grid'><p>x</p></div></body></html>")
    assert main(["check-source", "demo-vi", "--url", site.url("/changed/")]) == 1
    assert "BROKEN" in capsys.readouterr().out


def test_check_source_suggests_elements_for_a_broken_item_selector(env, site, capsys):
    cards = "".join(f'<div class="card"><h3><a href="/tin-tuc/{n}/">Tin {n}</a></h3></div>' for n in range(3))
    site.add("/redesign/", f'<html><body><a class="logo" href="/">VNCPC</a><div class="grid">{cards}</div></body></html>')
    assert main(["check-source", "demo-vi", "--url", site.url("/redesign/")]) == 1
    out = capsys.readouterr().out
    assert "fix: set [sources.listing] item for source 'demo-vi'" in out
    assert "div.card (3x)" in out and "div.grid" not in out and "a.logo" not in out  # repeated holders only


def test_check_source_says_when_an_article_has_no_date(env, site, capsys):
    site.add("/undated/", '<html><body><article class="post"><h2><a href="/undated/1/">Tin</a></h2></article></body></html>')
    site.add("/undated/1/", "<html><body><h1>Tin không ngày</h1><div class='entry-content'><p>Nội dung.</p></div></body></html>")
    assert main(["check-source", "demo-vi", "--url", site.url("/undated/")]) == 0
    assert "note: no publication date found" in capsys.readouterr().out


BAD = [
    ('[[sources]]\nid = "x"\nname = "X"\nurl = "https://e.org/"\ncolour = 1\n[sources.listing]\nitem = "a"\n', "colour"),
    ('[[sources]]\nid = "x"\nname = "X"\nurl = "https://e.org/"\n[sources.listing]\nitem = "a[["\n', "listing.item"),
    ('[[sources]]\nid = "Bad Id"\nname = "X"\nurl = "https://e.org/"\n[sources.listing]\nitem = "a"\n', "id"),
    ('[[sources]]\nid = "x"\nname = "X"\nurl = "notaurl"\n[sources.listing]\nitem = "a"\n', "url"),
    ('[[sources]]\nid = "x"\nname = "X"\nurl = "https://e.org/"\n', "listing"),
]


@pytest.mark.parametrize("text, key", BAD)
def test_bad_sources_exit_2_naming_file_and_key_and_change_nothing(env, capsys, text, key):
    main(["scrape"])
    db = env / "data" / "feedbot.db"
    before = db.stat().st_mtime_ns
    (env / "sources.toml").write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["scrape"]) == 2
    err = capsys.readouterr().err
    assert "sources.toml" in err and key in err
    assert db.stat().st_mtime_ns == before


def test_bad_settings_exit_2(env, capsys):
    (env / "settings.toml").write_text("[http]\nport = -1\n")
    assert main(["publish"]) == 2
    assert "http.port" in capsys.readouterr().err


def test_a_named_settings_file_that_is_missing_is_an_error_not_silent_defaults(env, capsys, monkeypatch):
    monkeypatch.setenv("FEEDBOT_SETTINGS", str(env / "setings.toml"))  # a typo
    assert main(["config"]) == 2
    assert "setings.toml: file not found" in capsys.readouterr().err
    assert main(["--settings", str(env / "settings.toml"), "config"]) == 0


@pytest.mark.parametrize(("args", "message"), [
    (["articles", "--limit", "-1"], "whole number of 1 or more"),
    (["--log-level", "verbose", "config"], "invalid choice: 'VERBOSE'"),
])
def test_bad_option_values_are_usage_errors_not_tracebacks(env, capsys, args, message):
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2 and message in capsys.readouterr().err


def test_articles_says_when_there_is_nothing_and_rejects_an_unknown_source(env, capsys):
    assert main(["articles"]) == 0
    assert "no articles stored yet: run `feedbot scrape` first" in capsys.readouterr().err
    assert main(["articles", "--source", "nope"]) == 2
    assert "no source with id nope" in capsys.readouterr().err
    assert main(["--log-level", "warning", "articles", "--source", "demo-vi"]) == 0


def test_config_masks_secrets(env, capsys, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:SECRET-token-value")
    monkeypatch.setenv("FEEDBOT_TELEGRAM_WEBHOOK_SECRET", "hook-secret")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "SECRET-token-value" not in out and "hook-secret" not in out
    dumped = json.loads(out)
    assert dumped["settings"]["telegram"]["token"] == "set (hidden)"
    assert [s["id"] for s in dumped["sources"]] == ["demo-vi", "demo-en"]


def test_every_command_has_help():
    commands = ["scrape", "publish", "check-source", "articles", "reextract", "config", "run", "demo"]
    for cmd in [None, *commands]:
        args = [sys.executable, "-m", "bot.cli"] + ([cmd] if cmd else []) + ["--help"]
        r = subprocess.run(args, capture_output=True, text=True, cwd=REPO, timeout=60,
                           env={"PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": "999:never-shown"})
        assert r.returncode == 0, r.stderr
        assert "usage: feedbot" in r.stdout and "never-shown" not in r.stdout


def test_every_argument_says_what_it_does():
    from bot.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        for action in command._actions:
            assert action.help, f"feedbot {name}: argument {action.dest!r} has no help text"


def test_reextract_brings_stored_extractions_up_to_date(env, capsys):
    from feeds.models import Extraction
    from feeds.store import Store, database_url

    assert main(["scrape", "--no-publish"]) == 0
    with Store.open(database_url(env / "data")) as store:
        with_events = store.articles(limit=None, with_events=True)
        assert with_events
        stale = with_events[0]
        store.replace_extraction(stale.id, Extraction())  # as an older extractor might have left it
    capsys.readouterr()
    assert main(["reextract"]) == 0
    assert "re-extracted: 1 article changed" in capsys.readouterr().out
    with Store.open(database_url(env / "data")) as store:
        assert store.get_article(stale.id).article.extraction == stale.article.extraction


# Articles an older extractor stored (written for this test): a backlog page without a date whose URL
# is filed under May 2018, a page that fixes no year at all, and a comment letter whose list it missed.
_OLD_RULES = {
    "https://vncpc.org/2018/05/ra-mat-du-an-tai-che-nhua/": (
        "Ra mắt dự án tái chế nhựa",
        "Ngày 23/5, VNCPC tổ chức lễ ra mắt dự án “Tái chế và quản lý chất thải nhựa” tại Hà Nội.",
        dt.date(2026, 5, 23),
    ),
    "https://vncpc.org/tin-tuc/hoi-nghi-ban-tron-tieu-dung-ben-vung/": (
        "Hội nghị bàn tròn về tiêu dùng bền vững",
        "Trong hai ngày 27 và 28 tháng 9, Hội nghị bàn tròn quốc gia về tiêu dùng bền vững diễn ra tại TP Đà Nẵng "
        "với hơn 120 đại biểu.",
        dt.date(2026, 9, 27),
    ),
    "https://vncpc.org/tin-tuc/vcci-gop-y-du-thao-thong-tu/": (
        "VCCI góp ý dự thảo Thông tư về tái chế",
        "VCCI có một số ý kiến như sau:\n\nDo đó, Thông tư nên được soạn thảo theo hướng bảo đảm các yêu cầu sau:\n\n"
        "  • Chi phí tuân thủ của doanh nghiệp phải được tính toán và công bố.\n"
        "  • Lộ trình áp dụng cần đủ dài để doanh nghiệp nhỏ chuẩn bị.",
        None,
    ),
}


def test_reextract_corrects_what_older_rules_stored_in_feeds_calendar_and_telegram(env, capsys):
    """An admin upgrades, runs `feedbot reextract`, and subscribers see the corrected fields."""
    from bot.texts.messages import render_alert
    from feeds.models import Article, Event, EventKind, Extraction
    from feeds.store import Store, database_url

    seen = dt.datetime(2026, 12, 1, 9, 0, tzinfo=VN)
    old = []
    for url, (title, body, invented) in _OLD_RULES.items():
        events = (Event(name=title, kind=EventKind.WORKSHOP, start=invented, end=invented, year_inferred=True),) if invented else ()
        old.append(Article(url=url, source_id="demo-vi", title=title, published=seen, body_html=f"<p>{body}</p>",
                           body_text=body, date_is_guess=url.endswith("tieu-dung-ben-vung/") or "/2018/" in url,
                           extraction=Extraction(events=events)))
    old[2] = dataclasses.replace(old[2], published=dt.datetime(2018, 1, 3, 14, 33, tzinfo=VN))  # the letter is dated
    with Store.open(database_url(env / "data")) as store:
        store.upsert_articles("demo-vi", old, now=seen, seed=True)

    assert main(["reextract"]) == 0
    assert "re-extracted: 3 articles changed" in capsys.readouterr().out

    feeds = env / "data" / "public" / "feeds"
    calendar = (feeds / "events.ics").read_text(encoding="utf-8")
    assert "DTSTART;VALUE=DATE:20180523" in calendar  # the year the URL gives
    starts = [line for line in calendar.splitlines() if line.startswith("DTSTART")]
    assert starts == ["DTSTART;VALUE=DATE:20180523"]  # no invented year: the yearless round table is left out
    events_feed = feedparser.parse((feeds / "events.atom").read_bytes())
    assert {e.link for e in events_feed.entries} == set(list(_OLD_RULES)[:2])
    launch = next(e for e in events_feed.entries if "/2018/05/" in e.link)
    assert launch.published.startswith("2018-05-01")  # dated by its URL, not "published today"
    table = next(e for e in events_feed.entries if "ban-tron" in e.link)
    assert "published" not in table  # first seen is not a publication date
    assert "27–28/9 (chưa rõ năm)" in table.content[0].value and "2026" not in table.content[0].value
    recommendations = feedparser.parse((feeds / "recommendations.atom").read_bytes())
    assert [e.link for e in recommendations.entries] == [list(_OLD_RULES)[2]]

    with Store.open(database_url(env / "data")) as store:
        texts = {s.article.url: render_alert(s, lang="vi", source_name="VNCPC") for s in store.articles(limit=None)}
    url_launch, url_table, url_letter = _OLD_RULES
    assert "📅 23/5/2018" in texts[url_launch]
    assert "📅 27–28/9 (chưa rõ năm)" in texts[url_table] and "2026" not in texts[url_table] and "sắp diễn ra" not in texts[url_table]
    assert "1. Chi phí tuân thủ" in texts[url_letter] and "2. Lộ trình áp dụng" in texts[url_letter]

    assert main(["reextract"]) == 0  # already up to date
    assert "re-extracted: 0 articles changed" in capsys.readouterr().out
    assert main(["articles", "--source", "demo-vi"]) == 0
    listing = capsys.readouterr().out
    assert "2026-12-01 first seen" in listing and "2018-05-01" in listing
