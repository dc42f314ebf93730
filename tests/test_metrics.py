"""/metrics as Prometheus scrapes it: the real exposition parser, counters that move as a scrape
and a fan-out happen, and no Prometheus in the pipeline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from bot.service.metrics import Metrics, Snapshot
from feeds.store.outbox import Outcome
from feeds.models import ListingSelectors, RefreshResult, Source, SourceHealth
from tests.support.factories import make_stored
from tests.test_e2e import EXTRA_SLUG, listing_with_extra, service, wait_for  # noqa: F401  (service: a fixture)

REPO = Path(__file__).resolve().parents[1]


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, keyed by (name, sorted labels), read by prometheus_client's parser."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(scraped: dict, name: str, **labels: str) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_report_runs_fetches_sends_and_what_the_database_holds():
    m = Metrics()
    when = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
    snapshot = Snapshot(
        health=[SourceHealth("vncpc-vi", last_success=when, article_count=12),
                SourceHealth("vncpc-en", broken_reason="listing.item matched nothing", article_count=3)],
        outbox={"pending": 4, "sent": 10}, subscribers={"all": 2, "events": 1},
    )
    m.watch(lambda: snapshot, lambda: ["vncpc-vi", "vncpc-en", "new-site"])
    m.know_sources(["vncpc-vi", "vncpc-en", "new-site"])
    before = samples(m.render().decode())
    assert value(before, "feedbot_source_runs_total", source="new-site") == 0  # listed before its first run

    m.start_source(Source(id="vncpc-vi", name="VNCPC", url="https://vncpc.org/tin-tuc/", listing=ListingSelectors(item="a")))
    m.observe_fetch("https://vncpc.org/tin-tuc/", 200, 0.3)
    m.start_source(None)
    m.observe_fetch("https://vncpc.org/robots.txt", 200, 0.1)
    m.observe_run(RefreshResult("vncpc-vi", new=(make_stored(1), make_stored(2))))
    m.observe_run(RefreshResult("vncpc-en", broken_reason="listing.item matched nothing"))
    for status, error in (("sent", None), ("sent", None), ("failed", "Forbidden"),
                          ("deferred", "RetryAfter: Telegram asked to wait 3 s"), ("retry", "Bad Gateway")):
        m.observe_send(Outcome(1, 42, status, error=error), 0.04)

    after = samples(m.render().decode())
    assert value(after, "feedbot_source_runs_total", source="vncpc-vi") == 1
    assert value(after, "feedbot_source_failures_total", source="vncpc-en") == 1
    assert value(after, "feedbot_source_failures_total", source="vncpc-vi") == 0
    assert value(after, "feedbot_articles_new_total", source="vncpc-vi") == 2
    assert value(after, "feedbot_fetch_duration_seconds_count", source="vncpc-vi") == 1
    assert value(after, "feedbot_fetch_duration_seconds_bucket", source="vncpc-vi", le="0.5") == 1
    assert value(after, "feedbot_fetch_duration_seconds_count", source="-") == 1
    assert value(after, "feedbot_source_broken", source="vncpc-en") == 1
    assert value(after, "feedbot_source_broken", source="new-site") == 0
    assert value(after, "feedbot_source_last_success_timestamp_seconds", source="vncpc-vi") == when.timestamp()
    assert value(after, "feedbot_articles_stored", source="vncpc-vi") == 12
    assert value(after, "feedbot_outbox_messages", status="pending") == 4
    assert value(after, "feedbot_outbox_messages", status="failed") == 0
    assert value(after, "feedbot_subscribers", topic="all") == 2
    assert value(after, "feedbot_messages_sent_total") == 2
    assert value(after, "feedbot_messages_failed_total") == 1
    assert value(after, "feedbot_telegram_rate_limited_total") == 1
    assert value(after, "feedbot_messages_retried_total") == 1
    assert value(after, "feedbot_send_duration_seconds_count") == 5


def test_the_pipeline_never_imports_prometheus():
    for path in (REPO / "feeds").rglob("*.py"):
        assert "prometheus" not in path.read_text(encoding="utf-8"), path


def test_metrics_of_a_running_service_move_with_a_scrape_and_a_fan_out(service, site, botapi):  # noqa: F811
    service.start()
    service.wait_seeded()

    def scrape() -> dict:
        r = service.get("/metrics")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain; version=0.0.4")
        return samples(r.text)

    first = scrape()
    assert value(first, "feedbot_source_runs_total", source="demo-vi") >= 1
    assert value(first, "feedbot_articles_stored", source="demo-vi") == 8
    assert value(first, "feedbot_source_last_success_timestamp_seconds", source="demo-vi") > 0
    assert value(first, "feedbot_fetch_duration_seconds_count", source="demo-vi") >= 1
    assert value(first, "feedbot_subscribers", topic="all") == 0

    botapi.push_message(1001, "/subscribe all", language_code="vi")
    wait_for(lambda: botapi.sent(1001), 10, "the subscription reply", service.proc)
    botapi.fail_next(1001, "429", retry_after=1)  # the alert is refused once, then sent
    site.add("/tin-tuc/", listing_with_extra())
    wait_for(lambda: [m for m in botapi.sent(1001) if EXTRA_SLUG in m.text], 20, "the alert", service.proc)

    def moved():
        now = scrape()
        return now if value(now, "feedbot_messages_sent_total") >= 1 else None

    later = wait_for(moved, 10, "the sent counter to move", service.proc)
    assert value(later, "feedbot_source_runs_total", source="demo-vi") > value(first, "feedbot_source_runs_total",
                                                                                source="demo-vi")
    assert value(later, "feedbot_articles_new_total", source="demo-vi") >= 1
    assert value(later, "feedbot_articles_stored", source="demo-vi") == 9
    assert value(later, "feedbot_subscribers", topic="all") == 1
    assert value(later, "feedbot_telegram_rate_limited_total") == 1
    assert value(later, "feedbot_send_duration_seconds_count") >= 2
    assert value(later, "feedbot_outbox_messages", status="pending") == 0
    assert service.get("/healthz").json()["status"] == "ok"  # /healthz unchanged
