"""The service's parts in-process: scheduling and backoff, reloads, health, admin notices, --once, webhooks."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import signal
import threading

import httpx
import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.cli import Context, main
from bot.demo.demo import DEMO_ROOT, sources_toml
from bot.service.health import health_notice, health_report
from bot.service.scheduler import (
    MAX_INTERVAL_SECONDS,
    SourceJobs,
    backoff_seconds,
    compact_database,
    jitter_seconds,
    test_interval_override,
)
from bot.service.service import Service, feed_links
from bot.service.settings import load_settings
from bot.delivery.subscribers import Subscribers
from bot.service.worker_thread import in_daemon_thread
from feeds.models import ListingSelectors, Source, SourceHealth
from feeds.publish import publish_all
from feeds.store import Store, database_url
from tests.conftest import LOOPBACK
from tests.test_e2e import free_port

LOOPBACK_ENV = {"FEEDBOT_FETCH_ALLOW_PRIVATE": ",".join(LOOPBACK)}

NOW = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)


def source(sid: str, minutes: int = 30, enabled: bool = True) -> Source:
    return Source(sid, sid.upper(), f"https://example.org/{sid}/", ListingSelectors("article"),
                  interval_minutes=minutes, enabled=enabled)


# --------------------------------------------------------------------------- scheduling


def test_backoff_doubles_per_failure_caps_at_a_day_and_resets():
    assert [backoff_seconds(600, n) for n in range(4)] == [600, 1200, 2400, 4800]
    assert backoff_seconds(600, 30) == MAX_INTERVAL_SECONDS
    assert backoff_seconds(60, 0) == 60
    # a 1-minute source: one failure is 2 minutes, not an hour; 11 failures reach the one-day cap
    assert [backoff_seconds(60, n) for n in (1, 2, 5, 10)] == [120, 240, 1920, 61440]
    assert backoff_seconds(60, 11) == backoff_seconds(60, 500) == MAX_INTERVAL_SECONDS == 86400


def test_jitter_is_a_tenth_of_the_interval_at_most_a_minute():
    assert jitter_seconds(60) == 6 and jitter_seconds(3600) == 60 and jitter_seconds(1) is None


def test_interval_override_is_read_from_the_environment_only_when_set():
    assert test_interval_override({}) is None
    assert test_interval_override({"FEEDBOT_TEST_INTERVAL_SECONDS": "2"}) == 2.0
    with pytest.raises(ValueError, match="FEEDBOT_TEST_INTERVAL_SECONDS"):
        test_interval_override({"FEEDBOT_TEST_INTERVAL_SECONDS": "soon"})


async def _noop(source_id: str) -> None:
    return None


async def test_jobs_follow_the_sources_and_back_off_after_failures():
    scheduler = AsyncIOScheduler(timezone="Asia/Ho_Chi_Minh")
    scheduler.start(paused=True)
    try:
        jobs = SourceJobs(scheduler, _noop)
        change = jobs.sync([source("a", 1), source("b", 30), source("off", 5, enabled=False)])
        assert change.added == ("a", "b") and scheduler.get_job("source:off") is None
        job = scheduler.get_job("source:a")
        assert job.coalesce and job.max_instances == 1 and job.misfire_grace_time > 0
        assert job.trigger.interval == dt.timedelta(minutes=1) and jobs.shortest_seconds() == 60

        jobs.after_run("a", 1)
        assert scheduler.get_job("source:a").trigger.interval == dt.timedelta(minutes=2)
        jobs.after_run("a", 3)
        assert scheduler.get_job("source:a").trigger.interval == dt.timedelta(minutes=8)
        jobs.after_run("a", 0)
        assert scheduler.get_job("source:a").trigger.interval == dt.timedelta(minutes=1)

        change = jobs.sync([source("b", 10), source("c", 60)])
        assert (change.added, change.removed, change.rescheduled) == (("c",), ("a",), ("b",))
        assert scheduler.get_job("source:a") is None
        assert scheduler.get_job("source:b").trigger.interval == dt.timedelta(minutes=10)
    finally:
        scheduler.shutdown(wait=False)


async def test_daemon_thread_returns_results_and_raises_errors():
    assert await in_daemon_thread(lambda: threading.current_thread().daemon)
    with pytest.raises(ZeroDivisionError):
        await in_daemon_thread(lambda: 1 / 0)


# --------------------------------------------------------------------------- health and notices


def test_healthz_is_503_only_for_a_source_broken_longer_than_the_limit():
    ok = SourceHealth("a", last_run=NOW, last_success=NOW)
    broken = SourceHealth("b", last_run=NOW, consecutive_failures=2, broken_reason="listing selector matched nothing",
                          broken_since=NOW - dt.timedelta(minutes=150), last_error="listing selector matched nothing")
    sources = [source("a"), source("b")]
    status, body = health_report(sources, [ok, broken], {"pending": 3, "failed": 1, "sent": 9}, now=NOW,
                                 broken_after_minutes=120)
    assert status == 503 and body["down"] == ["b"] and body["outbox"] == {"pending": 3, "failed": 1}
    assert body["sources"]["b"]["broken_since"] == (NOW - dt.timedelta(minutes=150)).isoformat()
    assert body["sources"]["b"]["consecutive_failures"] == 2 and body["sources"]["a"]["down"] is False
    assert health_report(sources, [ok, broken], {}, now=NOW, broken_after_minutes=180)[0] == 200
    paused = SourceHealth("b", broken_reason="x", broken_since=NOW - dt.timedelta(days=2), paused=True)
    assert health_report(sources, [ok, paused], {}, now=NOW, broken_after_minutes=120)[0] == 200


def test_healthz_gives_every_time_with_the_same_offset():
    local = dt.timezone(dt.timedelta(hours=7))
    ran = SourceHealth("a", last_run=NOW.astimezone(local), last_success=NOW.astimezone(local))
    _, body = health_report([source("a")], [ran], {}, now=NOW, broken_after_minutes=120,
                            next_runs={"a": NOW + dt.timedelta(minutes=30)})
    times = [body["time"], *(body["sources"]["a"][k] for k in ("last_run", "last_success", "next_run"))]
    assert {dt.datetime.fromisoformat(t).utcoffset() for t in times} == {NOW.utcoffset()}
    assert dt.datetime.fromisoformat(body["sources"]["a"]["last_run"]) == NOW


def test_healthz_counts_a_source_failing_as_a_whole_since_its_last_success():
    down = SourceHealth("a", last_success=NOW - dt.timedelta(hours=3), consecutive_failures=6, last_error="fetch: 503")
    status, body = health_report([source("a")], [down], {}, now=NOW, broken_after_minutes=120)
    assert status == 503 and body["sources"]["a"]["last_error"] == "fetch: 503"
    never_ran = health_report([source("new")], [], {}, now=NOW, broken_after_minutes=0)
    assert never_ran[0] == 200 and never_ran[1]["sources"]["new"]["last_run"] is None


def test_healthz_counts_a_source_that_never_worked_from_the_service_start():
    never = SourceHealth("a", last_run=NOW, consecutive_failures=40, last_error="fetch: connection refused")
    started = NOW - dt.timedelta(hours=3)
    status, body = health_report([source("a")], [never], {}, now=NOW, broken_after_minutes=120, started=started)
    assert status == 503 and body["down"] == ["a"]
    fresh = health_report([source("a")], [never], {}, now=NOW, broken_after_minutes=120, started=NOW)
    assert fresh[0] == 200


def test_admins_hear_when_a_source_breaks_keeps_failing_and_recovers():
    fine = SourceHealth("a", last_success=NOW)
    broken = SourceHealth("a", consecutive_failures=1, broken_reason="selector <x> matched nothing", broken_since=NOW)
    assert "&lt;x&gt;" in health_notice(fine, broken, "VNCPC & co", "en") and "VNCPC &amp; co" in health_notice(
        fine, broken, "VNCPC & co", "en")
    assert "feedbot check-source a shows" in health_notice(fine, broken, "A", "en")  # what to run next
    assert "feedbot check-source a " in health_notice(fine, broken, "A", "vi") and "matched nothing" in health_notice(
        fine, broken, "A", "vi")  # the Vietnamese one names the reason and the command too
    assert health_notice(broken, SourceHealth("a", consecutive_failures=2, broken_reason="x", broken_since=NOW),
                         "A", "vi") is None
    assert "hoạt động trở lại" in health_notice(broken, fine, "A", "vi")
    failing = [SourceHealth("a", consecutive_failures=n, last_error="timeout") for n in range(5)]
    notices = [health_notice(failing[n - 1], failing[n], "A", "en") for n in range(1, 5)]
    assert [n is not None for n in notices] == [False, False, True, False] and "3 times" in notices[2]
    assert "works again" in health_notice(failing[4], fine, "A", "en")


def test_every_index_link_names_a_file_that_publish_writes(tmp_path):
    sources = [source("vncpc-vi"), source("vncpc-en")]
    with Store.open(database_url(tmp_path)) as store:
        publish_all(store, sources, tmp_path / "public", base_url="http://x", max_entries=10)
    written = {p.name for p in (tmp_path / "public" / "feeds").iterdir()}
    assert {link.file for link in feed_links(sources)} == written


def test_compact_database_optimizes_and_vacuums_sqlite(tmp_path):
    with Store.open(database_url(tmp_path)) as store:
        assert compact_database(store, vacuum=True) == "optimize + vacuum"
        assert store.health() == []


# --------------------------------------------------------------------------- a service in-process


@pytest.fixture
def ctx(tmp_path, site):
    site.add_dir(DEMO_ROOT)
    sources = tmp_path / "sources.toml"
    sources.write_text(sources_toml(site.base), encoding="utf-8")
    settings = tmp_path / "settings.toml"
    settings.write_text(f"[fetch]\ndelay_seconds = 0\nretries = 0\n[http]\nport = {free_port()}\n", encoding="utf-8")
    return Context(settings=load_settings(settings, env=LOOPBACK_ENV), sources_path=sources, data_dir=tmp_path / "data")


async def test_sighup_reload_adds_and_removes_jobs_and_keeps_the_old_config_when_invalid(ctx, caplog):
    service = Service(ctx, token=None)
    async with contextlib.AsyncExitStack() as stack:
        await service.open(stack)
        service.scheduler = AsyncIOScheduler(timezone="UTC")
        service.scheduler.start(paused=True)
        service.jobs = SourceJobs(service.scheduler, service.run_source)
        service.jobs.sync(service.sources)
        text = ctx.sources_path.read_text(encoding="utf-8")
        ctx.sources_path.write_text(text.replace('id = "demo-en"', 'id = "demo-english"'), encoding="utf-8")
        service.reload()
        assert [s.id for s in service.sources] == ["demo-vi", "demo-english"]
        assert service.scheduler.get_job("source:demo-en") is None
        assert service.scheduler.get_job("source:demo-english") is not None
        assert service.web_config().max_age == 60  # the shortest interval: one minute

        ctx.sources_path.write_text(text + "\ncolour = 1\n", encoding="utf-8")
        service.reload()
        assert [s.id for s in service.sources] == ["demo-vi", "demo-english"]
        assert "keeping the previous ones" in caplog.text and "sources.toml" in caplog.text
        service.scheduler.shutdown(wait=False)


async def test_a_cycle_publishes_and_a_paused_source_is_skipped_unless_named(ctx):
    service = Service(ctx, token=None)
    async with contextlib.AsyncExitStack() as stack:
        await service.open(stack)
        await asyncio.to_thread(service.store.set_paused, "demo-en", True)
        results = await service.cycle(service.sources)
        assert [r.source_id for r in results] == ["demo-vi"] and results[0].seeded
        assert (ctx.data_dir / "public" / "feeds" / "all.atom").exists()
        line = await service.scrape_now("demo-en")
        assert line.startswith("demo-en: new 3")


async def test_sigterm_during_a_scheduled_scrape_logs_no_error_only_one_calm_line(ctx, site, caplog):
    from bot.service.service import _request_stop, _shutdown

    caplog.set_level(logging.INFO)
    site.routes["/tin-tuc/"].delay = 0.5  # the scrape is still fetching when SIGTERM comes
    service = Service(ctx, token=None)
    async with contextlib.AsyncExitStack() as stack:
        await service.open(stack)
        service.scheduler = AsyncIOScheduler(timezone="UTC")
        service.jobs = SourceJobs(service.scheduler, service.run_source)
        service.jobs.sync(service.sources[:1], run_now=True)
        service.scheduler.start()
        await wait_async(lambda: site.hits("/tin-tuc/") > 0, "the scheduled scrape")
        _request_stop(service, signal.SIGTERM)
        await _shutdown(service)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert "CancelledError" not in caplog.text and "Traceback" not in caplog.text
    assert caplog.text.count("interrupted by shutdown") <= 1


async def test_one_failed_run_doubles_a_one_minute_source_and_a_success_restores_it(ctx, site):
    service = Service(ctx, token=None)
    async with contextlib.AsyncExitStack() as stack:
        await service.open(stack)
        service.scheduler = AsyncIOScheduler(timezone="UTC")
        service.scheduler.start(paused=True)
        service.jobs = SourceJobs(service.scheduler, service.run_source)
        service.jobs.sync(service.sources)
        listing = site.routes["/en/news/"]
        site.add("/en/news/", b"", status=503)
        assert not (await service.cycle(service.sources[1:]))[0].ok
        assert service.scheduler.get_job("source:demo-en").trigger.interval == dt.timedelta(minutes=2)
        site.routes["/en/news/"] = listing
        assert (await service.cycle(service.sources[1:]))[0].ok
        assert service.scheduler.get_job("source:demo-en").trigger.interval == dt.timedelta(minutes=1)
        service.scheduler.shutdown(wait=False)


def test_run_once_exits_0_then_1_when_a_source_fails(ctx, site, monkeypatch):
    for key, value in (("FEEDBOT_SOURCES", ctx.sources_path), ("FEEDBOT_DATA_DIR", ctx.data_dir)):
        monkeypatch.setenv(key, str(value))
    monkeypatch.setenv("FEEDBOT_FETCH_DELAY_SECONDS", "0")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["run", "--once"]) == 0
    assert "demo-vi" in (ctx.data_dir / "public" / "feeds.opml").read_text(encoding="utf-8")
    site.add("/en/news/", b"", status=404)
    assert main(["run", "--once"]) == 1


async def test_webhook_mode_checks_the_secret_header_and_feeds_updates_to_the_bot(tmp_path, ctx, botapi):
    settings = tmp_path / "webhook.toml"
    settings.write_text(
        f"[http]\nport = {ctx.settings.http.port}\n[telegram]\n"
        f'api_url = "{botapi.base_url}"\nwebhook_url = "https://bot.example.org/tg/hook"\nwebhook_secret = "s3cret"\n',
        encoding="utf-8",
    )
    hooked = Context(settings=load_settings(settings, env=LOOPBACK_ENV), sources_path=ctx.sources_path, data_dir=ctx.data_dir)
    service = Service(hooked, token=botapi.token)
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "/start",
                                          "chat": botapi.chat(42), "from": botapi.user(42, "en"),
                                          "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
    async with contextlib.AsyncExitStack() as stack:
        await service.open(stack)
        await service.start_web(stack)
        await service.start_bot(stack)
        assert botapi.webhook_url == "https://bot.example.org/tg/hook"
        url = f"http://127.0.0.1:{hooked.settings.http.port}/tg/hook"
        async with httpx.AsyncClient() as client:
            refused = await client.post(url, content=json.dumps(update))
            wrong = await client.post(url, content=json.dumps(update), headers={"X-Telegram-Bot-Api-Secret-Token": "x"})
            taken = await client.post(url, content=json.dumps(update),
                                      headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})
        assert (refused.status_code, wrong.status_code, taken.status_code) == (403, 403, 200)
        await wait_async(lambda: botapi.sent(42), "the /start reply")
        assert len(botapi.sent(42)) == 1


async def wait_async(predicate, what: str, timeout: float = 10.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            pytest.fail(f"waited {timeout} s for {what}")
        await asyncio.sleep(0.05)



def _telegram_ctx(tmp_path, ctx, api_url: str) -> Context:
    settings = tmp_path / "tg.toml"
    settings.write_text(f'[telegram]\napi_url = "{api_url}"\n', encoding="utf-8")
    return Context(settings=load_settings(settings, env=LOOPBACK_ENV), sources_path=ctx.sources_path, data_dir=ctx.data_dir)


async def test_a_refused_token_stops_the_service_with_status_2(tmp_path, ctx, botapi):
    service = Service(_telegram_ctx(tmp_path, ctx, botapi.base_url), token="999:not-the-token")
    async with contextlib.AsyncExitStack() as stack:
        await service.open(stack)
        await asyncio.wait_for(service.start_telegram(stack), 10)
    assert service.exit_status == 2 and service.stopped.is_set() and service.app is None


async def test_a_webhook_telegram_refuses_stops_the_service_with_status_2_and_its_reason(tmp_path, ctx, botapi, caplog):
    settings = tmp_path / "webhook.toml"
    settings.write_text(f'[telegram]\napi_url = "{botapi.base_url}"\nwebhook_url = "https://no-such-host.example/hook"\n',
                        encoding="utf-8")
    hooked = Context(settings=load_settings(settings, env=LOOPBACK_ENV), sources_path=ctx.sources_path, data_dir=ctx.data_dir)
    botapi.fail_next(None, "400", method="setWebhook", description="Bad Request: bad webhook: Failed to resolve host")
    service = Service(hooked, token=botapi.token)
    async with contextlib.AsyncExitStack() as stack:
        await service.open(stack)
        await asyncio.wait_for(service.start_telegram(stack), 10)
    assert service.exit_status == 2 and service.stopped.is_set()
    assert "failed to resolve host" in caplog.text.lower() and "telegram.webhook_url" in caplog.text


async def test_telegram_unreachable_at_start_is_retried_while_the_rest_runs(tmp_path, ctx, caplog):
    service = Service(_telegram_ctx(tmp_path, ctx, f"http://127.0.0.1:{free_port()}/bot"), token="1:x")
    async with contextlib.AsyncExitStack() as stack:
        await service.open(stack)
        task = asyncio.create_task(service.start_telegram(stack))
        await wait_async(lambda: "Telegram not reachable, retrying in 5 s" in caplog.text, "a retry")
        status, payload = await service.health()
        assert not task.done() and payload["telegram"] == "retrying" and status == 503
        assert payload["status"] != "ok" and "NetworkError" in payload["telegram_error"]
        service._halt.set()
        service.stopped.set()
        await asyncio.wait_for(task, 5)
    assert service.exit_status == 0


async def test_a_failing_poll_logs_one_warning_line_without_traceback_or_token(tmp_path, ctx, botapi, caplog):
    caplog.set_level(logging.INFO)
    service = Service(_telegram_ctx(tmp_path, ctx, botapi.base_url), token=botapi.token)
    async with contextlib.AsyncExitStack() as stack:
        await service.open(stack)
        await service.start_bot(stack)
        botapi.fail_next(kind="502", method="getUpdates", times=2)
        botapi.push_message(42, "/start")  # ends the long poll in progress; the next two polls fail
        await wait_async(lambda: caplog.text.count("while polling for updates") == 2, "two failed polls")
        await wait_async(lambda: botapi.sent(42), "polling resumed: the /start reply")
    polling = [r for r in caplog.records if "polling" in r.getMessage().lower() and r.levelno >= logging.WARNING]
    assert len(polling) == 2 and all(r.levelno == logging.WARNING and r.exc_info is None for r in polling)
    assert "Traceback" not in caplog.text and botapi.token not in caplog.text


def _last_digest_yesterday(store, chat_id):
    """As if the chat chose its digest a day ago (choosing it now means: next at that hour)."""
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    assert store.update_chat(chat_id, last_digest_at=yesterday)


async def test_digest_job_releases_held_alerts_and_housekeeping_compacts(ctx, site, caplog):
    caplog.set_level(logging.INFO)
    from tests.test_e2e import EXTRA_SLUG, listing_with_extra

    service = Service(ctx, token=None)
    async with contextlib.AsyncExitStack() as stack:
        await service.open(stack)
        await service.cycle(service.sources)  # the silent first scrape
        await asyncio.to_thread(service.subs.upsert_chat, 77)
        await asyncio.to_thread(service.subs.subscribe, 77, "all")
        await asyncio.to_thread(service.subs.set_mode, 77, "digest", digest_hour=0)
        await asyncio.to_thread(_last_digest_yesterday, service.store, 77)
        site.add("/tin-tuc/", listing_with_extra())
        await service.cycle(service.sources[:1])
        assert [r["status"] for r in service.subs.outbox_rows(chat_id=77)] == ["held"]
        await service.digests()
        rows = service.subs.outbox_rows(chat_id=77)
        assert [(r["kind"], r["status"]) for r in rows] == [("alert", "digested"), ("digest", "pending")]
        assert "Thanh Hóa" in rows[1]["text"] and EXTRA_SLUG in rows[1]["text"]
        await service.housekeeping()
        await service.vacuum()
    assert "database maintenance done=optimize + vacuum" in caplog.text


def test_run_once_with_a_token_delivers_the_new_article_before_exiting(tmp_path, ctx, site, botapi, monkeypatch):
    from tests.test_e2e import EXTRA_SLUG, listing_with_extra

    settings = tmp_path / "once.toml"
    settings.write_text(f'[fetch]\ndelay_seconds = 0\n[telegram]\napi_url = "{botapi.base_url}"\n', encoding="utf-8")
    for key, value in (("FEEDBOT_SETTINGS", settings), ("FEEDBOT_SOURCES", ctx.sources_path),
                       ("FEEDBOT_DATA_DIR", ctx.data_dir), ("TELEGRAM_BOT_TOKEN", botapi.token)):
        monkeypatch.setenv(key, str(value))
    assert main(["run", "--once"]) == 0 and not botapi.sent()  # the first run alerts nobody
    with Store.open(database_url(ctx.data_dir)) as store:
        subs = Subscribers(store)
        subs.upsert_chat(31)
        subs.subscribe(31, "events")
    site.add("/tin-tuc/", listing_with_extra())
    assert main(["run", "--once"]) == 0
    assert [EXTRA_SLUG in m.text for m in botapi.sent(31)] == [True]
