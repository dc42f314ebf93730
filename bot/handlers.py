"""Telegram commands and buttons, each a thin call into ``bot.subscribers`` or ``feeds.store``.

Replies are Telegram HTML in the chat's language (its saved choice, else the user's
``language_code``, else ``telegram.language``). In groups only group admins change
subscriptions; admin commands are for the user ids in ``telegram.admins``. A per-chat throttle
stops command floods; unknown commands and free text get a short help; the error handler logs
(token scrubbed) and answers briefly, never with a trace.

Callback data: ``sub:<topic>``, ``unsub:<topic>``, ``set:instant``, ``set:digest``,
``set:hour:<0-23>``, ``set:lang:<vi|en>``, ``stop:yes|no``, ``bc:yes|no:<key>``.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import secrets
import time
import traceback
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Chat, ChatMember, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import admin_texts, messages
from bot.i18n import Html, escape, pick_language, t
from feeds.models import Source

logger = logging.getLogger(__name__)

FIXED_TOPICS = ("all", "events", "recommendations")
DEFAULT_LATEST, MAX_LATEST = 5, 20
MAX_EVENTS = 20
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_MANAGERS = (ChatMember.OWNER, ChatMember.ADMINISTRATOR)
_GONE = (ChatMember.BANNED, ChatMember.LEFT)
_MAX_CALLBACK_DATA = 64  # bytes
# Commands in messages and channel posts; edited messages never re-run a command.
_COMMAND_UPDATES = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST


async def _scrape_unavailable(source_id: str | None) -> str:
    return "scraping is not available in this process"


@dataclass(frozen=True, slots=True)
class BotHooks:
    """What the service lends the handlers, so they never import the scheduler."""

    scrape_now: Callable[[str | None], Awaitable[str]] = _scrape_unavailable  # one-line result
    wake_sender: Callable[[], None] = lambda: None
    sources: Callable[[], Sequence[Source]] = tuple  # the configured sources, for topics and names


class Throttle:
    """Per-chat flood guard: more than ``limit`` commands within ``window`` seconds is a flood.

    ``check`` answers "ok", then "warn" once when a flood starts, then "drop" until it calms.
    """

    def __init__(self, limit: int = 10, window: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._stamps: dict[int, deque[float]] = {}
        self._warned: set[int] = set()

    def check(self, chat_id: int) -> str:
        now = self.clock()
        stamps = self._stamps.setdefault(chat_id, deque(maxlen=self.limit + 1))
        stamps.append(now)
        if len(stamps) <= self.limit or now - stamps[0] > self.window:
            self._warned.discard(chat_id)
            self._prune(now)
            return "ok"
        if chat_id in self._warned:
            return "drop"
        self._warned.add(chat_id)
        return "warn"

    def _prune(self, now: float) -> None:
        if len(self._stamps) > 10_000:
            for chat_id in [c for c, s in self._stamps.items() if now - s[-1] > self.window]:
                del self._stamps[chat_id]


@dataclass(frozen=True, slots=True)
class Deps:
    """Everything the handlers use; kept in ``application.bot_data["feedbot"]``."""

    settings: Any  # bot.settings.Settings
    store: Any  # feeds.store.Store
    subscribers: Any  # bot.subscribers.Subscribers
    hooks: BotHooks = field(default_factory=BotHooks)
    throttle: Throttle = field(default_factory=Throttle)

    @property
    def admins(self) -> frozenset[int]:
        return frozenset(int(a) for a in self.settings.telegram.admins if str(a).lstrip("-").isdigit())

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def source_names(self) -> dict[str, str]:
        return {s.id: s.name for s in self.hooks.sources()}

    def topics(self) -> tuple[str, ...]:
        return FIXED_TOPICS + tuple(self.source_names())


def chat_language(update: Update, deps: Deps) -> str:
    """The chat's saved language, else the user's ``language_code``, else the configured default."""
    chat = update.effective_chat
    saved = deps.subscribers.get_chat(chat.id) if chat else None
    if saved is not None and saved.language:
        return saved.language
    user = update.effective_user
    if user is not None and user.language_code:
        return pick_language(user.language_code)
    return deps.settings.telegram.language


# --------------------------------------------------------------------------- one turn


@dataclass(slots=True)
class Turn:
    """One update being answered: the chat, its language, and ways to reply."""

    update: Update
    context: ContextTypes.DEFAULT_TYPE
    deps: Deps
    lang: str

    @classmethod
    def of(cls, update: Update, context: ContextTypes.DEFAULT_TYPE) -> Turn:
        deps: Deps = context.bot_data["feedbot"]
        return cls(update, context, deps, chat_language(update, deps))

    @property
    def chat_id(self) -> int:
        return self.update.effective_chat.id

    @property
    def user_id(self) -> int | None:
        user = self.update.effective_user
        return user.id if user else None

    @property
    def args(self) -> list[str]:
        return list(self.context.args or [])

    @property
    def data(self) -> str:
        return self.update.callback_query.data or ""

    def t(self, key: str, /, **values: object) -> str:
        return t(self.lang, key, **values)

    async def say(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        await self.context.bot.send_message(
            self.chat_id, messages.fit(text), parse_mode=ParseMode.HTML, reply_markup=markup,
            link_preview_options=_NO_PREVIEW,
        )

    async def edit(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Replace the pressed message (text and keyboard)."""
        await self.update.callback_query.edit_message_text(
            messages.fit(text), parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=_NO_PREVIEW
        )

    async def refuse(self, key: str) -> None:
        """A short refusal: an alert for a button press, a message otherwise."""
        if self.update.callback_query is not None:
            await self.update.callback_query.answer(_plain(self.t(key)), show_alert=True)
        else:
            await self.say(self.t(key))

    def remember_chat(self) -> Any:
        """The chat's record, created (in this language) or refreshed and reactivated."""
        chat = self.update.effective_chat
        title = chat.title or chat.full_name
        return self.deps.subscribers.upsert_chat(chat.id, type=chat.type, title=title, language=self.lang)


async def may_manage(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether this update may change the chat's subscriptions and settings.

    Private chats: yes. Groups and channels: only their admins. A channel post or a group
    message sent as the group itself (an anonymous admin) comes from an admin; a button press
    (visible to every member) is checked with getChatMember.
    """
    chat = update.effective_chat
    if chat.type == Chat.PRIVATE:
        return True
    message = update.effective_message
    if update.callback_query is None and message is not None:
        if chat.type == Chat.CHANNEL or (message.sender_chat is not None and message.sender_chat.id == chat.id):
            return True
    user = update.effective_user
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in _MANAGERS


def _is_admin(turn: Turn) -> bool:
    if turn.user_id is not None and turn.user_id in turn.deps.admins:
        return True
    message = turn.update.effective_message
    what = turn.data if turn.update.callback_query else (message.text or "").split(maxsplit=1)[0][:40]
    logger.warning("admin command refused: user=%s chat=%s command=%s", turn.user_id, turn.chat_id, what)
    return False


def handler(*, manage: bool = False, admin: bool = False):
    """Makes ``async f(turn)`` a python-telegram-bot callback, with its guards.

    ``admin``: only ``telegram.admins``; ``manage``: in groups only group admins. A button press
    is answered (the client's spinner stops) once the guards passed.
    """

    def wrap(func: Callable[[Turn], Awaitable[None]]) -> Callable[[Update, Any], Awaitable[None]]:
        @functools.wraps(func)
        async def run(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            turn = Turn.of(update, context)
            if admin and not _is_admin(turn):
                await turn.refuse("not_admin")
                return
            if manage and not await may_manage(update, context):
                await turn.refuse("group_admins_only")
                return
            if update.callback_query is not None:
                await update.callback_query.answer()
            await func(turn)

        return run

    return wrap


# --------------------------------------------------------------------------- keyboards and labels


def topic_label(lang: str, topic: str, names: dict[str, str]) -> str:
    if topic in FIXED_TOPICS:
        return t(lang, f"topic_{topic}")
    return t(lang, "topic_source", name=names.get(topic, topic))


def _plain(html_text: str) -> str:
    """Button labels and alerts are plain text: undo the escaping ``t`` applied."""
    return html_text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


def _keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_plain(text), callback_data=data) for text, data in row] for row in rows]
    )


def _topic_keyboard(
    turn: Turn, prefix: str, topics: Sequence[str], extra: Sequence[tuple[str, str]] = ()
) -> InlineKeyboardMarkup:
    names = turn.deps.source_names()
    rows = [[(topic_label(turn.lang, topic, names), f"{prefix}:{topic}")] for topic in topics]
    # Telegram refuses callback data over 64 bytes: such a source is reachable by command only
    rows = [row for row in rows if len(row[0][1].encode()) <= _MAX_CALLBACK_DATA]
    return _keyboard([*rows, *([e] for e in extra)])


def _settings_keyboard(lang: str) -> InlineKeyboardMarkup:
    other = "en" if lang == "vi" else "vi"
    return _keyboard(
        [
            [(t(lang, "button_instant"), "set:instant"), (t(lang, "button_digest"), "set:digest")],
            [(t(lang, "button_language"), f"set:lang:{other}")],
        ]
    )


def _hour_keyboard() -> InlineKeyboardMarkup:
    hours = [(f"{h:02d}:00", f"set:hour:{h}") for h in range(24)]
    return _keyboard([hours[i : i + 6] for i in range(0, 24, 6)])


def _confirm_keyboard(turn: Turn, yes_key: str, yes: str, no: str) -> InlineKeyboardMarkup:
    return _keyboard([[(turn.t(yes_key), yes), (turn.t("button_cancel"), no)]])


def settings_summary(turn: Turn, key: str) -> str:
    saved = turn.deps.subscribers.get_chat(turn.chat_id)
    if saved is not None and saved.mode == "digest":
        mode = turn.t("mode_digest", hour=saved.digest_hour)
    else:
        mode = turn.t("mode_instant")
    return turn.t(key, mode=Html(mode), language=Html(turn.t("language_name")))


# --------------------------------------------------------------------------- subscriptions


def subscribe_topic(turn: Turn, topic: str) -> str:
    """Subscribe the chat to ``topic``; the reply text."""
    topic = topic.strip().lower()
    if topic not in turn.deps.topics():
        return turn.t("unknown_topic", topic=topic, topics=", ".join(turn.deps.topics()))
    added = turn.deps.subscribers.subscribe(turn.remember_chat().chat_id, topic)
    label = Html(topic_label(turn.lang, topic, turn.deps.source_names()))
    return turn.t("subscribed" if added else "already_subscribed", topic=label)


def unsubscribe_topic(turn: Turn, topic: str) -> str:
    """Remove ``topic`` ("all": every subscription); the reply text."""
    topic = topic.strip().lower()
    if topic == "all":
        turn.deps.subscribers.unsubscribe(turn.chat_id, "all")
        return turn.t("unsubscribed_all")
    if topic not in turn.deps.topics():
        return turn.t("unknown_topic", topic=topic, topics=", ".join(turn.deps.topics()))
    removed = turn.deps.subscribers.unsubscribe(turn.chat_id, topic)
    label = Html(topic_label(turn.lang, topic, turn.deps.source_names()))
    return turn.t("unsubscribed" if removed else "not_subscribed", topic=label)


@handler()
async def cmd_start(turn: Turn) -> None:
    """Welcome with subscribe buttons; ``/start <topic>`` (a deep link) subscribes directly."""
    if not turn.args:
        await turn.say(turn.t("welcome"), _topic_keyboard(turn, "sub", turn.deps.topics()))
    elif await may_manage(turn.update, turn.context):
        await turn.say(subscribe_topic(turn, turn.args[0]))
    else:
        await turn.refuse("group_admins_only")


@handler()
async def cmd_help(turn: Turn) -> None:
    await turn.say(turn.t("help"))


@handler(manage=True)
async def cmd_subscribe(turn: Turn) -> None:
    if turn.args:
        await turn.say(subscribe_topic(turn, turn.args[0]))
    else:
        await turn.say(turn.t("choose_subscribe"), _topic_keyboard(turn, "sub", turn.deps.topics()))


@handler(manage=True)
async def cmd_unsubscribe(turn: Turn) -> None:
    if turn.args:
        await turn.say(unsubscribe_topic(turn, turn.args[0]))
        return
    current = turn.deps.subscribers.topics(turn.chat_id)
    if not current:
        await turn.say(turn.t("no_subscriptions"))
        return
    # "all" doubles as "remove every subscription" (/unsubscribe all): it is the last button
    everything = (turn.t("button_unsubscribe_all"), "unsub:all")
    keyboard = _topic_keyboard(turn, "unsub", [c for c in current if c != "all"], [everything])
    await turn.say(turn.t("choose_unsubscribe"), keyboard)


@handler(manage=True)
async def on_topic_button(turn: Turn) -> None:
    action, _, topic = turn.data.partition(":")
    await turn.edit(subscribe_topic(turn, topic) if action == "sub" else unsubscribe_topic(turn, topic))


# --------------------------------------------------------------------------- reading


@handler()
async def cmd_list(turn: Turn) -> None:
    topics = turn.deps.subscribers.topics(turn.chat_id)
    if not topics:
        await turn.say(turn.t("no_subscriptions"))
        return
    names = turn.deps.source_names()
    lines = [turn.t("list_heading"), *(f"• {topic_label(turn.lang, topic, names)}" for topic in topics)]
    await turn.say("\n".join([*lines, "", settings_summary(turn, "list_settings")]))


def parse_count(args: Sequence[str]) -> int | None:
    """/latest's n: default 5, at most 20; None when it is not a positive number."""
    if not args:
        return DEFAULT_LATEST
    try:
        count = int(args[0])
    except ValueError:
        return None
    return min(count, MAX_LATEST) if count >= 1 else None


@handler()
async def cmd_latest(turn: Turn) -> None:
    count = parse_count(turn.args)
    if count is None:
        await turn.say(turn.t("latest_usage"))
        return
    stored = turn.deps.store.articles(limit=count)
    if not stored:
        await turn.say(turn.t("no_articles"))
        return
    names = turn.deps.source_names()
    items = [(s, names.get(s.article.source_id, s.article.source_id)) for s in stored]
    heading = f"<b>{turn.t('latest_heading', n=len(items))}</b>"
    for text in messages.render_digest(items, lang=turn.lang, heading=heading):
        await turn.say(text)


@handler()
async def cmd_events(turn: Turn) -> None:
    today = dt.datetime.now(turn.deps.tz).date()
    upcoming = turn.deps.store.upcoming_events(today, MAX_EVENTS)
    for text in messages.render_events(upcoming, lang=turn.lang) or [turn.t("no_events")]:
        await turn.say(text)


# --------------------------------------------------------------------------- settings and stop


@handler(manage=True)
async def cmd_settings(turn: Turn) -> None:
    await turn.say(settings_summary(turn, "settings_menu"), _settings_keyboard(turn.lang))


@handler(manage=True)
async def on_settings_button(turn: Turn) -> None:
    _, choice, value = [*turn.data.split(":", 2), ""][:3]
    if choice == "digest":
        await turn.edit(turn.t("choose_hour"), _hour_keyboard())
        return
    chat_id = turn.remember_chat().chat_id
    if choice == "instant":
        turn.deps.subscribers.set_mode(chat_id, "instant")
    elif choice == "hour" and value.isdigit() and 0 <= int(value) <= 23:
        turn.deps.subscribers.set_mode(chat_id, "digest", digest_hour=int(value))
    elif choice == "lang" and value in ("vi", "en"):
        turn.deps.subscribers.set_language(chat_id, value)
        turn.lang = value
    text = turn.t("settings_saved") + "\n\n" + settings_summary(turn, "settings_menu")
    await turn.edit(text, _settings_keyboard(turn.lang))


@handler(manage=True)
async def cmd_stop(turn: Turn) -> None:
    await turn.say(turn.t("stop_confirm"), _confirm_keyboard(turn, "button_stop_yes", "stop:yes", "stop:no"))


@handler(manage=True)
async def on_stop_button(turn: Turn) -> None:
    if turn.data != "stop:yes":
        await turn.edit(turn.t("cancelled"))
        return
    turn.deps.subscribers.forget(turn.chat_id)
    logger.info("chat forgotten on request: chat=%s", turn.chat_id)
    await turn.edit(turn.t("stop_done"))


# --------------------------------------------------------------------------- admin commands


@handler(admin=True)
async def cmd_stats(turn: Turn) -> None:
    stats = turn.deps.subscribers.stats()
    await turn.say(admin_texts.render_stats(stats, turn.deps.store.health(), lang=turn.lang, tz=turn.deps.tz))


@handler(admin=True)
async def cmd_sources(turn: Turn) -> None:
    health = turn.deps.store.health()
    for text in admin_texts.render_health(health, turn.deps.source_names(), lang=turn.lang, tz=turn.deps.tz):
        await turn.say(text)


def _known_source(turn: Turn, source_id: str) -> bool:
    return source_id in turn.deps.source_names() or any(h.source_id == source_id for h in turn.deps.store.health())


async def _unknown_source(turn: Turn, source_id: str) -> None:
    await turn.say(turn.t("unknown_source", source=source_id, sources=", ".join(turn.deps.source_names())))


async def _set_paused(turn: Turn, paused: bool) -> None:
    if not turn.args:
        await turn.say(turn.t("usage_pause" if paused else "usage_resume"))
        return
    source_id = turn.args[0]
    if not _known_source(turn, source_id):
        await _unknown_source(turn, source_id)
        return
    turn.deps.store.set_paused(source_id, paused)
    state = "paused" if paused else "resumed"
    logger.info("source %s by admin: source=%s user=%s", state, source_id, turn.user_id)
    await turn.say(turn.t("paused" if paused else "resumed", source=source_id))


@handler(admin=True)
async def cmd_pause(turn: Turn) -> None:
    await _set_paused(turn, True)


@handler(admin=True)
async def cmd_resume(turn: Turn) -> None:
    await _set_paused(turn, False)


@handler(admin=True)
async def cmd_scrape(turn: Turn) -> None:
    """Runs a scrape through the service's hook and reports its one-line result."""
    source_id = turn.args[0] if turn.args else None
    if source_id is not None and not _known_source(turn, source_id):
        await _unknown_source(turn, source_id)
        return
    await turn.say(turn.t("scrape_started", what=source_id or Html(turn.t("scrape_all"))))
    await turn.say(escape(await turn.deps.hooks.scrape_now(source_id)))


@handler(admin=True)
async def cmd_broadcast(turn: Turn) -> None:
    """Shows the announcement (its formatting kept) with a confirmation button; sends nothing yet."""
    parts = (turn.update.effective_message.text_html or "").split(maxsplit=1)
    if len(parts) < 2:
        await turn.say(turn.t("usage_broadcast"))
        return
    key = secrets.token_hex(6)
    turn.context.bot_data.setdefault("broadcasts", {})[key] = parts[1]
    keyboard = _confirm_keyboard(turn, "button_send", f"bc:yes:{key}", f"bc:no:{key}")
    count = turn.deps.subscribers.stats().active
    await turn.say(turn.t("broadcast_confirm", n=count, text=Html(parts[1])), keyboard)


@handler(admin=True)
async def on_broadcast_button(turn: Turn) -> None:
    _, answer, key = [*turn.data.split(":", 2), "", ""][:3]
    text = turn.context.bot_data.setdefault("broadcasts", {}).pop(key, None)
    if answer != "yes":
        await turn.edit(turn.t("cancelled"))
    elif text is None:
        await turn.edit(turn.t("broadcast_expired"))
    else:
        count = turn.deps.subscribers.enqueue_broadcast(text, turn.user_id)
        turn.deps.hooks.wake_sender()
        logger.info("broadcast queued: user=%s messages=%d", turn.user_id, count)
        await turn.edit(turn.t("broadcast_queued", n=count))


# --------------------------------------------------------------------------- membership, fallbacks, errors


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Blocked, kicked or removed: deactivate the chat. Unblocked or added back: reactivate it."""
    change = update.my_chat_member
    deps: Deps = context.bot_data["feedbot"]
    status, chat = change.new_chat_member.status, change.chat
    if status in _GONE:
        cancelled = deps.subscribers.deactivate(chat.id, f"bot {status}")
        logger.info("subscriber deactivated: chat=%s status=%s cancelled=%d", chat.id, status, cancelled)
    elif change.old_chat_member.status in _GONE and deps.subscribers.get_chat(chat.id) is not None:
        deps.subscribers.upsert_chat(chat.id, type=chat.type, title=chat.title or chat.full_name)
        logger.info("subscriber reactivated: chat=%s status=%s", chat.id, status)


async def on_migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup (new chat id): move its subscriptions along."""
    message = update.effective_message
    if message.migrate_to_chat_id:
        context.bot_data["feedbot"].subscribers.migrate_chat(message.chat.id, message.migrate_to_chat_id)
        logger.info("chat migrated: chat=%s new_chat=%s", message.chat.id, message.migrate_to_chat_id)


@handler()
async def on_unknown(turn: Turn) -> None:
    """Unknown commands and free text: a short help (in groups only when addressed to the bot)."""
    text = turn.update.effective_message.text or ""
    addressed = f"@{turn.context.bot.username}".lower() in text.lower()
    if turn.update.effective_chat.type != Chat.PRIVATE and not addressed:
        return
    await turn.say(turn.t("unknown") + "\n\n" + turn.t("help"))


async def throttle_gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler: stops command floods (one "slow down", then silence)."""
    message = update.message or update.channel_post
    if message is None or not message.text:
        return
    if update.effective_chat.type != Chat.PRIVATE and not message.text.startswith("/"):
        return
    deps: Deps = context.bot_data["feedbot"]
    verdict = deps.throttle.check(update.effective_chat.id)
    if verdict == "ok":
        return
    if verdict == "warn":
        logger.warning("command flood throttled: chat=%s", update.effective_chat.id)
        turn = Turn.of(update, context)
        await turn.say(turn.t("slow_down"))
    raise ApplicationHandlerStop


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure (token scrubbed) and tell the chat briefly; never show a trace."""
    error = context.error
    trace = "".join(traceback.format_exception(error)) if error else "unknown error"
    token = context.bot.token
    logger.error("update handling failed: %s", trace.replace(token, "<token>") if token else trace)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        lang = chat_language(update, context.bot_data["feedbot"])
    except Exception:  # noqa: BLE001 - the database may be what failed
        lang = "vi"
    try:
        await context.bot.send_message(update.effective_chat.id, t(lang, "error"))
    except TelegramError as err:
        logger.warning("error reply not sent: chat=%s error=%s", update.effective_chat.id, err)


# --------------------------------------------------------------------------- registration

SUBSCRIBER_COMMANDS = {
    "start": cmd_start,
    "help": cmd_help,
    "subscribe": cmd_subscribe,
    "unsubscribe": cmd_unsubscribe,
    "list": cmd_list,
    "latest": cmd_latest,
    "events": cmd_events,
    "settings": cmd_settings,
    "stop": cmd_stop,
}
ADMIN_COMMANDS = {
    "stats": cmd_stats,
    "sources": cmd_sources,
    "pause": cmd_pause,
    "resume": cmd_resume,
    "scrape": cmd_scrape,
    "broadcast": cmd_broadcast,
}
BUTTONS = {
    r"^(sub|unsub):": on_topic_button,
    r"^set:": on_settings_button,
    r"^stop:": on_stop_button,
    r"^bc:": on_broadcast_button,
}


def register_handlers(app: Application, deps: Deps) -> None:
    """Every command, button, membership and fallback handler, the throttle and the error handler."""
    app.bot_data["feedbot"] = deps
    app.add_handler(TypeHandler(Update, throttle_gate), group=-1)
    for name, callback in {**SUBSCRIBER_COMMANDS, **ADMIN_COMMANDS}.items():
        # a scrape takes a while: it must not hold up other chats' updates
        app.add_handler(CommandHandler(name, callback, filters=_COMMAND_UPDATES, block=name != "scrape"))
    for pattern, callback in BUTTONS.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    app.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate))
    app.add_handler(MessageHandler((filters.COMMAND | filters.TEXT) & _COMMAND_UPDATES, on_unknown))
    app.add_error_handler(on_error)


__all__ = ["ADMIN_COMMANDS", "BotHooks", "Deps", "SUBSCRIBER_COMMANDS", "Throttle", "Turn", "register_handlers"]
