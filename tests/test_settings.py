import re
from pathlib import Path

import pytest

from bot.service.settings import OPTIONS, load_settings, telegram_token
from feeds.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def test_shipped_settings_file_is_valid_and_all_defaults():
    s = load_settings(REPO / "config" / "settings.toml", env={})
    for opt in OPTIONS:
        assert s.get(opt.dotted) == opt.default, opt.dotted


def test_empty_and_missing_files_are_valid(tmp_path):
    empty = tmp_path / "s.toml"
    empty.write_text("")
    assert load_settings(empty, env={}).feeds.max_entries == 100
    assert load_settings(tmp_path / "missing.toml", env={}).http.port == 8080


def test_environment_overrides_file(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('public_base_url = "https://feeds.example.org"\n[fetch]\ndelay_seconds = 3\n[http]\nport = 9001\n')
    s = load_settings(f, env={"FEEDBOT_HTTP_PORT": "9100", "FEEDBOT_FETCH_DELAY_SECONDS": "0.5"})
    assert s.http.port == 9100
    assert s.fetch.delay_seconds == 0.5
    assert s.public_base_url == "https://feeds.example.org"
    assert s.origin["http.port"] == "FEEDBOT_HTTP_PORT"
    assert s.fetch_settings.delay_seconds == 0.5


def test_admin_ids_and_channels_from_env():
    s = load_settings(None, env={"FEEDBOT_TELEGRAM_ADMINS": "111, 222", "FEEDBOT_TELEGRAM_CHANNELS": "@news,-1001"})
    assert s.telegram.admins == (111, 222)
    assert s.telegram.channels == ("@news", -1001)


@pytest.mark.parametrize(
    "text, key",
    [
        ("[http]\nport = 70000\n", "http.port"),
        ("[http]\nprot = 1\n", "http.prot"),
        ("colour = 1\n", "colour"),
        ('[fetch]\ndelay_seconds = "slow"\n', "fetch.delay_seconds"),
        ("[feeds]\nmax_entries = true\n", "feeds.max_entries"),
        ('public_base_url = "ftp://x"\n', "public_base_url"),
        ('[telegram]\nadmins = ["@me"]\n', "telegram.admins"),
        ('[telegram]\nchannels = ["news"]\n', "telegram.channels"),
        ('[telegram]\nwebhook_url = "http://bot.example.org/hook"\n', "telegram.webhook_url"),
        ("delay_seconds = 2\n", "delay_seconds"),
    ],
)
def test_invalid_file_names_the_key(tmp_path, text, key):
    f = tmp_path / "settings.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(f, env={})
    assert f"'{key}'" in str(info.value) and "settings.toml" in str(info.value)


HINTS = {  # what the message tells the admin to write instead
    "delay_seconds = 2\n": "belongs in the [fetch] table",
    "colour = 1\n": "tables: delivery, digest, feeds, fetch",
    '[telegram]\nadmins = ["@me"]\n': "numeric Telegram user ids",
    '[telegram]\nwebhook_url = "http://bot.example.org/hook"\n': "https://",
}


def test_invalid_file_says_what_to_write_instead(tmp_path):
    f = tmp_path / "settings.toml"
    for text, hint in HINTS.items():
        f.write_text(text)
        with pytest.raises(ConfigError, match=re.escape(hint)):
            load_settings(f, env={})


def test_every_problem_of_the_settings_file_is_reported_one_per_line(tmp_path):
    f = tmp_path / "settings.toml"
    f.write_text('colour = 1\n[http]\nport = 99999\n[fetch]\nretries = "three"\nspeed = 2\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(f, env={"FEEDBOT_TELEGRAM_LANGUAGE": "fr"})
    lines = str(info.value).splitlines()
    assert len(lines) == 5 and all(line.startswith((str(f), "FEEDBOT_TELEGRAM_LANGUAGE")) for line in lines)
    for key in ("'colour'", "'fetch.speed'", "'fetch.retries'", "'http.port'", "'telegram.language'"):
        assert sum(key in line for line in lines) == 1, key
    assert info.value.where == f"{f}: key 'colour'"


def test_invalid_env_names_the_variable():
    with pytest.raises(ConfigError, match="FEEDBOT_HTTP_PORT"):
        load_settings(None, env={"FEEDBOT_HTTP_PORT": "eighty"})


def test_toml_syntax_error_names_file(tmp_path):
    f = tmp_path / "settings.toml"
    f.write_text("[http\n")
    with pytest.raises(ConfigError, match="settings.toml: not valid TOML"):
        load_settings(f, env={})


def test_webhook_secret_telegram_would_refuse_is_a_config_error_that_does_not_echo_it():
    with pytest.raises(ConfigError, match="telegram.webhook_secret") as info:
        load_settings(None, env={"FEEDBOT_TELEGRAM_WEBHOOK_SECRET": "my secret!"})
    assert "my secret!" not in str(info.value)
    assert load_settings(None, env={"FEEDBOT_TELEGRAM_WEBHOOK_SECRET": "Ab_9-x"}).telegram.webhook_secret == "Ab_9-x"


@pytest.mark.parametrize("name", ["FEEDBOT_DELIVERY_GLOBAL_PER_SECOND", "FEEDBOT_FETCH_TIMEOUT_SECONDS",
                                  "FEEDBOT_DELIVERY_PER_CHAT_SECONDS"])
def test_infinite_numbers_are_refused(name):
    with pytest.raises(ConfigError, match=f"{name}.*must be a finite number"):
        load_settings(None, env={name: "inf"})


def test_secrets_are_masked_in_dump():
    s = load_settings(None, env={"FEEDBOT_TELEGRAM_WEBHOOK_SECRET": "s3cr3t-value"})
    assert "s3cr3t-value" not in repr(s.redacted())
    assert s.redacted()["telegram"]["webhook_secret"] == "********"


def test_database_password_is_masked_in_dump():
    url = "postgresql+psycopg://feedbot:p%40ss-w0rd@db.internal:5432/feedbot"
    s = load_settings(None, env={"FEEDBOT_DATABASE_URL": url})
    shown = s.redacted()["database_url"]
    assert "p%40ss-w0rd" not in repr(s.redacted()) and shown == "postgresql+psycopg://feedbot:********@db.internal:5432/feedbot"
    assert s.database_url == url  # the service still gets the real one


def test_token_from_env_or_file(tmp_path):
    assert telegram_token({}) is None
    assert telegram_token({"TELEGRAM_BOT_TOKEN": " 123:abc "}) == "123:abc"
    f = tmp_path / "token"
    f.write_text("456:def\n")
    assert telegram_token({"TELEGRAM_BOT_TOKEN_FILE": str(f)}) == "456:def"
    with pytest.raises(ConfigError) as info:
        telegram_token({"TELEGRAM_BOT_TOKEN_FILE": str(tmp_path / "nope")})
    assert "TELEGRAM_BOT_TOKEN_FILE" in str(info.value)


def test_settings_file_saved_with_a_byte_order_mark(tmp_path):
    f = tmp_path / "settings.toml"
    f.write_bytes(b"\xef\xbb\xbf[http]\nport = 9000\n")
    assert load_settings(f, env={}).http.port == 9000
