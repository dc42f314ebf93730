"""Issue 13, item 12: the feed server against hostile clients on 127.0.0.1.

A client dripping its request headers is cut off; refused webhook calls (a stranger hammering the
URL) log one WARNING, not one per call.
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
from aiohttp import web

from bot.commands.runtime import RefusalLog, add_webhook_route
from bot.service.web import start_server


async def _app_server(port: int, head_timeout: float) -> web.AppRunner:
    app = web.Application()

    async def hello(_: web.Request) -> web.Response:
        return web.Response(text="hello")

    app.router.add_get("/", hello)
    add_webhook_route(app, "https://bot.example.org/tg/hook", "s3cret", lambda: None)
    return await start_server(app, "127.0.0.1", port, head_timeout=head_timeout)


async def test_a_client_dripping_its_headers_is_cut_off(unused_tcp_port):
    runner = await _app_server(unused_tcp_port, head_timeout=1.0)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
        started = time.monotonic()
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n")
        closed = False
        for _ in range(60):  # one more header byte every half second, never the blank line
            await asyncio.sleep(0.5)
            try:
                writer.write(b"X")
                await writer.drain()
                closed = await asyncio.wait_for(reader.read(100), 0.01) == b""  # end of stream: closed
            except TimeoutError:
                continue  # still open, nothing to read
            except ConnectionError:
                closed = True
            if closed:
                break
        assert closed and time.monotonic() - started < 25  # generous: the limit is 1 s, the drip 30 s
        writer.close()
        async with httpx.AsyncClient() as client:  # a normal client is served, twice on one connection
            for _ in range(2):
                answer = await client.get(f"http://127.0.0.1:{unused_tcp_port}/")
                assert answer.text == "hello"
    finally:
        await runner.cleanup()


async def test_refused_webhook_calls_log_one_warning(unused_tcp_port, caplog):
    runner = await _app_server(unused_tcp_port, head_timeout=20.0)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.commands.runtime"):
            async with httpx.AsyncClient() as client:
                for _ in range(200):
                    answer = await client.post(f"http://127.0.0.1:{unused_tcp_port}/tg/hook", content=b"{}")
                    assert answer.status_code == 403
        lines = [r for r in caplog.records if "webhook call refused" in r.getMessage()]
        assert len(lines) == 1
    finally:
        await runner.cleanup()


def test_the_refusal_log_says_how_many_were_refused_meanwhile(caplog):
    now = [0.0]
    refusals = RefusalLog(every=60.0, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="bot.commands.runtime"):
        for second in range(0, 130):
            now[0] = float(second)
            refusals.refused("127.0.0.1")
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 3 and "(1 refused" in messages[0] and "(60 refused" in messages[1]
