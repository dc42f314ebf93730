"""Settings from ``config/settings.toml`` plus ``FEEDBOT_*`` environment overrides.

Each option is declared once (section, key, type, default, check). Every option has a default, so an
empty or missing settings file is valid. The environment name of ``[section] key`` is
``FEEDBOT_<SECTION>_<KEY>`` (top-level keys: ``FEEDBOT_<KEY>``); the environment wins over the file.
The Telegram token is not a setting: it comes from ``TELEGRAM_BOT_TOKEN`` or the file named by
``TELEGRAM_BOT_TOKEN_FILE`` and is never printed.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feeds.errors import ConfigError
from feeds.models import DEFAULT_TIMEZONE, FetchSettings
from feeds.config.files import read_toml

if TYPE_CHECKING:
    from feeds.publish import FeedFiles


@dataclass(frozen=True, slots=True)
class Option:
    section: str  # "" for top-level keys
    key: str
    kind: type
    default: Any
    help: str
    check: Callable[[Any], str | None] | None = None  # returns a problem, or None

    @property
    def dotted(self) -> str:
        return f"{self.section}.{self.key}" if self.section else self.key

    @property
    def env(self) -> str:
        parts = [self.section, self.key] if self.section else [self.key]
        return "FEEDBOT_" + "_".join(p.upper() for p in parts)


def _between(low: float, high: float) -> Callable[[Any], str | None]:
    """A range check: every number has a sensible range, so a value that passes cannot overflow
    a timer or a date later (``interval_minutes = 1500000000000`` crashed the service)."""

    def check(v: Any) -> str | None:
        if not math.isfinite(v):  # "inf" and "nan" parse as floats
            return f"must be a finite number between {_number(low)} and {_number(high)}"
        if not low <= v <= high:
            return f"must be between {_number(low)} and {_number(high)}"
        return None

    return check


def _number(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def _port(v: int) -> str | None:
    return None if 0 <= v <= 65535 else "must be a TCP port (0-65535)"


def _http_url(v: str) -> str | None:
    return None if v.startswith(("http://", "https://")) else "must start with http:// or https://"


def _optional_https_url(v: str) -> str | None:
    return None if not v or v.startswith("https://") else "must start with https:// (Telegram only calls HTTPS webhooks)"


def _user_ids(v: tuple[Any, ...]) -> str | None:
    bad = [x for x in v if not isinstance(x, int)]
    return None if not bad else f"must be numeric Telegram user ids such as 123456789, not {bad[0]!r}"


def _chats(v: tuple[Any, ...]) -> str | None:
    bad = [x for x in v if not isinstance(x, int) and not str(x).startswith("@")]
    return None if not bad else f"must be numeric chat ids or @channel names, not {bad[0]!r}"


def _webhook_secret(v: str) -> str | None:
    ok = not v or (len(v) <= 256 and re.fullmatch(r"[A-Za-z0-9_-]+", v) is not None)
    return None if ok else "must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram refuses others)"


def _networks(v: tuple[Any, ...]) -> str | None:
    import ipaddress

    for x in v:
        try:
            ipaddress.ip_network(str(x).strip(), strict=False)
        except ValueError:
            return f"must be IP addresses or networks such as 127.0.0.1 or 10.0.0.0/8, not {x!r}"
    return None


def _language(v: str) -> str | None:
    return None if v in ("vi", "en") else 'must be "vi" or "en"'


def _timezone(v: str) -> str | None:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        return "must be an IANA time zone such as Asia/Ho_Chi_Minh"
    return None


def _log_level(v: str) -> str | None:
    ok = ("DEBUG", "INFO", "WARNING", "ERROR")
    return None if v.upper() in ok else f"must be one of {', '.join(ok)}"


_FETCH = FetchSettings()

OPTIONS: tuple[Option, ...] = (
    Option("", "data_dir", str, "data", "Folder for the database and the published feeds (also --data-dir)."),
    Option("", "public_base_url", str, "http://127.0.0.1:8080", "Public URL of the feed server, used in self links and the index page.", _http_url),
    Option("", "database_url", str, "", "SQLAlchemy URL; empty means SQLite at <data-dir>/feedbot.db (postgresql+psycopg://... for PostgreSQL)."),
    Option("", "timezone", str, DEFAULT_TIMEZONE, "Time zone for digests and display.", _timezone),
    Option("", "log_level", str, "INFO", "DEBUG, INFO, WARNING or ERROR.", _log_level),
    Option("fetch", "user_agent", str, _FETCH.user_agent, "User-Agent sent with every request; name the project and a contact URL."),
    Option("fetch", "delay_seconds", float, _FETCH.delay_seconds, "Pause between two requests to the same host.", _between(0, 3600)),
    Option("fetch", "timeout_seconds", float, _FETCH.timeout_seconds, "Read timeout of one request.", _between(0.1, 600)),
    Option("fetch", "connect_timeout_seconds", float, _FETCH.connect_timeout_seconds, "Connect timeout of one request.", _between(0.1, 600)),
    Option("fetch", "retries", int, _FETCH.retries, "Retries after a timeout, connection error, 429 or 5xx.", _between(0, 10)),
    Option("fetch", "max_bytes", int, _FETCH.max_bytes, "Largest page body accepted, in bytes.", _between(1000, 1000000000)),
    Option("fetch", "obey_robots", bool, _FETCH.obey_robots, "Obey robots.txt (leave on for sites you do not own)."),
    Option("fetch", "deadline_seconds", float, _FETCH.deadline_seconds, "Longest time one request may take, connection to last byte, however slowly the site answers (not retried).", _between(0.1, 3600)),
    Option("fetch", "allow_private", tuple, (), "Private, loopback or link-local addresses or networks (CIDR) that may be fetched; every other non-public address is refused.", _networks),
    Option("feeds", "max_entries", int, 100, "Entries per published feed.", _between(1, 10000)),
    Option("feeds", "max_entry_bytes", int, 100_000, "An entry's body in a feed is cut beyond this many bytes, with a link to the article.", _between(1000, 10000000)),
    Option("feeds", "max_feed_bytes", int, 5_000_000, "A feed keeps only the newest entries that fit in this many bytes.", _between(10000, 1000000000)),
    Option("http", "host", str, "127.0.0.1", "Address the feed server listens on."),
    Option("http", "port", int, 8080, "Port the feed server listens on.", _port),
    Option("health", "broken_after_minutes", int, 120, "/healthz answers 503 once a source has been broken this long.", _between(0, 525600)),
    Option("digest", "default_hour", int, 8, "Hour (0-23, local time) of the daily digest for new digest subscribers.", _between(0, 23)),
    Option("delivery", "max_attempts", int, 8, "Attempts before a message that keeps failing is parked as failed.", _between(1, 100)),
    Option("delivery", "global_per_second", float, 30.0, "Messages per second to Telegram overall.", _between(0.01, 1000)),
    Option("delivery", "per_chat_seconds", float, 1.0, "Seconds between two messages to one private chat.", _between(0, 3600)),
    Option("delivery", "group_per_minute", int, 20, "Messages per minute to one group or channel.", _between(1, 1000)),
    Option("delivery", "concurrency", int, 0, "Most messages in flight at once; 0 sizes it by itself (the rate times the measured round trip, plus 2). A crash may repeat each message in flight once, never two to one chat; 1 limits that to one message, and to about 1/round-trip messages a second.", _between(0, 512)),
    Option("delivery", "paid_broadcast", bool, False, "Send alerts with Telegram's allow_paid_broadcast, up to 1,000 a second instead of 30, for 0.1 Telegram Star per message from the bot's balance. Off unless you pay for speed."),
    Option("delivery", "keep_days", int, 30, "Days sent/failed outbox rows are kept before housekeeping prunes them.", _between(1, 3650)),
    Option("telegram", "api_url", str, "https://api.telegram.org/bot", "Bot API base URL (the token is appended); point it at a self-hosted Bot API server if you run one.", _http_url),
    Option("telegram", "admins", tuple, (), "Telegram user ids allowed to run admin commands (FEEDBOT_TELEGRAM_ADMINS: comma-separated).", _user_ids),
    Option("telegram", "channels", tuple, (), "Chat ids or @channel names that receive every alert (comma-separated in the environment).", _chats),
    Option("telegram", "language", str, "vi", "Default language of replies and alerts.", _language),
    Option("telegram", "bot_username", str, "", "The bot's @username without @, for t.me deep links (found with getMe when empty)."),
    Option("telegram", "webhook_url", str, "", "Public HTTPS URL for webhook mode; empty means long polling.", _optional_https_url),
    Option("telegram", "webhook_secret", str, "", "Secret token Telegram sends with each webhook call (secret; generated when empty).", _webhook_secret),
)

SECRET_KEYS = frozenset({"telegram.webhook_secret"})
_URL_PASSWORD = re.compile(r"^([^:/]+://[^:/@]*:)[^/]*@")


@dataclass(frozen=True, slots=True)
class Settings:
    """The effective settings. Sections are plain mappings of validated values."""

    values: Mapping[str, Any] = field(default_factory=dict, repr=False)  # may hold secrets
    origin: Mapping[str, str] = field(default_factory=dict)  # dotted key -> "default" | file | env name

    def get(self, dotted: str) -> Any:
        return self.values[dotted]

    def __getattr__(self, name: str) -> Any:  # settings.http.port, settings.public_base_url
        values = object.__getattribute__(self, "values")
        if name in values:
            return values[name]
        prefix = name + "."
        section = {k[len(prefix):]: v for k, v in values.items() if k.startswith(prefix)}
        if section:
            return _Section(name, section)
        raise AttributeError(name)

    @property
    def fetch_settings(self) -> FetchSettings:
        f = self.fetch
        return FetchSettings(
            user_agent=f.user_agent,
            delay_seconds=f.delay_seconds,
            timeout_seconds=f.timeout_seconds,
            connect_timeout_seconds=f.connect_timeout_seconds,
            retries=f.retries,
            max_bytes=f.max_bytes,
            obey_robots=f.obey_robots,
            deadline_seconds=f.deadline_seconds,
            allow_private=tuple(str(x) for x in f.allow_private),
        )

    def feed_files(self, public_dir: Path) -> FeedFiles:
        """Where and how the feeds are written (``public_dir``: feeds/ and feeds.opml)."""
        from feeds.publish import FeedFiles  # feedgen and lxml: loaded when something is published

        f = self.feeds
        return FeedFiles(public_dir, base_url=self.public_base_url, max_entries=f.max_entries,
                         max_entry_bytes=f.max_entry_bytes, max_feed_bytes=f.max_feed_bytes)

    def redacted(self) -> dict[str, Any]:
        """The settings as a nested dict, secrets masked, for ``feedbot config``."""
        out: dict[str, Any] = {}
        for opt in OPTIONS:
            value = self.values[opt.dotted]
            if opt.dotted in SECRET_KEYS and value:
                value = "********"
            elif opt.dotted == "database_url":
                value = _URL_PASSWORD.sub(r"\1********@", value)  # postgresql://user:password@host/db
            target = out.setdefault(opt.section, {}) if opt.section else out
            target[opt.key] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True, slots=True)
class _Section:
    name: str
    values: Mapping[str, Any]

    def __getattr__(self, key: str) -> Any:
        values = object.__getattribute__(self, "values")
        try:
            return values[key]
        except KeyError:
            raise AttributeError(f"{object.__getattribute__(self, 'name')}.{key}") from None


def load_settings(path: Path | None, env: Mapping[str, str] | None = None) -> Settings:
    """Read ``path`` (missing file = all defaults), apply the environment, validate every key.
    Every problem is reported, one per line, in one :class:`ConfigError` (as for sources.toml)."""
    env = os.environ if env is None else env
    data = _read_toml(path) if path is not None and path.exists() else {}
    where = str(path) if path is not None else "settings"
    problems = list(_unknown_keys(data, where))
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for opt in OPTIONS:
        try:
            values[opt.dotted], origin[opt.dotted] = _option_value(opt, data, env, where)
        except ConfigError as exc:
            problems.append(exc)
    _raise_all(problems)
    return Settings(values=values, origin=origin)


def _option_value(opt: Option, data: Mapping[str, Any], env: Mapping[str, str], where: str) -> tuple[Any, str]:
    """The option's checked value and where it came from; a :class:`ConfigError` when invalid."""
    table = data.get(opt.section, {}) if opt.section else data
    if not isinstance(table, dict):
        table = {}  # "must be a table" is already reported
    if opt.env in env:
        value, src = _from_env(opt, env[opt.env]), opt.env
    elif opt.key in table:
        value, src = _from_file(opt, table[opt.key], where), where
    else:
        value, src = opt.default, "default"
    problem = opt.check(value) if opt.check else None
    if problem:
        shown = "a hidden value" if opt.dotted in SECRET_KEYS else repr(value)  # never echo a secret
        raise ConfigError(f"{problem} (got {shown})", where=f"{src}: key '{opt.dotted}'")
    return value, src


def _raise_all(problems: list[ConfigError]) -> None:
    """One :class:`ConfigError` for every problem, one line each, the first one's ``where`` kept."""
    if not problems:
        return
    if len(problems) == 1:
        raise problems[0]
    first = problems[0]
    message = str(first).removeprefix(f"{first.where}: ") if first.where else str(first)
    error = ConfigError("\n".join([message, *(str(p) for p in problems[1:])]), where=first.where)
    error.problems = tuple(problems)  # type: ignore[attr-defined]
    raise error


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path, missing="file not found; pass --settings FILE or set FEEDBOT_SETTINGS")


def _unknown_keys(data: Mapping[str, Any], where: str) -> list[ConfigError]:
    """Unknown keys and sections that are not tables, one problem each."""
    sections = {o.section for o in OPTIONS if o.section}
    top = {o.key for o in OPTIONS if not o.section}
    problems = []
    for key, value in data.items():
        if key in sections:
            if not isinstance(value, dict):
                problems.append(ConfigError("must be a table", where=f"{where}: key '{key}'"))
                continue
            known = {o.key for o in OPTIONS if o.section == key}
            problems += [
                ConfigError(f"unknown key (known: {', '.join(sorted(known))})", where=f"{where}: key '{key}.{sub}'")
                for sub in value if sub not in known
            ]
        elif key not in top:
            problems.append(ConfigError(_unknown_top_level(key, sections, top), where=f"{where}: key '{key}'"))
    return problems


def _unknown_top_level(key: str, sections: set[str], top: set[str]) -> str:
    owners = sorted(o.section for o in OPTIONS if o.section and o.key == key)
    if owners:
        return f"unknown key here: it belongs in the [{owners[0]}] table (write it below a [{owners[0]}] line)"
    return f"unknown key (top-level keys: {', '.join(sorted(top))}; tables: {', '.join(sorted(sections))})"


def _from_file(opt: Option, raw: Any, where: str) -> Any:
    bad = ConfigError(f"must be {_kind_name(opt.kind)} (got {raw!r})", where=f"{where}: key '{opt.dotted}'")
    if opt.kind is tuple:
        if isinstance(raw, (list, tuple)):
            return tuple(_id_or_name(x) for x in raw)
        if isinstance(raw, (str, int)) and not isinstance(raw, bool):
            return _split_list(str(raw))
        raise bad
    if opt.kind is float and isinstance(raw, int) and not isinstance(raw, bool):
        return float(raw)
    if opt.kind is int and isinstance(raw, bool):
        raise bad
    if not isinstance(raw, opt.kind):
        raise bad
    return raw


def _from_env(opt: Option, raw: str) -> Any:
    raw = raw.strip()
    bad = ConfigError(f"must be {_kind_name(opt.kind)} (got {raw!r})", where=f"{opt.env}: key '{opt.dotted}'")
    if opt.kind is tuple:
        return _split_list(raw)
    if opt.kind is bool:
        low = raw.lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise bad
    if opt.kind in (int, float):
        try:
            return opt.kind(raw)
        except ValueError:
            raise bad from None
    return raw


def _split_list(raw: str) -> tuple[Any, ...]:
    return tuple(_id_or_name(p.strip()) for p in raw.split(",") if p.strip())


def _id_or_name(x: Any) -> Any:
    """Telegram ids are integers; channel names (@name) stay strings."""
    if isinstance(x, int) and not isinstance(x, bool):
        return x
    s = str(x).strip()
    try:
        return int(s)
    except ValueError:
        return s


def _kind_name(kind: type) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false", tuple: "a list"}[kind]


def telegram_token(env: Mapping[str, str] | None = None) -> str | None:
    """The bot token from ``TELEGRAM_BOT_TOKEN`` or the file named by ``TELEGRAM_BOT_TOKEN_FILE``."""
    env = os.environ if env is None else env
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if token:
        return token
    file = env.get("TELEGRAM_BOT_TOKEN_FILE", "").strip()
    if not file:
        return None
    try:
        token = Path(file).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the token file: {exc.strerror}", where="TELEGRAM_BOT_TOKEN_FILE") from None
    if not token:
        raise ConfigError("the token file is empty", where="TELEGRAM_BOT_TOKEN_FILE")
    return token
