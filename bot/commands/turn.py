"""What every command and button handler shares: its dependencies, the update being answered
(:class:`Turn`) and the :func:`handler` decorator with its guards.

Replies are Telegram HTML in the chat's language (its saved choice, else the user's
``language_code``, else ``telegram.language``). In groups only group admins change
subscriptions; admin commands are for the user ids in ``telegram.admins``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Chat, ChatMember, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.texts.length import fit
from bot.texts.i18n import pick_language, t
from bot.commands.keyboards import plain
from bot.commands.throttle import Throttle
from feeds.models import Source
from feeds.present import TOPICS

logger = logging.getLogger(__name__)

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_MANAGERS = (ChatMember.OWNER, ChatMember.ADMINISTRATOR)


async def _scrape_unavailable(source_id: str | None) -> str:
    return "scraping is not available in this process"


@dataclass(frozen=True, slots=True)
class BotHooks:
    """What the service lends the handlers, so they never import the scheduler."""

    scrape_now: Callable[[str | None], Awaitable[str]] = _scrape_unavailable  # one-line result
    wake_sender: Callable[[], None] = lambda: None
    sources: Callable[[], Sequence[Source]] = tuple  # the configured sources, for topics and names


@dataclass(frozen=True, slots=True)
class Deps:
    """Everything the handlers use; kept in ``application.bot_data["feedbot"]``."""

    settings: Any  # bot.service.settings.Settings
    store: Any  # feeds.store.Store
    subscribers: Any  # bot.delivery.subscribers.Subscribers
    hooks: BotHooks = field(default_factory=BotHooks)
    throttle: Throttle = field(default_factory=Throttle)

    @classmethod
    def of(cls, context: ContextTypes.DEFAULT_TYPE) -> Deps:
        return context.bot_data["feedbot"]

    @property
    def admins(self) -> frozenset[int]:
        return frozenset(int(a) for a in self.settings.telegram.admins if str(a).lstrip("-").isdigit())

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def source_names(self) -> dict[str, str]:
        return {s.id: s.name for s in self.hooks.sources()}

    def topics(self) -> tuple[str, ...]:
        return TOPICS + tuple(self.source_names())


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


@dataclass(slots=True)
class Turn:
    """One update being answered: the chat, its language, and ways to reply."""

    update: Update
    context: ContextTypes.DEFAULT_TYPE
    deps: Deps
    lang: str

    @classmethod
    def of(cls, update: Update, context: ContextTypes.DEFAULT_TYPE) -> Turn:
        deps = Deps.of(context)
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

    def fields(self) -> tuple[str, str, str]:
        """The button's ``prefix:choice:value`` callback data, missing parts empty."""
        prefix, choice, value = [*self.data.split(":", 2), "", ""][:3]
        return prefix, choice, value

    def t(self, key: str, /, **values: object) -> str:
        return t(self.lang, key, **values)

    async def say(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        await self.context.bot.send_message(
            self.chat_id, fit(text), parse_mode=ParseMode.HTML, reply_markup=markup,
            link_preview_options=_NO_PREVIEW,
        )

    async def say_all(self, texts: Iterable[str]) -> None:
        """Each text as its own message, in order."""
        for text in texts:
            await self.say(text)

    async def edit(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Replace the pressed message (text and keyboard)."""
        await self.update.callback_query.edit_message_text(
            fit(text), parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=_NO_PREVIEW
        )

    async def refuse(self, key: str) -> None:
        """A short refusal: an alert for a button press, a message otherwise."""
        if self.update.callback_query is not None:
            await self.update.callback_query.answer(plain(self.t(key)), show_alert=True)
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


__all__ = ["BotHooks", "Deps", "Turn", "chat_language", "handler", "may_manage"]
