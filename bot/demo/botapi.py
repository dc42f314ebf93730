"""A fake Telegram Bot API server on 127.0.0.1 for tests, benchmarks and ``feedbot demo --telegram local``.

An aiohttp server in a background thread (its own event loop), serving
``/bot<token>/<method>`` with Bot-API-shaped JSON so python-telegram-bot 22 parses it::

    with BotApiServer() as api:
        bot = telegram.Bot(api.token, base_url=api.base_url)
        api.push_message(42, "/start", language_code="vi")     # arrives through getUpdates
        api.fail_next(42, "429", retry_after=2)                 # the next sendMessage to 42 is refused
        ...
        assert [m.text for m in api.sent(chat_id=42)] == [...]

Every call is recorded (``calls()``, ``sent()``). ``parse_mode=HTML`` texts are validated strictly
(bot/demo/telegram_html.py); texts over 4096 characters after entity parsing are refused.
Failure kinds for ``fail_next``: "429", "403", "chat_not_found", "400", "500", "502", "slow"
(answered normally after ``delay`` seconds: the message IS delivered), "drop" (connection closed
without an answer: the message is NOT delivered), "migrated" (400 with ``migrate_to_chat_id``), "garbage" (a 200 answer
that is an HTML page, not JSON: python-telegram-bot's "Invalid server response"). ``rate_limit`` (messages/s over all chats, a
token bucket with one second of burst) answers 429 when exceeded; ``per_chat_interval`` records
(and with ``enforce_per_chat`` refuses) messages closer than that to the previous one in a chat,
and ``group_per_minute`` messages beyond that many in 60 s to a group or channel.

Real-world conditions: ``latency`` (seconds, also ``BotApiServer(latency=0.15)``) delays every
call by that round trip, half before the server looks at it and half before the answer arrives,
without holding up other calls (concurrent calls overlap as on a real network).
``flood_limits()`` switches on Telegram's limits at once: 30 messages/s per bot (one second of
burst), one message a second per chat, 20 a minute per group or channel, and 1,000/s for
messages sent with ``allow_paid_broadcast`` (their own bucket); each refusal is a 429 with
``retry_after``, counted by ``refusals()``. tests/support/botapi_process.py runs the server in
its own process, for benchmarks that must not share the sender's interpreter.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.demo.telegram_html import HtmlError, parse_html

MAX_TEXT = 4096
DEFAULT_TOKEN = "123456789:TEST-token-for-the-fake-bot-api"
FAILURE_KINDS = ("429", "403", "chat_not_found", "400", "500", "502", "slow", "drop", "migrated", "garbage")
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "VNCPC Feedbot",
    "username": "vncpc_feed_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


class ApiError(Exception):
    """Answer the call with a Bot API error."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    status: int  # HTTP status answered; 0 when the connection was dropped
    at: float  # time.monotonic() when the request arrived
    result: Any = None

    @property
    def chat_id(self) -> int | str | None:
        return self.params.get("chat_id")


@dataclass(frozen=True)
class Sent:
    """A message the server accepted (sendMessage answered 200)."""

    chat_id: int | str
    text: str
    message_id: int
    params: dict[str, Any]
    at: float

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return self.params.get("reply_markup")


@dataclass
class _Failure:
    kind: str
    times: int
    retry_after: int = 1
    delay: float = 0.0
    description: str | None = None
    method: str = "sendMessage"
    migrate_to: int = 0


@dataclass
class _Bucket:
    rate: float
    tokens: float = field(default=0.0)
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.rate

    def take(self, now: float) -> bool:
        self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


_INT_KEYS = frozenset({"chat_id", "message_id", "user_id", "offset", "limit", "timeout", "message_thread_id"})
_RAW_KEYS = frozenset({"text", "caption", "url", "data", "callback_query_id", "parse_mode", "language_code"})


def _coerce(key: str, value: str) -> Any:
    """Form values (python-telegram-bot posts forms): ids become ints, JSON values are decoded."""
    if key in _RAW_KEYS:
        return value
    if key in _INT_KEYS:
        try:
            return int(value)
        except ValueError:
            return value
    if value[:1] in "{[" or value in ("true", "false"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


TELEGRAM_PER_SECOND = 30.0  # messages a second per bot (https://core.telegram.org/bots/faq)
TELEGRAM_PER_CHAT_SECONDS = 1.0  # about one message a second per chat
TELEGRAM_GROUP_PER_MINUTE = 20  # messages a minute per group
TELEGRAM_PAID_PER_SECOND = 1000.0  # with allow_paid_broadcast


class BotApiServer:
    def __init__(
        self, token: str = DEFAULT_TOKEN, *, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0
    ) -> None:
        self.token = token
        self.host, self._port = host, port
        self.latency = latency  # seconds of round trip added to every call
        self.rate_limit: float | None = None  # messages per second, all chats together
        self.paid_rate_limit: float | None = None  # messages per second sent with allow_paid_broadcast
        self.per_chat_interval: float | None = None  # seconds between two messages to one chat
        self.enforce_per_chat = False  # refuse (429) instead of only recording
        self.group_per_minute: int | None = None  # record groups/channels above this many per minute
        self.webhook_url = ""
        self.peak_open = 0  # most calls in progress at once (arrived, not answered yet)
        self._open = 0
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._sent: list[Sent] = []
        self._violations: list[tuple[int | str, float]] = []
        self._failures: dict[int | str | None, list[_Failure]] = {}
        self._admins: dict[int | str, set[int]] = {}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(7001)
        self._message_ids = itertools.count(1000)
        self._chat_last: dict[int | str, float] = {}
        self._group_times: dict[int | str, list[float]] = {}
        self._bucket: _Bucket | None = None
        self._paid_bucket: _Bucket | None = None
        self._chats: dict[int | str, dict[str, Any]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new_update: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._closing = False

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> BotApiServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), name="fake-bot-api", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake Bot API server did not start within 10 s")

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        self._closing = True
        fut = asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        fut.result(10)
        self._thread.join(10)
        self._loop = None

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        self._new_update = asyncio.Event()
        loop.run_until_complete(self._startup())
        ready.set()
        loop.run_forever()
        loop.close()

    async def _startup(self) -> None:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._port)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def _shutdown(self) -> None:
        assert self._new_update is not None
        self._new_update.set()
        if self._runner is not None:
            await self._runner.cleanup()
        asyncio.get_running_loop().call_soon(asyncio.get_running_loop().stop)

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        """python-telegram-bot's ``base_url`` (the token is appended to it)."""
        return f"http://{self.host}:{self._port}/bot"

    @property
    def api_url(self) -> str:
        """The URL of this token's methods: ``api_url + "/getMe"``."""
        return f"{self.base_url}{self.token}"

    # ------------------------------------------------------------------ test controls
    def fail_next(
        self,
        chat_id: int | str | None = None,
        kind: str = "500",
        times: int = 1,
        *,
        retry_after: int = 1,
        delay: float = 0.0,
        description: str | None = None,
        method: str = "sendMessage",
        migrate_to: int = 0,
    ) -> None:
        """The next ``times`` calls of ``method`` to ``chat_id`` (any chat when None) fail.
        "migrated" answers that the group became the supergroup ``migrate_to``."""
        if kind not in FAILURE_KINDS:
            raise ValueError(f"unknown failure kind {kind!r}; use one of {FAILURE_KINDS}")
        with self._lock:
            self._failures.setdefault(chat_id, []).append(
                _Failure(kind, times, retry_after, delay, description, method, migrate_to)
            )

    def set_rate_limit(self, per_second: float | None, *, paid_per_second: float | None = None) -> None:
        with self._lock:
            self.rate_limit = per_second
            self._bucket = _Bucket(per_second) if per_second else None
            self.paid_rate_limit = paid_per_second
            self._paid_bucket = _Bucket(paid_per_second) if paid_per_second else None

    def flood_limits(
        self,
        *,
        per_second: float = TELEGRAM_PER_SECOND,
        per_chat_interval: float = TELEGRAM_PER_CHAT_SECONDS,
        group_per_minute: int = TELEGRAM_GROUP_PER_MINUTE,
        paid_per_second: float = TELEGRAM_PAID_PER_SECOND,
    ) -> None:
        """Refuse (429 with retry_after) what Telegram refuses: see the module docstring."""
        self.set_rate_limit(per_second, paid_per_second=paid_per_second)
        with self._lock:
            self.per_chat_interval = per_chat_interval
            self.group_per_minute = group_per_minute
            self.enforce_per_chat = True

    def refusals(self, method: str | None = "sendMessage") -> int:
        """How many calls (of ``method``; every method when None) were answered 429."""
        with self._lock:
            return sum(1 for c in self._calls if c.status == 429 and method in (None, c.method))

    def sent_count(self) -> int:
        with self._lock:
            return len(self._sent)

    def set_admins(self, chat_id: int | str, user_ids: Iterable[int]) -> None:
        with self._lock:
            self._admins[chat_id] = set(user_ids)

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def sent(self, chat_id: int | str | None = None) -> list[Sent]:
        with self._lock:
            return [s for s in self._sent if chat_id is None or s.chat_id == chat_id]

    def violations(self) -> list[tuple[int | str, float]]:
        """(chat_id, seconds since the previous message) for messages sent too soon."""
        with self._lock:
            return list(self._violations)

    def chat_intervals(self) -> dict[int | str, list[float]]:
        """Per chat, the seconds between consecutive accepted messages (arrival times)."""
        by_chat: dict[int | str, list[float]] = {}
        for s in self.sent():
            by_chat.setdefault(s.chat_id, []).append(s.at)
        return {c: [b - a for a, b in itertools.pairwise(ts)] for c, ts in by_chat.items()}

    def commands(self, language_code: str = "", scope: str = "default") -> list[dict[str, Any]]:
        with self._lock:
            return list(self._commands.get((scope, language_code), []))

    def reset(self) -> None:
        self.peak_open = 0
        with self._lock:
            self._calls.clear()
            self._sent.clear()
            self._violations.clear()
            self._chat_last.clear()
            self._group_times.clear()

    def wait_sent(self, count: int, chat_id: int | str | None = None, timeout: float = 10.0) -> list[Sent]:
        """Block until at least ``count`` messages were accepted (to ``chat_id``); return them."""
        return self.wait_until(lambda: len(self.sent(chat_id)) >= count, timeout, f"{count} messages") and self.sent(
            chat_id
        )

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> bool:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"fake Bot API: waited {timeout} s for {what}")
            time.sleep(0.01)
        return True

    # ------------------------------------------------------------------ updates
    def push_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update (``update_id`` is added); returns its id."""
        with self._lock:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
        if self._loop is not None and self._new_update is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)
        return update["update_id"]

    def push_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        language_code: str | None = "vi",
        chat_type: str = "private",
        first_name: str = "Lan",
        username: str | None = None,
        title: str | None = None,
    ) -> int:
        chat = self.chat(chat_id, chat_type, title=title, first_name=first_name)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
        if chat_type == "channel":
            message["sender_chat"] = chat
            return self.push_update({"channel_post": message})
        message["from"] = self.user(user_id or int(chat_id), language_code, first_name, username)
        return self.push_update({"message": message})

    def push_callback(
        self,
        chat_id: int,
        data: str,
        *,
        user_id: int | None = None,
        message_id: int | None = None,
        language_code: str | None = "vi",
        chat_type: str = "private",
    ) -> int:
        """A button press on ``message_id`` (default: the last message sent to the chat)."""
        if message_id is None:
            sent = self.sent(chat_id)
            message_id = sent[-1].message_id if sent else next(self._message_ids)
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self.chat(chat_id, chat_type),
            "from": BOT_USER,
            "text": "…",
        }
        query = {
            "id": str(next(self._query_ids)),
            "from": self.user(user_id or int(chat_id), language_code),
            "message": message,
            "chat_instance": f"ci{chat_id}",
            "data": data,
        }
        return self.push_update({"callback_query": query})

    def push_my_chat_member(
        self,
        chat_id: int,
        *,
        new_status: str = "kicked",
        old_status: str = "member",
        user_id: int | None = None,
        chat_type: str = "private",
    ) -> int:
        """The bot's own membership changed (blocked by a user: "kicked"; added to a group: "member")."""
        update = {
            "chat": self.chat(chat_id, chat_type),
            "from": self.user(user_id or abs(int(chat_id)), "vi"),
            "date": int(time.time()),
            "old_chat_member": _member(BOT_USER, old_status),
            "new_chat_member": _member(BOT_USER, new_status),
        }
        return self.push_update({"my_chat_member": update})

    def chat(self, chat_id: int | str, chat_type: str = "private", **names: str | None) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = names.get("first_name") or "Lan"
        else:
            chat["title"] = names.get("title") or f"Nhóm {chat_id}"
        with self._lock:
            self._chats[chat_id] = chat
        return chat

    @staticmethod
    def user(user_id: int, language_code: str | None, first_name: str = "Lan", username: str | None = None) -> dict:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        if username:
            user["username"] = username
        return user

    # ------------------------------------------------------------------ HTTP
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        """Half the round trip on the way in, the call, half on the way back."""
        half = self.latency / 2
        self._open += 1
        self.peak_open = max(self.peak_open, self._open)
        try:
            if half > 0:
                await asyncio.sleep(half)
            response = await self._process(request)
            if half > 0:
                await asyncio.sleep(half)
            return response
        finally:
            self._open -= 1

    async def _process(self, request: web.Request) -> web.StreamResponse:
        arrived = time.monotonic()
        method = request.match_info["method"]
        params = await _read_params(request)
        if request.match_info["token"] != self.token:
            return self._answer(method, params, arrived, ApiError(401, "Unauthorized"))
        failure = self._take_failure(method, params.get("chat_id"))
        if failure is not None:
            if failure.kind == "drop":
                self._record(Call(method, params, 0, arrived))
                assert request.transport is not None
                request.transport.abort()
                raise asyncio.CancelledError
            if failure.kind == "garbage":  # a proxy's error page where the Bot API's JSON should be
                self._record(Call(method, params, 200, arrived))
                return web.Response(text="<html><body>502 Bad Gateway</body></html>", content_type="text/html")
            if failure.kind == "slow":
                await asyncio.sleep(failure.delay)
            else:
                return self._answer(method, params, arrived, _failure_error(failure))
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            return self._answer(method, params, arrived, ApiError(404, "Not Found"))
        try:
            result = handler(params, arrived) if method.lower() != "getupdates" else await handler(params)
        except ApiError as err:
            return self._answer(method, params, arrived, err)
        return self._answer(method, params, arrived, result)

    def _answer(self, method: str, params: dict, arrived: float, result: Any) -> web.Response:
        if isinstance(result, ApiError):
            body: dict[str, Any] = {"ok": False, "error_code": result.code, "description": result.description}
            if result.parameters:
                body["parameters"] = result.parameters
            status = result.code
        else:
            body, status = {"ok": True, "result": result}, 200
        self._record(Call(method, params, status, arrived, result if status == 200 else body))
        return web.json_response(body, status=status)

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def _take_failure(self, method: str, chat_id: Any) -> _Failure | None:
        with self._lock:
            for key in (chat_id, None) if chat_id is not None else (None,):
                queue = self._failures.get(key) or []
                for failure in queue:
                    if failure.method == method:
                        failure.times -= 1
                        if failure.times <= 0:
                            queue.remove(failure)
                        return failure
        return None

    # ------------------------------------------------------------------ methods
    def _m_getme(self, params: dict, arrived: float) -> dict:
        return BOT_USER

    async def _m_getupdates(self, params: dict) -> list[dict]:
        if self.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        assert self._new_update is not None
        while True:
            with self._lock:
                if offset:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = self._updates[:limit]
                if ready or self._closing:
                    return ready
                self._new_update.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(self._new_update.wait(), remaining)
            except TimeoutError:
                return []

    def _m_sendmessage(self, params: dict, arrived: float) -> dict:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise ApiError(400, "Bad Request: chat_id is empty")
        text = _check_text(params)
        self._check_pacing(chat_id, arrived, paid=params.get("allow_paid_broadcast") is True)
        message = self._message(chat_id, params, text)
        with self._lock:
            self._sent.append(Sent(chat_id, params.get("text", ""), message["message_id"], params, arrived))
        return message

    def _m_editmessagetext(self, params: dict, arrived: float) -> dict:
        text = _check_text(params)
        message = self._message(params.get("chat_id"), params, text)
        message["message_id"] = params.get("message_id")
        message["edit_date"] = int(time.time())
        return message

    def _m_answercallbackquery(self, params: dict, arrived: float) -> bool:
        return True

    def _m_setmycommands(self, params: dict, arrived: float) -> bool:
        key = (_scope(params), str(params.get("language_code") or ""))
        with self._lock:
            self._commands[key] = list(params.get("commands") or [])
        return True

    def _m_deletemycommands(self, params: dict, arrived: float) -> bool:
        with self._lock:
            self._commands.pop((_scope(params), str(params.get("language_code") or "")), None)
        return True

    def _m_getmycommands(self, params: dict, arrived: float) -> list:
        return self.commands(str(params.get("language_code") or ""), _scope(params))

    def _m_getchatmember(self, params: dict, arrived: float) -> dict:
        chat_id, user_id = params.get("chat_id"), int(params.get("user_id") or 0)
        with self._lock:
            admins = self._admins.get(chat_id, set())
        status = "administrator" if user_id in admins else "member"
        if admins and user_id == min(admins):
            status = "creator"
        return _member(self.user(user_id, None), status)

    def _m_getchatadministrators(self, params: dict, arrived: float) -> list:
        with self._lock:
            admins = sorted(self._admins.get(params.get("chat_id"), set()))
        return [_member(self.user(u, None), "creator" if i == 0 else "administrator") for i, u in enumerate(admins)]

    def _m_setwebhook(self, params: dict, arrived: float) -> bool:
        self.webhook_url = str(params.get("url") or "")
        return True

    def _m_deletewebhook(self, params: dict, arrived: float) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            with self._lock:
                self._updates.clear()
        return True

    def _m_getwebhookinfo(self, params: dict, arrived: float) -> dict:
        with self._lock:
            pending = len(self._updates)
        return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": pending}

    def _m_close(self, params: dict, arrived: float) -> bool:
        return True

    def _m_logout(self, params: dict, arrived: float) -> bool:
        return True

    # ------------------------------------------------------------------ helpers
    def _message(self, chat_id: Any, params: dict, text: str) -> dict:
        with self._lock:
            chat = self._chats.get(chat_id) or {"id": chat_id, "type": "private", "first_name": "Lan"}
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": BOT_USER,
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        if isinstance(params.get("reply_markup"), dict):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _check_pacing(self, chat_id: Any, arrived: float, *, paid: bool = False) -> None:
        with self._lock:
            bucket = self._paid_bucket if paid and self._paid_bucket is not None else self._bucket
            if bucket is not None and not bucket.take(arrived):
                raise _too_many(1)
            last = self._chat_last.get(chat_id)
            too_soon = self.per_chat_interval and last is not None and arrived - last < self.per_chat_interval
            if too_soon:
                self._violations.append((chat_id, arrived - last))
                if self.enforce_per_chat:
                    raise _too_many(1)
            self._check_group_rate(chat_id, arrived)
            self._chat_last[chat_id] = arrived

    def _check_group_rate(self, chat_id: Any, arrived: float) -> None:
        """A group or channel (negative id or @name) gets at most ``group_per_minute`` in 60 s."""
        if not self.group_per_minute or (isinstance(chat_id, int) and chat_id > 0):
            return
        times = [t for t in self._group_times.get(chat_id, []) if arrived - t < 60.0]
        if len(times) >= self.group_per_minute:
            self._violations.append((chat_id, arrived - times[-1]))
            if self.enforce_per_chat:
                raise _too_many(max(1, int(60.0 - (arrived - times[0])) + 1))
        self._group_times[chat_id] = [*times, arrived]


def _too_many(seconds: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


def _check_text(params: dict) -> str:
    """The visible text of a message, or the ApiError Telegram would answer."""
    text = params.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    plain = text
    if str(params.get("parse_mode") or "").lower() == "html":
        try:
            plain = parse_html(text)
        except HtmlError as err:
            raise ApiError(400, f"Bad Request: can't parse entities: {err}") from None
    if not plain.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if _utf16_len(plain.strip()) > MAX_TEXT:  # Telegram counts UTF-16 units after parsing
        raise ApiError(400, "Bad Request: message is too long")
    return plain


def _failure_error(failure: _Failure) -> ApiError:
    desc = failure.description
    match failure.kind:
        case "429":
            return ApiError(
                429, desc or f"Too Many Requests: retry after {failure.retry_after}", {"retry_after": failure.retry_after}
            )
        case "403":
            return ApiError(403, desc or "Forbidden: bot was blocked by the user")
        case "chat_not_found":
            return ApiError(400, desc or "Bad Request: chat not found")
        case "400":
            return ApiError(400, desc or "Bad Request: message to reply not found")
        case "502":
            return ApiError(502, desc or "Bad Gateway")
        case "migrated":
            description = desc or "Bad Request: group chat was upgraded to a supergroup chat"
            return ApiError(400, description, {"migrate_to_chat_id": failure.migrate_to})
    return ApiError(500, desc or "Internal Server Error")


def _member(user: dict, status: str) -> dict:
    member: dict[str, Any] = {"user": user, "status": status}
    if status == "kicked":
        member["until_date"] = 0
    if status == "creator":
        member["is_anonymous"] = False
    if status == "administrator":
        member.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
        )
    return member


def _scope(params: dict) -> str:
    scope = params.get("scope")
    return str(scope.get("type", "default")) if isinstance(scope, dict) else "default"


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def _read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            params.update(await request.json())
        else:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return {k: _coerce(k, v) if isinstance(v, str) else v for k, v in params.items()}
