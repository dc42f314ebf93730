"""Child process of the crash test: fan out what the store has not fanned out, then send slowly.

    python -m tests.support.crash_sender DATA_DIR BASE_URL TOKEN [--rate 10] [--window]

Without ``--window`` one message at a time; with it, the default send window (as many in flight
as the rate and the measured round trip need). Exits 0 once the outbox has no pending row. The
test SIGKILLs it mid-way and starts it again.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from bot.delivery.sender import Sender, SenderConfig, make_bot
from bot.delivery.subscribers import Subscribers
from feeds.store import Store, database_url


async def _send(subs: Subscribers, base_url: str, token: str, rate: float, window: bool) -> None:
    config = SenderConfig(global_per_second=rate, burst=1, concurrency=0 if window else 1, backoff_seconds=0.1,
                          idle_seconds=0.2)
    async with make_bot(token, base_url, connections=config.max_in_flight) as bot:
        await Sender(bot, subs, config).drain(timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("base_url")
    parser.add_argument("token")
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--window", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    with Store.open(database_url(args.data_dir)) as store:
        subs = Subscribers(store)
        print(f"fanned out {subs.fan_out()} rows", flush=True)
        asyncio.run(_send(subs, args.base_url, args.token, args.rate, args.window))


if __name__ == "__main__":
    main()
