"""Subscriber commands and their buttons, each a thin call into ``bot.delivery.subscribers`` or ``feeds.store``.

/start, /help, /subscribe, /unsubscribe, /list, /latest, /events, /settings, /stop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot.texts import messages
from bot.texts.i18n import Html
from bot.commands.keyboards import confirm_keyboard, hour_keyboard, settings_keyboard, topic_keyboard, topic_label
from bot.commands.turn import Turn, handler, may_manage

logger = logging.getLogger(__name__)

DEFAULT_LATEST, MAX_LATEST = 5, 20
MAX_EVENTS = 20


def _topic_reply(turn: Turn, key: str, topic: str) -> str:
    return turn.t(key, topic=Html(topic_label(turn.lang, topic, turn.deps.source_names())))


def _unknown_topic(turn: Turn, topic: str) -> str:
    return turn.t("unknown_topic", topic=topic, topics=", ".join(turn.deps.topics()))


def subscribe_topic(turn: Turn, topic: str) -> str:
    """Subscribe the chat to ``topic``; the reply text."""
    topic = topic.strip().lower()
    if topic not in turn.deps.topics():
        return _unknown_topic(turn, topic)
    added = turn.deps.subscribers.subscribe(turn.remember_chat().chat_id, topic)
    return _topic_reply(turn, "subscribed" if added else "already_subscribed", topic)


def unsubscribe_topic(turn: Turn, topic: str) -> str:
    """Remove ``topic`` ("all": every subscription); the reply text."""
    topic = topic.strip().lower()
    if topic == "all":
        removed = turn.deps.subscribers.unsubscribe(turn.chat_id, "all")
        return turn.t("unsubscribed_all" if removed else "no_subscriptions")
    if topic not in turn.deps.topics():
        return _unknown_topic(turn, topic)
    removed = turn.deps.subscribers.unsubscribe(turn.chat_id, topic)
    return _topic_reply(turn, "unsubscribed" if removed else "not_subscribed", topic)


def _subscribe_keyboard(turn: Turn) -> InlineKeyboardMarkup:
    return topic_keyboard(turn.lang, turn.deps.source_names(), "sub", turn.deps.topics())


def settings_summary(turn: Turn, key: str) -> str:
    saved = turn.deps.subscribers.get_chat(turn.chat_id)
    if saved is not None and saved.mode == "digest":
        mode = turn.t("mode_digest", hour=saved.digest_hour)
    else:
        mode = turn.t("mode_instant")
    return turn.t(key, mode=Html(mode), language=Html(turn.t("language_name")))


# --------------------------------------------------------------------------- subscriptions


@handler()
async def cmd_start(turn: Turn) -> None:
    """Welcome with subscribe buttons; ``/start <topic>`` (a deep link) subscribes directly."""
    if not turn.args:
        await turn.say(turn.t("welcome"), _subscribe_keyboard(turn))
    elif turn.args[0].strip().lower() not in turn.deps.topics():  # a stale link: still offer the topics
        await turn.say(f"{_unknown_topic(turn, turn.args[0])}\n\n{turn.t('welcome')}", _subscribe_keyboard(turn))
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
        await turn.say(turn.t("choose_subscribe"), _subscribe_keyboard(turn))


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
    topics = [c for c in current if c != "all"]
    keyboard = topic_keyboard(turn.lang, turn.deps.source_names(), "unsub", topics, [everything])
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
    today = dt.datetime.now(turn.deps.tz).date()
    items = [(messages.as_of(s, today), names.get(s.article.source_id, s.article.source_id)) for s in stored]
    heading = f"<b>{turn.t('latest_heading', n=len(items))}</b>"
    await turn.say_all(messages.render_digest(items, lang=turn.lang, heading=heading))


@handler()
async def cmd_events(turn: Turn) -> None:
    today = dt.datetime.now(turn.deps.tz).date()
    # it reads every article with events: off the event loop, so the bot, sender and feeds go on
    upcoming = await asyncio.to_thread(turn.deps.store.upcoming_events, today, MAX_EVENTS)
    await turn.say_all(messages.render_events(upcoming, lang=turn.lang) or [turn.t("no_events")])


# --------------------------------------------------------------------------- settings and stop


@handler(manage=True)
async def cmd_settings(turn: Turn) -> None:
    await turn.say(settings_summary(turn, "settings_menu"), settings_keyboard(turn.lang))


@handler(manage=True)
async def on_settings_button(turn: Turn) -> None:
    _, choice, value = turn.fields()
    if choice == "digest":
        await turn.edit(turn.t("choose_hour"), hour_keyboard())
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
    await turn.edit(text, settings_keyboard(turn.lang))


@handler(manage=True)
async def cmd_stop(turn: Turn) -> None:
    await turn.say(turn.t("stop_confirm"), confirm_keyboard(turn.lang, "button_stop_yes", "stop:yes", "stop:no"))


@handler(manage=True)
async def on_stop_button(turn: Turn) -> None:
    if turn.data != "stop:yes":
        await turn.edit(turn.t("cancelled"))
        return
    turn.deps.subscribers.forget(turn.chat_id)
    logger.info("chat forgotten on request: chat=%s", turn.chat_id)
    await turn.edit(turn.t("stop_done"))


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
SUBSCRIBER_BUTTONS = {
    r"^(sub|unsub):": on_topic_button,
    r"^set:": on_settings_button,
    r"^stop:": on_stop_button,
}

__all__ = ["SUBSCRIBER_BUTTONS", "SUBSCRIBER_COMMANDS", "parse_count", "subscribe_topic", "unsubscribe_topic"]
