"""Telegram delivery at real-world round trips, with the service's default settings.

    .venv/bin/python bench/bench_latency.py [--parts fanout,commands,during,paid,memory]
                                            [--latencies 0,0.15,0.25] [--sizes 600,5000]

The fake Bot API (tests/support/botapi.py) runs in its own process on the other core, answers
every call after the given round trip (half on the way in, half on the way out, calls overlap)
and enforces Telegram's flood limits (30 messages/s with one second of burst, one a second per
chat, 20 a minute per group, 1,000/s with ``allow_paid_broadcast``), answering 429 beyond them.
This process runs the service's own Telegram parts as ``feedbot run`` does (``bot.service.Service``:
the bot's ``Application`` polling for updates and the outbox sender), configured by
``load_settings`` with nothing but the Bot API URL set, i.e. the defaults. Loopback only.

Parts (each prints one line per measure):

- fanout: one article to N subscribers at each round trip: msg/s over wall-clock time (from the
  fan-out to the last message accepted), lost, duplicates, 429s. Target: >= 28.5 msg/s, 0 lost,
  0 duplicates, <= max(5, N/100) 429s.
- commands: 600 users each send /start and /subscribe all at once (150 ms): time until the last of
  the 1,200 replies is accepted, and the 429s of the whole run. Target: <= 75 s, <= 12 429s.
- during: a 5,000-subscriber fan-out (150 ms); meanwhile a new user sends /start every second:
  reply times (from the user's message to the reply reaching them), p50/p95. Target: p95 <= 2 s.
- paid: ``delivery.paid_broadcast`` on, one article to 10,000 subscribers at 150 ms.
  Target: >= 900 msg/s, 0 lost, 0 duplicates.
- memory: RSS of this process (the sender, the bot, the store) with 10,000 subscribers: idle,
  and the peak while sending to them for up to a minute. Target: <= 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from bot.cli import Context  # noqa: E402
from bot.service.service import Service  # noqa: E402
from bot.service.settings import load_settings  # noqa: E402
from bot.delivery.subscribers import Subscribers  # noqa: E402
from tests.support.botapi_process import BotApiProcess, pin_to_cpu  # noqa: E402
from tests.support.delivery import add_article, add_subscribers, open_store  # noqa: E402

SOURCES_TOML = """
[[sources]]
id = "vncpc"
name = "VNCPC – Tin tức"
url = "https://vncpc.org/tin-tuc/"
[sources.listing]
item = "article"
"""
PROBE_CHATS = 9_000_000  # chats of the users who send commands (not subscribers)


# --------------------------------------------------------------------------- the service under test


def _prepare(data_dir: Path, subscribers: int) -> None:
    """A store with ``subscribers`` chats subscribed to "all" and one article not fanned out yet."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "sources.toml").write_text(SOURCES_TOML, encoding="utf-8")
    with open_store(data_dir) as store:
        if subscribers:
            add_subscribers(Subscribers(store), range(1, subscribers + 1))
        add_article(store, 1)


@contextlib.asynccontextmanager
async def running_service(data_dir: Path, api: BotApiProcess, **env: str) -> AsyncIterator[Service]:
    """``feedbot run``'s Telegram side (bot + sender) on ``data_dir``, default settings but ``env``."""
    settings = load_settings(None, env={"FEEDBOT_TELEGRAM_API_URL": api.base_url, **env})
    ctx = Context(settings=settings, sources_path=data_dir / "sources.toml", data_dir=data_dir)
    service = Service(ctx, token=api.token)
    async with contextlib.AsyncExitStack() as stack:
        await service.open(stack)
        await service.start_bot(stack)
        await service.start_sender(stack)
        service._sender_task = asyncio.create_task(service.run_sender())
        try:
            yield service
        finally:
            await service.stop_sender()


async def _until(predicate: Callable[[], Any], timeout: float, every: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(predicate):
            return True
        await asyncio.sleep(every)
    return False


def _delivery(api: BotApiProcess, chats: range, start: float) -> dict[str, Any]:
    sent = [s for s in api.sent() if isinstance(s.chat_id, int) and s.chat_id in chats]
    per_chat = Counter(s.chat_id for s in sent)
    last = max((s.at for s in sent), default=start)
    return {
        "accepted": len(sent), "lost": len(chats) - len(per_chat), "duplicates": len(sent) - len(per_chat),
        "refused": api.refusals(), "seconds": last - start,
        "rate": len(sent) / (last - start) if last > start else float("nan"),
    }


# --------------------------------------------------------------------------- parts


async def fan_out(data_dir: Path, api: BotApiProcess, n: int, **env: str) -> dict[str, Any]:
    """One article to ``n`` subscribers; waits until the outbox has nothing pending."""
    async with running_service(data_dir, api, **env) as service:
        start = time.monotonic()
        queued = await asyncio.to_thread(service.subs.fan_out)
        service.wake_sender()
        finished = await _until(lambda: service.subs.pending_count() == 0, timeout=60 + 4 * n)
        await asyncio.sleep(1.0)  # anything still on its way
        result = _delivery(api, range(1, n + 1), start)
    return {**result, "queued": queued, "finished": finished}


async def commands(data_dir: Path, api: BotApiProcess, users: int) -> dict[str, Any]:
    """``users`` new users each send /start and /subscribe all, all at once."""
    chats = range(PROBE_CHATS, PROBE_CHATS + users)
    async with running_service(data_dir, api):
        api.reset()
        start = time.monotonic()
        for chat in chats:
            api.push_message(chat, "/start")
            api.push_message(chat, "/subscribe all")
        want = 2 * users
        answered = lambda: sum(1 for s in api.sent() if s.chat_id in chats)  # noqa: E731
        await _until(lambda: answered() >= want, timeout=400, every=0.5)
        await asyncio.sleep(1.0)
        replies = [s for s in api.sent() if s.chat_id in chats]
    last = max((s.at for s in replies), default=start)
    return {"replies": len(replies), "wanted": want, "seconds": last - start, "refused": api.refusals(None)}


async def during(data_dir: Path, api: BotApiProcess, n: int, probes: int, latency: float) -> dict[str, Any]:
    """A fan-out to ``n``; a /start from a new user every second meanwhile; their reply times."""
    async with running_service(data_dir, api) as service:
        queued = await asyncio.to_thread(service.subs.fan_out)
        service.wake_sender()
        await asyncio.sleep(3.0)  # the fan-out is under way
        asked: dict[int, float] = {}
        for i in range(probes):
            chat = PROBE_CHATS + i
            asked[chat] = time.monotonic()
            api.push_message(chat, "/start")
            await asyncio.sleep(1.0)
        await asyncio.sleep(5.0)
        replies = {s.chat_id: s.at for s in reversed(api.sent()) if s.chat_id in asked}
        pending = await asyncio.to_thread(service.subs.pending_count)
    # the user sees the reply half a round trip after the server accepted it
    times = sorted(replies[c] + latency / 2 - t for c, t in asked.items() if c in replies)
    return {
        "queued": queued, "pending_after": pending, "answered": len(times), "probes": probes,
        "p50": _percentile(times, 50), "p95": _percentile(times, 95), "max": max(times, default=float("nan")),
    }


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, math.ceil(pct / 100 * len(values)) - 1)]


async def memory(data_dir: Path, api: BotApiProcess, n: int, seconds: float) -> dict[str, Any]:
    """RSS with ``n`` subscribers: idle after start-up, and the peak while sending for ``seconds``."""
    proc = psutil.Process()
    async with running_service(data_dir, api) as service:
        await asyncio.sleep(2.0)
        idle = proc.memory_info().rss
        with _PeakRss() as peak:
            await asyncio.to_thread(service.subs.fan_out)
            service.wake_sender()
            await _until(lambda: service.subs.pending_count() == 0, timeout=seconds)
    return {"idle": idle, "peak": peak.value, "sent": api.sent_count()}


class _PeakRss:
    """The largest RSS of this process seen while the block runs (sampled every 20 ms)."""

    def __init__(self) -> None:
        self.value, self._done = 0, threading.Event()
        self._proc = psutil.Process()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.is_set():
            self.value = max(self.value, self._proc.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.value = max(self.value, self._proc.memory_info().rss)


class _CpuUse:
    """CPU seconds (user + system, all threads) of this process and of the server process since creation."""

    def __init__(self, server_pid: int) -> None:
        self._procs = (psutil.Process(), psutil.Process(server_pid))
        self._start = [self._cpu(p) for p in self._procs]

    @staticmethod
    def _cpu(proc: psutil.Process) -> float:
        times = proc.cpu_times()
        return times.user + times.system

    def seconds(self) -> tuple[float, float]:
        mine, server = (self._cpu(p) - s for p, s in zip(self._procs, self._start, strict=True))
        return mine, server


# --------------------------------------------------------------------------- report


def _fanout_line(n: int, latency: float, r: dict[str, Any]) -> str:
    ok = r["rate"] >= 28.5 and r["lost"] == 0 and r["duplicates"] == 0 and r["refused"] <= max(5, n / 100)
    return (
        f"fanout   N={n:<6} RTT={latency * 1000:>3.0f} ms  {r['rate']:7.1f} msg/s (wall, {r['seconds']:.1f} s)  "
        f"lost={r['lost']} duplicates={r['duplicates']} 429s={r['refused']}"
        f"{'' if r['finished'] else '  NOT FINISHED'}  {'ok' if ok else 'TARGET NOT MET'}"
    )


def run_part(part: str, args: argparse.Namespace, tmp: Path) -> list[str]:
    lines = []
    latencies = [float(x) for x in args.latencies.split(",")]
    sizes = [int(x) for x in args.sizes.split(",")]
    if part == "fanout":
        for latency in latencies:
            for n in sizes:
                with _server(latency) as api:
                    _prepare(tmp / f"fanout-{latency}-{n}", n)
                    r = asyncio.run(fan_out(tmp / f"fanout-{latency}-{n}", api, n))
                lines.append(_fanout_line(n, latency, r))
                print(lines[-1], flush=True)
    elif part == "commands":
        with _server(0.15) as api:
            _prepare(tmp / "commands", 0)
            r = asyncio.run(commands(tmp / "commands", api, args.users))
        ok = r["replies"] == r["wanted"] and r["seconds"] <= 75 and r["refused"] <= 12
        lines.append(f"commands {args.users} users x (/start, /subscribe all), RTT 150 ms: {r['replies']}/{r['wanted']} "
                     f"replies, the last after {r['seconds']:.1f} s, 429s={r['refused']}  {'ok' if ok else 'TARGET NOT MET'}")
    elif part == "during":
        with _server(0.15) as api:
            _prepare(tmp / "during", 5000)
            r = asyncio.run(during(tmp / "during", api, 5000, args.probes, 0.15))
        ok = r["answered"] == r["probes"] and r["p95"] <= 2.0
        lines.append(f"during   /start during a 5,000 fan-out, RTT 150 ms: {r['answered']}/{r['probes']} answered, "
                     f"p50={r['p50']:.2f} s p95={r['p95']:.2f} s max={r['max']:.2f} s  {'ok' if ok else 'TARGET NOT MET'}")
    elif part == "paid":
        with _server(0.15) as api:
            _prepare(tmp / "paid", args.paid_subscribers)
            cpu = _CpuUse(api.pid)
            with _PeakRss() as peak:
                r = asyncio.run(fan_out(tmp / "paid", api, args.paid_subscribers, FEEDBOT_DELIVERY_PAID_BROADCAST="true"))
            mine, server = cpu.seconds()
        ok = r["rate"] >= 900 and r["lost"] == 0 and r["duplicates"] == 0
        lines.append(f"paid     N={args.paid_subscribers} RTT=150 ms  {r['rate']:7.1f} msg/s (wall, {r['seconds']:.1f} s)  "
                     f"lost={r['lost']} duplicates={r['duplicates']} 429s={r['refused']}  peak RSS {peak.value / 2**20:.0f} MiB"
                     f"  CPU: service {mine:.1f} s, Bot API server {server:.1f} s  {'ok' if ok else 'TARGET NOT MET'}")
    elif part == "memory":
        with _server(0.15) as api:
            _prepare(tmp / "memory", 10_000)
            r = asyncio.run(memory(tmp / "memory", api, 10_000, args.memory_seconds))
        ok = r["peak"] <= 150 * 2**20
        lines.append(f"memory   10,000 subscribers: RSS idle {r['idle'] / 2**20:.0f} MiB, peak {r['peak'] / 2**20:.0f} MiB "
                     f"while sending ({r['sent']} sent)  {'ok' if ok else 'TARGET NOT MET'}")
    else:
        raise SystemExit(f"unknown part {part!r}")
    if part != "fanout":
        print(lines[-1], flush=True)
    return lines


@contextlib.contextmanager
def _server(latency: float):
    with BotApiProcess(latency=latency, cpu=1) as api:
        api.flood_limits()
        yield api


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", default="fanout,commands,during,paid,memory")
    parser.add_argument("--latencies", default="0,0.15,0.25", help="round trips in seconds (fanout)")
    parser.add_argument("--sizes", default="600,5000", help="subscriber counts (fanout)")
    parser.add_argument("--users", type=int, default=600, help="users sending commands (commands)")
    parser.add_argument("--probes", type=int, default=60, help="commands sent during the fan-out (during)")
    parser.add_argument("--paid-subscribers", type=int, default=10_000)
    parser.add_argument("--memory-seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    pin_to_cpu(0)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; this process (sender + bot) on CPU 0, "
          "the fake Bot API in its own process on CPU 1; Telegram's flood limits on", flush=True)
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for part in args.parts.split(","):
            lines += run_part(part.strip(), args, Path(tmp))
    return 0 if all("TARGET NOT MET" not in line and "NOT FINISHED" not in line for line in lines) else 1


if __name__ == "__main__":
    raise SystemExit(main())
