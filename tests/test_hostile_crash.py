"""Issue 13, item 12: a run killed half-way keeps what it did, and a full disk is one clear line.

``feedbot scrape`` runs as a child process against a slow site on 127.0.0.1 (each article takes a
while to answer): SIGKILL after some articles are stored leaves them in the store, and a re-run
completes the rest. With a file-size limit on the child (the database cannot grow: writes fail as
on a full disk) the run fails with one ERROR line and no traceback, and nothing stored is lost.
"""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.site import FixtureSite

REPO = Path(__file__).resolve().parents[1]
COUNT = 30
ARTICLE = """<html><head><title>Bài {n}</title></head><body><article class="post"><h1 class="entry-title">Bài {n}</h1>
<time class="entry-date" datetime="2026-11-{day:02d}T08:00:00+07:00">x</time>
<div class="entry-content"><p>Bài {n}: tập huấn sản xuất sạch hơn cho doanh nghiệp tại Hà Nội. {filler}</p></div>
</article></body></html>"""


def _site(site: FixtureSite, delay: float, filler: int = 0) -> None:
    for n in range(COUNT):
        site.add(f"/tin-tuc/bai-{n}/", ARTICLE.format(n=n, day=n % 28 + 1, filler="x" * filler), delay=delay)
    site.add("/tin-tuc/", "<html><body>" + "".join(
        f'<article class="post"><h2 class="entry-title"><a href="/tin-tuc/bai-{n}/">Bài {n}</a></h2></article>'
        for n in range(COUNT)) + "</body></html>")


def _env(site: FixtureSite, tmp_path: Path) -> dict[str, str]:
    sources = tmp_path / "sources.toml"
    text = (REPO / "config" / "sources.toml").read_text(encoding="utf-8")
    sources.write_text(text.replace("https://vncpc.org/tin-tuc/", site.url("/tin-tuc/")), encoding="utf-8")
    settings = tmp_path / "settings.toml"
    settings.write_text('[fetch]\ndelay_seconds = 0\nretries = 0\nallow_private = ["127.0.0.1"]\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FEEDBOT_", "TELEGRAM_"))}
    env.update(FEEDBOT_SETTINGS=str(settings), FEEDBOT_SOURCES=str(sources), FEEDBOT_DATA_DIR=str(tmp_path / "data"))
    return env


def _scrape(env: dict[str, str], **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "scrape", "--source", "vncpc-vi", "--no-publish"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _stored(tmp_path: Path) -> int:
    db = tmp_path / "data" / "feedbot.db"
    if not db.exists():
        return 0
    with sqlite3.connect(db, timeout=30) as conn:
        try:
            return conn.execute("select count(*) from articles").fetchone()[0]
        except sqlite3.OperationalError:  # the schema is not there yet
            return 0


def test_sigkill_mid_run_keeps_the_articles_done_and_a_rerun_completes(site, tmp_path):
    _site(site, delay=0.2)
    env = _env(site, tmp_path)
    child = _scrape(env)
    deadline = time.monotonic() + 120
    while _stored(tmp_path) < 5:
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "no article stored in 120 s"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.communicate()
    kept = _stored(tmp_path)
    assert 5 <= kept < COUNT  # before: 0 of them, everything was committed at the end of the run
    with sqlite3.connect(tmp_path / "data" / "feedbot.db") as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    rerun = _scrape(env)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert _stored(tmp_path) == COUNT
    with sqlite3.connect(tmp_path / "data" / "feedbot.db") as conn:  # a killed first run is still the first
        assert conn.execute("select count(*) from articles where fanned_out = 0").fetchone()[0] == 0


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="no file size limit on this system")
def test_a_full_disk_is_one_error_line_and_loses_nothing(site, tmp_path):
    _site(site, delay=0.0, filler=20_000)  # ~20 KB of text per article: the database must grow
    env = _env(site, tmp_path)
    seeded = _scrape(env)  # creates the database (the schema) with no limit
    site.add("/tin-tuc/", "<html><body></body></html>")
    seeded.communicate(timeout=120)
    _site(site, delay=0.0, filler=20_000)
    size = sum(p.stat().st_size for p in (tmp_path / "data").glob("feedbot.db*"))
    full = _scrape(env, preexec_fn=_limit_file_size(size + 150_000))
    out, err = full.communicate(timeout=300)
    assert full.returncode == 1
    assert "Traceback" not in err and "crashed" not in err
    errors = [line for line in err.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "database could not be written" in errors[0], err
    assert "space" in errors[0] and "restore it from a backup" not in errors[0]  # what to check: the disk
    stored = _stored(tmp_path)
    assert 0 < stored < COUNT
    with sqlite3.connect(tmp_path / "data" / "feedbot.db") as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    rerun = _scrape(env)  # space freed: the run completes and keeps what was there
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert _stored(tmp_path) == COUNT
