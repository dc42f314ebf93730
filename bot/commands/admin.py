"""Admin commands (``telegram.admins`` only): /stats, /sources, /pause, /resume, /scrape, /broadcast."""

from __future__ import annotations

import asyncio
import logging
import secrets

from bot.texts import admin as admin_texts
from bot.texts.i18n import Html, escape
from bot.commands.keyboards import confirm_keyboard
from bot.commands.turn import Turn, handler

logger = logging.getLogger(__name__)


@handler(admin=True)
async def cmd_stats(turn: Turn) -> None:
    stats = turn.deps.subscribers.stats()
    await turn.say(admin_texts.render_stats(stats, turn.deps.store.health(), lang=turn.lang, tz=turn.deps.tz))


@handler(admin=True)
async def cmd_sources(turn: Turn) -> None:
    health = turn.deps.store.health()
    await turn.say_all(admin_texts.render_health(health, turn.deps.source_names(), lang=turn.lang, tz=turn.deps.tz))


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
    keyboard = confirm_keyboard(turn.lang, "button_send", f"bc:yes:{key}", f"bc:no:{key}")
    count = turn.deps.subscribers.stats().active
    await turn.say(turn.t("broadcast_confirm", n=count, text=Html(parts[1])), keyboard)


@handler(admin=True)
async def on_broadcast_button(turn: Turn) -> None:
    _, answer, key = turn.fields()
    text = turn.context.bot_data.setdefault("broadcasts", {}).pop(key, None)
    if answer != "yes":
        await turn.edit(turn.t("cancelled"))
    elif text is None:
        await turn.edit(turn.t("broadcast_expired"))
    else:
        # a row per subscriber (thousands): written off the event loop so the bot and sender go on
        count = await asyncio.to_thread(turn.deps.subscribers.enqueue_broadcast, text, turn.user_id)
        turn.deps.hooks.wake_sender()
        logger.info("broadcast queued: user=%s messages=%d", turn.user_id, count)
        await turn.edit(turn.t("broadcast_queued", n=count))


ADMIN_COMMANDS = {
    "stats": cmd_stats,
    "sources": cmd_sources,
    "pause": cmd_pause,
    "resume": cmd_resume,
    "scrape": cmd_scrape,
    "broadcast": cmd_broadcast,
}
ADMIN_BUTTONS = {r"^bc:": on_broadcast_button}

__all__ = ["ADMIN_BUTTONS", "ADMIN_COMMANDS"]
