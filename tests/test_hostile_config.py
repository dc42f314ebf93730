"""Issue 13, item 11: numbers that passed validation and then crashed the service.

Every numeric setting and ``interval_minutes`` has a documented range; anything outside it is a
configuration error (exit 2) in ``feedbot config`` and ``feedbot run``, and a SIGHUP reload with
such a value keeps the running configuration whole.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging

import pytest

from bot.cli import main
from bot.service.health import health_report
from bot.service.scheduler import SourceJobs
from bot.service.service import Service
from bot.service.settings import OPTIONS, load_settings
from feeds.errors import ConfigError
from feeds.models import Source
from feeds.config.sources import MAX_INTERVAL_MINUTES
from tests.test_service import ctx  # noqa: F401 - the in-process service's context

NUMERIC = [o for o in OPTIONS if o.kind in (int, float) and o.dotted != "http.port"]


@pytest.mark.parametrize("opt", NUMERIC, ids=lambda o: o.dotted)
@pytest.mark.parametrize("raw", ["1500000000000", "-1", "1e308", "inf", "nan"])
def test_every_number_out_of_range_is_a_configuration_error(tmp_path, opt, raw):
    if opt.kind is int and not raw.lstrip("-").isdigit():
        raw = "1" + "0" * 30  # an integer key: a huge integer instead
    path = tmp_path / "settings.toml"
    path.write_text(f"[{opt.section}]\n{opt.key} = {raw}\n", encoding="utf-8")
    if raw == "-1" and opt.check(opt.kind(-1)) is None:
        pytest.skip("-1 is in range")  # never: every range starts at 0 or more
    with pytest.raises(ConfigError, match=rf"key '{opt.dotted}': must be (a finite number )?between"):
        load_settings(path, env={})


@pytest.mark.parametrize("opt", NUMERIC, ids=lambda o: o.dotted)
def test_defaults_are_in_range(opt):
    assert opt.check(opt.default) is None


SETTINGS_CASES = [
    ("[health]\nbroken_after_minutes = 100000000000000\n", "health.broken_after_minutes"),
    ("[fetch]\ndelay_seconds = 1e308\n", "fetch.delay_seconds"),
]


@pytest.mark.parametrize("command", [["config"], ["run", "--once"]])
@pytest.mark.parametrize("text, key", SETTINGS_CASES)
def test_config_and_run_exit_2_on_a_huge_setting(tmp_path, monkeypatch, capsys, command, text, key):
    settings = tmp_path / "settings.toml"
    settings.write_text(text, encoding="utf-8")
    monkeypatch.setenv("FEEDBOT_SETTINGS", str(settings))
    monkeypatch.setenv("FEEDBOT_DATA_DIR", str(tmp_path / "data"))
    assert main(command) == 2
    assert f"key '{key}': must be between" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()  # nothing was started or written


@pytest.mark.parametrize("command", [["config"], ["run", "--once"]])
def test_config_and_run_exit_2_on_a_huge_interval(tmp_path, monkeypatch, capsys, command):
    sources = tmp_path / "sources.toml"
    sources.write_text('[[sources]]\nid = "a"\nname = "A"\nurl = "https://vncpc.org/tin-tuc/"\n'
                       "interval_minutes = 1500000000000\n[sources.listing]\nitem = \"article\"\n", encoding="utf-8")
    monkeypatch.setenv("FEEDBOT_SOURCES", str(sources))
    monkeypatch.setenv("FEEDBOT_DATA_DIR", str(tmp_path / "data"))
    assert main(command) == 2
    assert f"key 'interval_minutes': 1500000000000 is out of range: use a whole number between 1 and " \
           f"{MAX_INTERVAL_MINUTES}" in capsys.readouterr().err


async def test_sighup_with_a_huge_interval_keeps_the_running_configuration(ctx, caplog):  # noqa: F811
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    service = Service(ctx, token=None)
    async with contextlib.AsyncExitStack() as stack:
        await service.open(stack)
        service.scheduler = AsyncIOScheduler(timezone="UTC")
        service.scheduler.start(paused=True)
        service.jobs = SourceJobs(service.scheduler, service.run_source)
        service.jobs.sync(service.sources)
        before = (service.sources, service.scheduler.get_job("source:demo-vi").trigger.interval)
        text = ctx.sources_path.read_text(encoding="utf-8")
        ctx.sources_path.write_text(text.replace('id = "demo-en"', 'id = "demo-new"').replace(
            "interval_minutes = 1", "interval_minutes = 1500000000000"), encoding="utf-8")
        with caplog.at_level(logging.ERROR):
            service.reload()
        assert "keeping the previous ones" in caplog.text and "interval_minutes" in caplog.text
        assert (service.sources, service.scheduler.get_job("source:demo-vi").trigger.interval) == before
        assert service.scheduler.get_job("source:demo-new") is None
        service.scheduler.shutdown(wait=False)


def test_the_largest_values_allowed_still_work():
    source = Source("a", "A", "https://vncpc.org/", listing=None, interval_minutes=MAX_INTERVAL_MINUTES)  # type: ignore[arg-type]
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    status, _ = health_report([source], [], {}, now=now, broken_after_minutes=525_600, started=now)
    assert status == 200
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone="UTC")

    async def run(_: str) -> None:
        return None

    jobs = SourceJobs(scheduler, run)  # type: ignore[arg-type]
    jobs.sync([source])
    assert scheduler.get_job("source:a").trigger.interval == dt.timedelta(minutes=MAX_INTERVAL_MINUTES)
