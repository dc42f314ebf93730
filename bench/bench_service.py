"""Benchmark `feedbot run` as deployed (a subprocess), on loopback only.

    .venv/bin/python bench/bench_service.py [--interval 10] [--samples 3] [--seconds 10]
                                            [--articles 10000] [--subscribers 10000]

1. Latency: an article appears on the (local, bundled) site -> its alert is accepted by the (local,
   fake) Bot API. The scrape interval is set with the test-only FEEDBOT_TEST_INTERVAL_SECONDS
   (deployments use interval_minutes >= 1); target: within the interval + 5 s.
2. Feed-server throughput for /feeds/all.atom with 100 entries: full responses (identity and gzip)
   and 304s, concurrency 16, bounded in time, against a bare aiohttp server returning the same
   bytes from memory (the baseline, measured in the same run with the same load generator).
3. Resident memory (psutil) of `feedbot run` with 10,000 articles and 10,000 subscribers in the
   database: idle after start-up, and the peak while one article fans out to every subscriber
   (target <= 150 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_pipeline import PARA, article_page  # noqa: E402
from bot.demo.demo import DEMO_ROOT, MARKER, sources_toml  # noqa: E402
from bot.delivery.subscribers import Subscribers  # noqa: E402
from feeds.models import Article, Extraction, Language  # noqa: E402
from feeds.store import Store, database_url  # noqa: E402
from tests.support.botapi import BotApiServer  # noqa: E402
from tests.support.site import FixtureSite  # noqa: E402

TZ = dt.timezone(dt.timedelta(hours=7))
BASELINE_SERVER = """
import sys
from aiohttp import web
body = open(sys.argv[1], "rb").read()
async def feed(request):
    return web.Response(body=body, content_type="application/atom+xml", charset="utf-8")
app = web.Application()
app.router.add_get("/feeds/all.atom", feed)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[2]), access_log=None, print=None)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"the service exited ({proc.returncode}) while waiting for {what}")
        try:
            value = predicate()
        except (httpx.HTTPError, OSError, ValueError):
            value = None
        if value:
            return value
        time.sleep(0.05)
    raise SystemExit(f"waited {timeout} s for {what}")


class Run:
    """`feedbot run` in a subprocess with its own data folder."""

    def __init__(self, tmp: Path, site: FixtureSite, api: BotApiServer | None, **env: str) -> None:
        self.tmp, self.port = tmp, free_port()
        (tmp / "sources.toml").write_text(sources_toml(site.base), encoding="utf-8")
        settings = '[fetch]\ndelay_seconds = 0\nretries = 0\nallow_private = ["127.0.0.1"]\n'
        if api is not None:
            settings += f'[telegram]\napi_url = "{api.base_url}"\n'
        (tmp / "settings.toml").write_text(settings, encoding="utf-8")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("FEEDBOT_", "TELEGRAM_"))}
        self.env.update(FEEDBOT_SETTINGS=str(tmp / "settings.toml"), FEEDBOT_SOURCES=str(tmp / "sources.toml"),
                        FEEDBOT_DATA_DIR=str(tmp / "data"), FEEDBOT_HTTP_PORT=str(self.port), **env)
        if api is not None:
            self.env["TELEGRAM_BOT_TOKEN"] = api.token
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Run:
        log = (self.tmp / "service.log").open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT)
        wait(self.seeded, 120, "the first scrape", self.proc)
        return self

    def seeded(self) -> bool:
        sources = httpx.get(f"{self.base}/healthz", timeout=5).json()["sources"].values()
        return all(s["last_success"] for s in sources)

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def add_subscribers(data: Path, chats: range) -> None:
    data.mkdir(parents=True, exist_ok=True)
    with Store.open(database_url(data)) as store:
        subs = Subscribers(store)
        for chat in chats:
            subs.upsert_chat(chat)
            subs.subscribe(chat, "all")


def add_articles(data: Path, base: str, n: int) -> None:
    """``n`` stored (already fanned-out) articles of ~3 KB text under the demo-vi source."""
    data.mkdir(parents=True, exist_ok=True)
    start = dt.datetime(2012, 1, 1, 8, tzinfo=TZ)
    with Store.open(database_url(data)) as store:
        for first in range(0, n, 500):
            batch = []
            for i in range(first, min(n, first + 500)):
                text = "\n\n".join(PARA.format(d=1 + i % 27, d2=2 + i % 27, m=1 + i % 12, i=i) for _ in range(4))
                batch.append(Article(
                    url=f"{base}/tin-tuc/luu-tru-{i}/", source_id="demo-vi", title=f"Hội thảo sản xuất sạch hơn lần thứ {i}",
                    published=start + dt.timedelta(hours=7 * i), body_html="".join(f"<p>{p}</p>" for p in text.split("\n\n")),
                    body_text=text, language=Language.VI, extraction=Extraction(summary=text[:300]),
                ))
            store.upsert_articles("demo-vi", batch, now=dt.datetime.now(TZ), seed=True)


def listing_item(i: int) -> str:
    return (f'<article class="post type-post"><h2 class="entry-title"><a href="/tin-tuc/bai-{i}/">Bài {i}</a></h2>'
            f'<time class="entry-date" datetime="{dt.datetime.now(TZ).isoformat()}">hôm nay</time></article>')


# --------------------------------------------------------------------------- 1. latency


def bench_latency(site: FixtureSite, api: BotApiServer, interval: float, samples: int) -> list[float]:
    listing = (DEMO_ROOT / "tin-tuc" / "index.html").read_text(encoding="utf-8")
    chat = 900_001
    with tempfile.TemporaryDirectory() as tmp:
        add_subscribers(Path(tmp) / "data", range(chat, chat + 1))
        with Run(Path(tmp), site, api, FEEDBOT_TEST_INTERVAL_SECONDS=str(interval)):
            figures, items = [], ""
            for k in range(samples):
                i = 100_000 + k
                site.add(f"/tin-tuc/bai-{i}/", article_page(i))
                items = listing_item(i) + items
                time.sleep(interval * (0.3 + 0.6 * k / max(1, samples - 1)))  # land at varied scrape phases
                appeared = time.monotonic()
                site.add("/tin-tuc/", listing.replace(MARKER, MARKER + items, 1))
                sent = wait(lambda: [m for m in api.sent(chat) if f"bai-{i}/" in m.text], interval + 60, "the alert")
                figures.append(sent[0].at - appeared)
    return figures


# --------------------------------------------------------------------------- 2. throughput


async def _load(url: str, headers: dict[str, str], seconds: float, concurrency: int) -> tuple[int, dict[int, int]]:
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as session:
        async def worker() -> None:
            while time.monotonic() < deadline:
                async with session.get(url, headers=headers) as r:
                    await r.read()
                    statuses[r.status] = statuses.get(r.status, 0) + 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return sum(statuses.values()), statuses


def load(url: str, headers: dict[str, str], seconds: float, concurrency: int) -> float:
    total, statuses = asyncio.run(_load(url, headers, seconds, concurrency))
    if set(statuses) - {200, 304}:
        raise SystemExit(f"unexpected statuses {statuses} from {url}")
    return total / seconds


def bench_throughput(site: FixtureSite, seconds: float, concurrency: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        add_articles(Path(tmp) / "data", site.base, 100)
        with Run(Path(tmp), site, None) as run:
            url = f"{run.base}/feeds/all.atom"
            r = httpx.get(url, headers={"Accept-Encoding": "identity"})
            entries, size, etag = r.text.count("<entry>"), len(r.content), r.headers["etag"]
            gz = httpx.get(url, headers={"Accept-Encoding": "gzip"}).headers["etag"]
            out = {
                "entries": entries, "bytes": size,
                "full": load(url, {"Accept-Encoding": "identity"}, seconds, concurrency),
                "gzip": load(url, {"Accept-Encoding": "gzip"}, seconds, concurrency),
                "304": load(url, {"Accept-Encoding": "gzip", "If-None-Match": gz}, seconds, concurrency),
            }
            assert etag != gz
            body = Path(tmp) / "all.atom"
            body.write_bytes(r.content)
        port = free_port()
        base = subprocess.Popen([sys.executable, "-c", BASELINE_SERVER, str(body), str(port)])
        try:
            bare = f"http://127.0.0.1:{port}/feeds/all.atom"
            wait(lambda: httpx.get(bare).status_code == 200, 20, "the baseline server")
            out["baseline"] = load(bare, {"Accept-Encoding": "identity"}, seconds, concurrency)
        finally:
            base.terminate()
            base.wait()
    return out


# --------------------------------------------------------------------------- 3. memory


def bench_memory(site: FixtureSite, api: BotApiServer, articles: int, subscribers: int) -> dict[str, float]:
    listing = (DEMO_ROOT / "tin-tuc" / "index.html").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        t0 = time.monotonic()
        add_articles(data, site.base, articles)
        add_subscribers(data, range(1_000_000, 1_000_000 + subscribers))
        fill = time.monotonic() - t0
        run = Run(Path(tmp), site, api, FEEDBOT_TEST_INTERVAL_SECONDS="2", FEEDBOT_DELIVERY_GLOBAL_PER_SECOND="1000",
                  FEEDBOT_DELIVERY_PER_CHAT_SECONDS="0")
        with run:
            proc = psutil.Process(run.proc.pid)
            time.sleep(3)
            idle = proc.memory_info().rss
            i = 200_000
            site.add(f"/tin-tuc/bai-{i}/", article_page(i))
            site.add("/tin-tuc/", listing.replace(MARKER, MARKER + listing_item(i), 1))
            peak, deadline = idle, time.monotonic() + 60
            while time.monotonic() < deadline and len(api.sent()) < subscribers:
                peak = max(peak, proc.memory_info().rss)
                time.sleep(0.2)
            sent = len(api.sent())
    return {"idle": idle / 2**20, "peak": peak / 2**20, "sent": sent, "fill": fill}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--interval", type=float, default=10.0, help="scrape interval in seconds (test knob)")
    ap.add_argument("--samples", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=10.0, help="duration of each throughput run")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--subscribers", type=int, default=10_000)
    ap.add_argument("--parts", default="latency,throughput,memory", help="comma-separated parts to run")
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    with FixtureSite() as site, BotApiServer() as api:
        site.add_dir(DEMO_ROOT)
        if "latency" in parts:
            report_latency(bench_latency(site, api, args.interval, args.samples), args.interval)
        if "throughput" in parts:
            report_throughput(bench_throughput(site, args.seconds, args.concurrency), args)
        if "memory" in parts:
            api.reset()
            report_memory(bench_memory(site, api, args.articles, args.subscribers), args)


def report_latency(lat: list[float], interval: float) -> None:
    print(f"latency article -> alert accepted (interval {interval:g} s, target <= {interval + 5:g} s): "
          f"{', '.join(f'{x:.2f}' for x in lat)} s; worst {max(lat):.2f} s "
          f"({'OK' if max(lat) <= interval + 5 else 'MISSED'})", flush=True)


def report_throughput(thr: dict[str, float], args: argparse.Namespace) -> None:
    print(f"feed server, all.atom {thr['entries']} entries ({thr['bytes'] / 1024:.0f} KB), "
          f"concurrency {args.concurrency}, {args.seconds:g} s each:")
    print(f"  full (identity):  {thr['full']:8.0f} req/s   ({thr['full'] / thr['baseline']:.2f}x the bare baseline)")
    print(f"  full (gzip):      {thr['gzip']:8.0f} req/s   ({thr['gzip'] / thr['baseline']:.2f}x)")
    print(f"  304 (If-None-Match): {thr['304']:5.0f} req/s   ({thr['304'] / thr['baseline']:.2f}x)")
    print(f"  baseline (bare aiohttp, same bytes from memory): {thr['baseline']:.0f} req/s", flush=True)


def report_memory(mem: dict[str, float], args: argparse.Namespace) -> None:
    print(f"memory of feedbot run with {args.articles} articles, {args.subscribers} subscribers "
          f"(filled in {mem['fill']:.0f} s): idle {mem['idle']:.0f} MB, peak during a fan-out to every "
          f"subscriber {mem['peak']:.0f} MB ({mem['sent']} sent while sampling) "
          f"(target <= 150 MB: {'OK' if mem['peak'] <= 150 else 'MISSED'})")


if __name__ == "__main__":
    main()
