"""Telegram commands and buttons, each a thin call into ``bot.subscribers`` or ``feeds.store``.

Replies are Telegram HTML in the chat's language (its saved choice, else the user's
``language_code``). In groups only group admins change subscriptions; admin commands are for
the user ids in ``telegram.admins``. A per-chat throttle stops command floods; unknown
commands and free text get a short help; an error handler logs (without the token) and
answers briefly.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
import traceback
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from telegram import (
    Chat,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
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

from bot import messages
from bot.i18n import Html, escape, pick_language, t
from feeds.models import Source

logger = logging.getLogger(__name__)

FIXED_TOPICS = ("all", "events", "recommendations")
MAX_LATEST = 20
DEFAULT_LATEST = 5
MAX_EVENTS = 20
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_MANAGERS = (ChatMember.OWNER, ChatMember.ADMINISTRATOR)
_COMMAND_UPDATES = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST


async def _scrape_unavailable(source_id: str | None) -> str:
    return "scraping is not available in this process"


@dataclass(frozen=True, slots=True)
class BotHooks:
    """What the service lends the handlers, so they never import the scheduler."""

    scrape_now: Callable[[str | None], Awaitable[str]] = _scrape_unavailable
    wake_sender: Callable[[], None] = lambda: None
    sources: Callable[[], Sequence[Source]] = tuple


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
    """Everything the handlers use, stored in ``application.bot_data``."""

    settings: Any
    store: Any
    subscribers: Any
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


def _deps(context: ContextTypes.DEFAULT_TYPE) -> Deps:
    return context.bot_data["feedbot"]


# --------------------------------------------------------------------------- helpers


def language(update: Update, deps: Deps) -> str:
    """The chat's saved language, else the user's ``language_code``, else the configured default."""
    chat = update.effective_chat
    saved = deps.subscribers.get_chat(chat.id) if chat else None
    if saved is not None and saved.language:
        return saved.language
    user = update.effective_user
    if user is not None and user.language_code:
        return pick_language(user.language_code)
    return deps.settings.telegram.language


async def _send(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str, markup: Any = None) -> None:
    await context.bot.send_message(
        chat_id, messages.fit(text), parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=_NO_PREVIEW
    )


async def _edit(update: Update, text: str, markup: Any = None) -> None:
    query = update.callback_query
    await query.edit_message_text(
        messages.fit(text), parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=_NO_PREVIEW
    )


async def may_manage(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Private chats and channels: yes; groups: only the group's admins (also anonymous ones)."""
    chat = update.effective_chat
    if chat is None or chat.type in (Chat.PRIVATE, Chat.CHANNEL):
        return chat is not None
    message = update.effective_message
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous group admin
    user = update.effective_user
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in _MANAGERS


async def _guard_manage(update: Update, context: ContextTypes.DEFAULT_TYPE, lang: str) -> bool:
    if await may_manage(update, context):
        return True
    if update.callback_query is not None:
        await update.callback_query.answer(t(lang, "group_admins_only"), show_alert=True)
    else:
        await _send(context, update.effective_chat.id, t(lang, "group_admins_only"))
    return False


def _remember_chat(update: Update, deps: Deps, lang: str) -> Any:
    """The chat's record, created (in ``lang``) or refreshed and reactivated."""
    chat = update.effective_chat
    title = chat.title or chat.full_name
    return deps.subscribers.upsert_chat(chat.id, type=chat.type, title=title, language=lang)


def _topics(deps: Deps) -> tuple[str, ...]:
    return FIXED_TOPICS + tuple(deps.source_names())


def topic_label(lang: str, topic: str, names: dict[str, str]) -> str:
    if topic in FIXED_TOPICS:
        return t(lang, f"topic_{topic}")
    return t(lang, "topic_source", name=names.get(topic, topic))


def _keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows])


def _topic_keyboard(deps: Deps, lang: str, prefix: str, topics: Sequence[str]) -> InlineKeyboardMarkup:
    names = deps.source_names()
    labels = [(_plain(topic_label(lang, topic, names)), f"{prefix}:{topic}") for topic in topics]
    return _keyboard([[label] for label in labels])


def _plain(html_text: str) -> str:
    """Button labels are plain text: undo the escaping ``t`` applied."""
    return html_text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


# --------------------------------------------------------------------------- subscriptions


async def subscribe_topic(update: Update, context: ContextTypes.DEFAULT_TYPE, topic: str) -> str:
    """Subscribe the chat to ``topic``; the reply text."""
    deps = _deps(context)
    lang = language(update, deps)
    topic = topic.strip().lower()
    if topic not in _topics(deps):
        return t(lang, "unknown_topic", topic=topic, topics=", ".join(_topics(deps)))
    chat = _remember_chat(update, deps, lang)
    added = deps.subscribers.subscribe(chat.chat_id, topic)
    label = Html(topic_label(lang, topic, deps.source_names()))
    return t(lang, "subscribed" if added else "already_subscribed", topic=label)


async def unsubscribe_topic(update: Update, context: ContextTypes.DEFAULT_TYPE, topic: str) -> str:
    deps = _deps(context)
    lang = language(update, deps)
    topic = topic.strip().lower()
    chat_id = update.effective_chat.id
    if topic == "all":
        deps.subscribers.unsubscribe(chat_id, "all")
        return t(lang, "unsubscribed_all")
    if topic not in _topics(deps):
        return t(lang, "unknown_topic", topic=topic, topics=", ".join(_topics(deps)))
    removed = deps.subscribers.unsubscribe(chat_id, topic)
    label = Html(topic_label(lang, topic, deps.source_names()))
    return t(lang, "unsubscribed" if removed else "not_subscribed", topic=label)


async def cmd_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = _deps(context)
    lang = language(update, deps)
    chat_id = update.effective_chat.id
    if context.args:
        if await _guard_manage(update, context, lang):
            await _send(context, chat_id, await subscribe_topic(update, context, context.args[0]))
        return
    await _send(context, chat_id, t(lang, "welcome"), _topic_keyboard(deps, lang, "sub", _topics(deps)))


async def cmd_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = language(update, _deps(context))
    await _send(context, update.effective_chat.id, t(lang, "help"))


async def cmd_subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = _deps(context)
    lang = language(update, deps)
    if not await _guard_manage(update, context, lang):
        return
    chat_id = update.effective_chat.id
    if context.args:
        await _send(context, chat_id, await subscribe_topic(update, context, context.args[0]))
    else:
        await _send(context, chat_id, t(lang, "choose_subscribe"), _topic_keyboard(deps, lang, "sub", _topics(deps)))


async def cmd_unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = _deps(context)
    lang = language(update, deps)
    if not await _guard_manage(update, context, lang):
        return
    chat_id = update.effective_chat.id
    if context.args:
        await _send(context, chat_id, await unsubscribe_topic(update, context, context.args[0]))
        return
    current = deps.subscribers.topics(chat_id)
    if not current:
        await _send(context, chat_id, t(lang, "no_subscriptions"))
        return
    # "all" doubles as "remove every subscription" (/unsubscribe all), so it is the last button
    keyboard = _topic_keyboard(deps, lang, "unsub", [topic for topic in current if topic != "all"])
    everything = [InlineKeyboardButton(_plain(t(lang, "button_unsubscribe_all")), callback_data="unsub:all")]
    await _send(context, chat_id, t(lang, "choose_unsubscribe"), InlineKeyboardMarkup([*keyboard.inline_keyboard, everything]))


async def on_topic_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``sub:<topic>`` and ``unsub:<topic>`` buttons: act, then replace the keyboard by the result."""
    deps = _deps(context)
    lang = language(update, deps)
    query = update.callback_query
    if not await _guard_manage(update, context, lang):
        return
    action, _, topic = query.data.partition(":")
    await query.answer()
    act = subscribe_topic if action == "sub" else unsubscribe_topic
    await _edit(update, await act(update, context, topic))


# --------------------------------------------------------------------------- reading


async def cmd_list(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = _deps(context)
    lang = language(update, deps)
    chat_id = update.effective_chat.id
    topics = deps.subscribers.topics(chat_id)
    if not topics:
        await _send(context, chat_id, t(lang, "no_subscriptions"))
        return
    names = deps.source_names()
    lines = [t(lang, "list_heading"), *(f"• {topic_label(lang, topic, names)}" for topic in topics)]
    lines += ["", settings_summary(deps, chat_id, lang, "list_settings")]
    await _send(context, chat_id, "\n".join(lines))


def settings_summary(deps: Deps, chat_id: int, lang: str, key: str) -> str:
    saved = deps.subscribers.get_chat(chat_id)
    if saved is not None and saved.mode == "digest":
        mode = t(lang, "mode_digest", hour=saved.digest_hour)
    else:
        mode = t(lang, "mode_instant")
    return t(lang, key, mode=Html(mode), language=Html(t(lang, "language_name")))


async def cmd_latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = _deps(context)
    lang = language(update, deps)
    chat_id = update.effective_chat.id
    count = _parse_count(context.args)
    if count is None:
        await _send(context, chat_id, t(lang, "latest_usage"))
        return
    stored = deps.store.articles(limit=count)
    if not stored:
        await _send(context, chat_id, t(lang, "no_articles"))
        return
    names = deps.source_names()
    items = [(s, names.get(s.article.source_id, s.article.source_id)) for s in stored]
    heading = t(lang, "latest_heading", n=len(items))
    for text in messages.render_digest(items, lang=lang, heading=f"<b>{heading}</b>"):
        await _send(context, chat_id, text)


def _parse_count(args: Sequence[str] | None) -> int | None:
    if not args:
        return DEFAULT_LATEST
    try:
        count = int(args[0])
    except ValueError:
        return None
    return count if 1 <= count <= MAX_LATEST else (MAX_LATEST if count > MAX_LATEST else None)


async def cmd_events(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = _deps(context)
    lang = language(update, deps)
    chat_id = update.effective_chat.id
    today = dt.datetime.now(deps.tz).date()
    upcoming = deps.store.upcoming_events(today, MAX_EVENTS)
    texts = messages.render_events(upcoming, lang=lang) or [t(lang, "no_events")]
    for text in texts:
        await _send(context, chat_id, text)


# --------------------------------------------------------------------------- settings and stop


def _settings_keyboard(lang: str) -> InlineKeyboardMarkup:
    other = "en" if lang == "vi" else "vi"
    return _keyboard(
        [
            [(_plain(t(lang, "button_instant")), "set:instant"), (_plain(t(lang, "button_digest")), "set:digest")],
            [(_plain(t(lang, "button_language")), f"set:lang:{other}")],
        ]
    )


def _hour_keyboard() -> InlineKeyboardMarkup:
    hours = [(f"{h:02d}:00", f"set:hour:{h}") for h in range(24)]
    return _keyboard([hours[i : i + 6] for i in range(0, 24, 6)])


async def cmd_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = _deps(context)
    lang = language(update, deps)
    if not await _guard_manage(update, context, lang):
        return
    chat_id = update.effective_chat.id
    await _send(context, chat_id, settings_summary(deps, chat_id, lang, "settings_menu"), _settings_keyboard(lang))


async def on_settings_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``set:instant``, ``set:digest`` (asks the hour), ``set:hour:<h>``, ``set:lang:<vi|en>``."""
    deps = _deps(context)
    lang = language(update, deps)
    if not await _guard_manage(update, context, lang):
        return
    query = update.callback_query
    parts = [*query.data.split(":"), ""]
    await query.answer()
    if parts[1] == "digest":
        await _edit(update, t(lang, "choose_hour"), _hour_keyboard())
        return
    chat_id = _remember_chat(update, deps, lang).chat_id
    if parts[1] == "instant":
        deps.subscribers.set_mode(chat_id, "instant")
    elif parts[1] == "hour" and parts[2].isdigit() and 0 <= int(parts[2]) <= 23:
        deps.subscribers.set_mode(chat_id, "digest", digest_hour=int(parts[2]))
    elif parts[1] == "lang" and parts[2] in ("vi", "en"):
        lang = parts[2]
        deps.subscribers.set_language(chat_id, lang)
    text = t(lang, "settings_saved") + "\n\n" + settings_summary(deps, chat_id, lang, "settings_menu")
    await _edit(update, text, _settings_keyboard(lang))


async def cmd_stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = _deps(context)
    lang = language(update, deps)
    if not await _guard_manage(update, context, lang):
        return
    keyboard = _keyboard([[(_plain(t(lang, "button_stop_yes")), "stop:yes"), (_plain(t(lang, "button_cancel")), "stop:no")]])
    await _send(context, update.effective_chat.id, t(lang, "stop_confirm"), keyboard)


async def on_stop_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = _deps(context)
    lang = language(update, deps)
    if not await _guard_manage(update, context, lang):
        return
    query = update.callback_query
    await query.answer()
    if query.data != "stop:yes":
        await _edit(update, t(lang, "cancelled"))
        return
    deps.subscribers.forget(update.effective_chat.id)
    logger.info("chat forgotten on request: chat=%s", update.effective_chat.id)
    await _edit(update, t(lang, "stop_done"))


# --------------------------------------------------------------------------- membership, fallbacks, errors


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was blocked, kicked or removed: stop delivering to that chat."""
    change = update.my_chat_member
    status = change.new_chat_member.status
    if status in (ChatMember.BANNED, ChatMember.LEFT):
        _deps(context).subscribers.deactivate(change.chat.id, reason=f"bot {status}")
        logger.info("subscriber deactivated: chat=%s status=%s", change.chat.id, status)


async def on_unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Unknown commands and free text: a short help (in groups only when addressed to the bot)."""
    message = update.effective_message
    chat = update.effective_chat
    if chat.type != Chat.PRIVATE and f"@{context.bot.username}".lower() not in (message.text or "").lower():
        return
    lang = language(update, _deps(context))
    await _send(context, chat.id, t(lang, "unknown") + "\n\n" + t(lang, "help"))


async def throttle_gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler: stops command floods (one "slow down", then silence)."""
    message = update.message or update.channel_post
    if message is None or not message.text or update.effective_chat is None:
        return
    chat = update.effective_chat
    if chat.type != Chat.PRIVATE and not message.text.startswith("/"):
        return
    deps = _deps(context)
    verdict = deps.throttle.check(chat.id)
    if verdict == "ok":
        return
    if verdict == "warn":
        logger.warning("command flood throttled: chat=%s", chat.id)
        await _send(context, chat.id, t(language(update, deps), "slow_down"))
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
        lang = language(update, _deps(context))
    except Exception:  # noqa: BLE001 - the store itself may be what failed
        lang = "vi"
    try:
        await _send(context, update.effective_chat.id, t(lang, "error"))
    except TelegramError as err:
        logger.warning("error reply not sent: chat=%s error=%s", update.effective_chat.id, err)


# --------------------------------------------------------------------------- admin commands


async def _guard_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Admins pass; anyone else gets a polite refusal and a log line with their id."""
    deps = _deps(context)
    user = update.effective_user
    if user is not None and user.id in deps.admins:
        return True
    what = (update.effective_message.text or "").split(maxsplit=1)[0][:40] if update.effective_message else ""
    what = what or (update.callback_query.data if update.callback_query else "")
    logger.warning("admin command refused: user=%s chat=%s command=%s", user.id if user else None,
                   update.effective_chat.id, what)
    text = t(language(update, deps), "not_admin")
    if update.callback_query is not None:
        await update.callback_query.answer(_plain(text), show_alert=True)
    else:
        await _send(context, update.effective_chat.id, text)
    return False


def admin_only(callback: Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]):
    """Wraps an admin command or button with :func:`_guard_admin`."""

    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await _guard_admin(update, context):
            await callback(update, context)

    guarded.__name__ = callback.__name__
    return guarded


async def cmd_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = _deps(context)
    lang = language(update, deps)
    health = deps.store.health()
    text = messages.render_stats(deps.subscribers.stats(), health, lang=lang, tz=deps.tz)
    await _send(context, update.effective_chat.id, text)


async def cmd_sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = _deps(context)
    lang = language(update, deps)
    for text in messages.render_health(deps.store.health(), deps.source_names(), lang=lang, tz=deps.tz):
        await _send(context, update.effective_chat.id, text)


def _known_source(deps: Deps, source_id: str) -> bool:
    return source_id in deps.source_names() or any(h.source_id == source_id for h in deps.store.health())


async def _set_paused(update: Update, context: ContextTypes.DEFAULT_TYPE, paused: bool) -> None:
    deps = _deps(context)
    lang = language(update, deps)
    chat_id = update.effective_chat.id
    if not context.args:
        await _send(context, chat_id, t(lang, "usage_pause" if paused else "usage_resume"))
        return
    source_id = context.args[0]
    if not _known_source(deps, source_id):
        await _send(context, chat_id, t(lang, "unknown_source", source=source_id, sources=", ".join(deps.source_names())))
        return
    deps.store.set_paused(source_id, paused)
    logger.info("source %s by admin: source=%s user=%s", "paused" if paused else "resumed", source_id,
                update.effective_user.id)
    await _send(context, chat_id, t(lang, "paused" if paused else "resumed", source=source_id))


async def cmd_pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _set_paused(update, context, True)


async def cmd_resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _set_paused(update, context, False)


async def cmd_scrape(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs a scrape through the service's hook and reports its one-line result."""
    deps = _deps(context)
    lang = language(update, deps)
    chat_id = update.effective_chat.id
    source_id = context.args[0] if context.args else None
    if source_id is not None and not _known_source(deps, source_id):
        await _send(context, chat_id, t(lang, "unknown_source", source=source_id, sources=", ".join(deps.source_names())))
        return
    await _send(context, chat_id, t(lang, "scrape_started", what=source_id or Html(t(lang, "scrape_all"))))
    result = await deps.hooks.scrape_now(source_id)
    await _send(context, chat_id, escape(result))


async def cmd_broadcast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows the announcement with a confirmation button; nothing is sent before it is pressed."""
    deps = _deps(context)
    lang = language(update, deps)
    message = update.effective_message
    parts = (message.text_html or "").split(maxsplit=1)
    chat_id = update.effective_chat.id
    if len(parts) < 2:
        await _send(context, chat_id, t(lang, "usage_broadcast"))
        return
    key = secrets.token_hex(6)
    context.bot_data.setdefault("broadcasts", {})[key] = parts[1]
    count = deps.subscribers.stats().active
    buttons = [[(_plain(t(lang, "button_send")), f"bc:yes:{key}"), (_plain(t(lang, "button_cancel")), f"bc:no:{key}")]]
    await _send(context, chat_id, t(lang, "broadcast_confirm", n=count, text=Html(parts[1])), _keyboard(buttons))


async def on_broadcast_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = _deps(context)
    lang = language(update, deps)
    query = update.callback_query
    _, answer, key = query.data.split(":", 2)
    await query.answer()
    text = context.bot_data.setdefault("broadcasts", {}).pop(key, None)
    if answer != "yes":
        await _edit(update, t(lang, "cancelled"))
        return
    if text is None:
        await _edit(update, t(lang, "broadcast_expired"))
        return
    count = deps.subscribers.enqueue_broadcast(text, update.effective_user.id)
    deps.hooks.wake_sender()
    logger.info("broadcast queued: user=%s messages=%d", update.effective_user.id, count)
    await _edit(update, t(lang, "broadcast_queued", n=count))


# --------------------------------------------------------------------------- registration


def register_handlers(app: Application, deps: Deps) -> None:
    app.bot_data["feedbot"] = deps
    app.add_handler(TypeHandler(Update, throttle_gate), group=-1)
    commands: list[tuple[str, Callable[..., Awaitable[None]]]] = [
        ("start", cmd_start),
        ("help", cmd_help),
        ("subscribe", cmd_subscribe),
        ("unsubscribe", cmd_unsubscribe),
        ("list", cmd_list),
        ("latest", cmd_latest),
        ("events", cmd_events),
        ("settings", cmd_settings),
        ("stop", cmd_stop),
    ]
    for name, callback in commands:
        app.add_handler(CommandHandler(name, callback, filters=_COMMAND_UPDATES))
    admin_commands = [
        ("stats", cmd_stats),
        ("sources", cmd_sources),
        ("pause", cmd_pause),
        ("resume", cmd_resume),
        ("broadcast", cmd_broadcast),
    ]
    for name, callback in admin_commands:
        app.add_handler(CommandHandler(name, admin_only(callback), filters=_COMMAND_UPDATES))
    # a scrape takes a while: do not hold up other updates meanwhile
    app.add_handler(CommandHandler("scrape", admin_only(cmd_scrape), filters=_COMMAND_UPDATES, block=False))
    app.add_handler(CallbackQueryHandler(admin_only(on_broadcast_button), pattern=r"^bc:"))
    app.add_handler(CallbackQueryHandler(on_topic_button, pattern=r"^(sub|unsub):"))
    app.add_handler(CallbackQueryHandler(on_settings_button, pattern=r"^set:"))
    app.add_handler(CallbackQueryHandler(on_stop_button, pattern=r"^stop:"))
    app.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler((filters.COMMAND | filters.TEXT) & _COMMAND_UPDATES, on_unknown))
    app.add_error_handler(on_error)


__all__ = ["BotHooks", "Deps", "Throttle", "register_handlers"]
