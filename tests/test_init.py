"""`feedbot init` as a new user runs it, and the sample files it writes."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.init_config import SAMPLE_FILES, sample_text
from bot.service.settings import OPTIONS, load_settings
from feeds.config import load_sources, parse_sources

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def empty_folder(tmp_path, monkeypatch):
    for name in ("FEEDBOT_SETTINGS", "FEEDBOT_SOURCES", "FEEDBOT_CONFIG_DIR", "FEEDBOT_DATA_DIR", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_without_files_commands_say_how_to_get_them(empty_folder, capsys):
    assert main(["config"]) == 2
    assert "config/sources.toml: file not found; write a commented one with `feedbot init`" in capsys.readouterr().err


def test_init_writes_both_files_where_the_other_commands_look_and_says_what_to_run_next(empty_folder, capsys):
    assert main(["init"]) == 0
    out = capsys.readouterr().out
    assert "wrote config/settings.toml and config/sources.toml" in out
    assert "feedbot demo" in out and "feedbot run" in out and "feedbot check-source vncpc-vi" in out
    for name in SAMPLE_FILES:
        assert (empty_folder / "config" / name).read_text(encoding="utf-8") == sample_text(name)
    assert main(["config"]) == 0
    dumped = json.loads(capsys.readouterr().out)
    assert [s["id"] for s in dumped["sources"]] == ["vncpc-vi", "vncpc-en"]


def test_init_into_a_folder_names_it_in_the_next_commands_and_config_dir_finds_it(empty_folder, capsys, monkeypatch):
    target = empty_folder / "etc" / "feed bot"
    assert main(["init", str(target)]) == 0
    out = capsys.readouterr().out
    assert f"feedbot --config-dir '{target}' run" in out
    assert sorted(p.name for p in target.iterdir()) == sorted(SAMPLE_FILES)
    assert main(["--config-dir", str(target), "config"]) == 0
    assert '"vncpc-en"' in capsys.readouterr().out
    monkeypatch.setenv("FEEDBOT_CONFIG_DIR", str(target))
    assert main(["config"]) == 0
    assert '"vncpc-en"' in capsys.readouterr().out
    assert main(["init"]) == 1  # FEEDBOT_CONFIG_DIR is also where init writes by default
    assert "already exist" in capsys.readouterr().err


def test_init_never_overwrites_and_writes_nothing_when_one_file_is_there(empty_folder, capsys):
    config = empty_folder / "config"
    config.mkdir()
    (config / "sources.toml").write_text("# mine\n", encoding="utf-8")
    assert main(["init"]) == 1
    err = capsys.readouterr().err
    assert "config/sources.toml already exists; nothing was written" in err
    assert (config / "sources.toml").read_text(encoding="utf-8") == "# mine\n"
    assert not (config / "settings.toml").exists()


def test_init_into_a_folder_it_cannot_create_says_so(empty_folder, capsys):
    (empty_folder / "a-file").write_text("x")
    assert main(["init", str(empty_folder / "a-file" / "config")]) == 1
    assert "cannot write into" in capsys.readouterr().err


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_the_checkouts_config_files_are_the_shipped_samples(name):
    shipped = (REPO / "config" / name).read_text(encoding="utf-8")
    assert shipped == sample_text(name), f"config/{name} and bot/cli/samples/{name} differ: copy one over the other"


def test_the_sample_sources_are_vncpcs_and_the_commented_example_is_valid_once_uncommented():
    text = sample_text("sources.toml")
    assert [s.id for s in load_sources(REPO / "bot" / "cli" / "samples" / "sources.toml")] == ["vncpc-vi", "vncpc-en"]
    example = text[text.index("# [[sources]]"):]
    uncommented = re.sub(r"^# ?", "", example, flags=re.M)
    (source,) = parse_sources(tomllib.loads(uncommented), where="example")
    assert source.id == "my-site" and source.listing.item == ".news-item"


def test_the_sample_settings_show_every_setting_at_its_default_in_its_section(tmp_path):
    text = sample_text("settings.toml")
    defaults = load_settings(None, env={}).values
    assert load_settings(REPO / "bot" / "cli" / "samples" / "settings.toml", env={}).values == defaults
    uncommented = tmp_path / "settings.toml"
    uncommented.write_text(re.sub(r"^# (\w+ = )", r"\1", text, flags=re.M), encoding="utf-8")
    assert load_settings(uncommented, env={}).values == defaults  # the values shown are the defaults
    section = ""
    seen = set()
    for line in text.splitlines():
        if m := re.match(r"^\[(\w+)\]", line):
            section = m.group(1)
        elif m := re.match(r"^# (\w+) = ", line):
            seen.add(f"{section}.{m.group(1)}" if section else m.group(1))
    assert seen == {opt.dotted for opt in OPTIONS}
