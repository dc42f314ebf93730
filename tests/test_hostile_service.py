"""Issue 13, items 4 and 7, in the service: one slow site no longer stalls the others, each site
stays polite, and feeds are published again after a failed publish until one succeeds."""

from __future__ import annotations

import asyncio
import contextlib
import threading

import pytest

from bot.cli import Context
from bot.demo.demo import DEMO_ROOT, extra_listing_item, sources_toml, with_extra_item
from bot.service.service import Service
from bot.service.settings import load_settings
from tests.test_e2e import free_port
from tests.test_service import LOOPBACK_ENV, wait_async


def _ctx(tmp_path, vi_base: str, en_base: str) -> Context:
    text = sources_toml(vi_base)
    vi, en = text.split("[[sources]]")[1:]
    sources = tmp_path / "sources.toml"
    sources.write_text("[[sources]]" + vi + "[[sources]]" + en.replace(vi_base, en_base), encoding="utf-8")
    settings = tmp_path / "settings.toml"
    settings.write_text(f"[fetch]\ndelay_seconds = 0\nretries = 0\n[http]\nport = {free_port()}\n", encoding="utf-8")
    return Context(settings=load_settings(settings, env=LOOPBACK_ENV), sources_path=sources, data_dir=tmp_path / "data")


@pytest.fixture
def held(site):
    """The demo site with its Vietnamese listing held until the test releases it."""
    site.add_dir(DEMO_ROOT)
    release = threading.Event()
    site.routes["/tin-tuc/"].hold = release
    yield site, release
    release.set()


async def test_a_slow_site_does_not_hold_up_a_source_on_another_host(tmp_path, held):
    site, release = held
    ctx = _ctx(tmp_path, f"http://localhost:{site.port}", f"http://127.0.0.1:{site.port}")
    service = Service(ctx, token=None)
    async with contextlib.AsyncExitStack() as stack:
        await service.open(stack)
        vi, en = service.sources
        slow = asyncio.create_task(service.cycle([vi]))
        await asyncio.to_thread(site.routes["/tin-tuc/"].arrived.wait, 30)
        fast = await asyncio.wait_for(service.cycle([en]), 60)  # with one lock for all it waited for vi
        assert [r.source_id for r in fast] == ["demo-en"] and fast[0].ok and fast[0].new
        assert not slow.done()
        release.set()
        assert (await asyncio.wait_for(slow, 60))[0].ok


async def test_one_cycle_scrapes_sites_side_by_side(tmp_path, held):
    site, release = held
    ctx = _ctx(tmp_path, f"http://localhost:{site.port}", f"http://127.0.0.1:{site.port}")
    service = Service(ctx, token=None)
    async with contextlib.AsyncExitStack() as stack:
        await service.open(stack)
        both = asyncio.create_task(service.cycle(service.sources))  # an admin's /scrape
        await wait_async(lambda: service.store.source_health("demo-en").last_run is not None,
                         "demo-en scraped while demo-vi's site hangs", timeout=60)
        assert not both.done()
        release.set()
        results = await asyncio.wait_for(both, 60)
        assert sorted(r.source_id for r in results) == ["demo-en", "demo-vi"] and all(r.ok for r in results)


async def test_sources_on_one_host_take_turns(tmp_path, held):
    site, release = held
    ctx = _ctx(tmp_path, site.base, site.base)
    service = Service(ctx, token=None)
    async with contextlib.AsyncExitStack() as stack:
        await service.open(stack)
        vi, en = service.sources
        first = asyncio.create_task(service.cycle([vi]))
        await asyncio.to_thread(site.routes["/tin-tuc/"].arrived.wait, 30)
        second = asyncio.create_task(service.cycle([en]))
        # one request at a time per host: the English listing is not asked while the Vietnamese one hangs
        assert not await asyncio.to_thread(site.routes["/en/news/"].arrived.wait, 1.0)
        release.set()
        results = await asyncio.wait_for(asyncio.gather(first, second), 60)
        assert all(r[0].ok for r in results)


async def test_feeds_are_published_again_after_a_failed_publish(tmp_path, site):
    # The issue: once published, a failed publish (a full disk) left the feeds stale until some
    # other article changed. Now every later cycle publishes until one succeeds.
    site.add_dir(DEMO_ROOT)
    ctx = _ctx(tmp_path, site.base, site.base)
    feeds = ctx.data_dir / "public" / "feeds"
    service = Service(ctx, token=None)
    async with contextlib.AsyncExitStack() as stack:
        await service.open(stack)
        await service.cycle(service.sources)
        assert (feeds / "all.atom").exists()
        feeds.rename(feeds.with_name("feeds.moved"))
        feeds.write_text("a file where the feeds folder should be", encoding="utf-8")  # publishing fails
        listing = site.routes["/tin-tuc/"]
        site.add("/tin-tuc/", with_extra_item(listing.body.decode("utf-8"), extra_listing_item()))
        changed = await service.cycle(service.sources)
        assert any(r.new for r in changed) and feeds.is_file()
        feeds.unlink()  # the admin frees the disk
        feeds.with_name("feeds.moved").rename(feeds)
        again = await service.cycle(service.sources)  # nothing new on the site: published all the same
        assert not any(r.new or r.changed for r in again)
        new_url = changed[0].new[0].article.url
        assert new_url in (feeds / "all.atom").read_text(encoding="utf-8")
        written = (feeds / "all.atom").stat().st_mtime_ns
        await service.cycle(service.sources)  # published: not rewritten without a change
        assert (feeds / "all.atom").stat().st_mtime_ns == written


async def test_a_non_json_bot_api_answer_at_start_is_retried_and_healthz_tells_the_truth(tmp_path, site, botapi, caplog):
    # The issue: one "Invalid server response" at start-up killed the bot for good while /healthz
    # kept saying "starting" with status ok.
    from tests.test_service import _telegram_ctx

    site.add_dir(DEMO_ROOT)
    ctx = _ctx(tmp_path, site.base, site.base)
    botapi.fail_next(None, "garbage", method="getMe")
    service = Service(_telegram_ctx(tmp_path, ctx, botapi.base_url), token=botapi.token)
    async with contextlib.AsyncExitStack() as stack:
        await service.open(stack)
        task = asyncio.create_task(service.start_telegram(stack))
        await wait_async(lambda: service.telegram_problem is not None, "the failed first attempt", timeout=30)
        status, payload = await service.health()
        assert (status, payload["status"], payload["telegram"]) == (503, "unhealthy", "retrying")
        assert "Invalid server response" in payload["telegram_error"] and botapi.token not in payload["telegram_error"]
        await asyncio.wait_for(task, 60)  # the retry (after 5 s) starts the bot
        assert service.app is not None and service.exit_status == 0
        status, payload = await service.health()
        assert (status, payload["telegram"]) == (200, "polling") and "telegram_error" not in payload
        service._halt.set()
        service.stopped.set()
    assert "retrying in 5 s: TelegramError: Invalid server response" in caplog.text
