"""The README documents every setting and source key, and CI runs the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

from bot.service.settings import OPTIONS

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_setting_and_its_environment_variable_is_documented():
    for opt in OPTIONS:
        assert f"`{opt.dotted}`" in README, opt.dotted
        assert f"`{opt.env}`" in README, opt.env


def test_every_source_key_is_documented():
    for key in ("id", "name", "url", "language", "timezone", "interval_minutes", "max_pages", "enabled",
                "allowed_hosts", "item", "link", "title", "date", "next_page", "body", "author", "category",
                "remove"):
        assert re.search(rf"^{key} = ", README, re.M), key


def test_ci_runs_the_readme_test_command():
    setup = README.split("## Set-up", 1)[1].split("##", 1)[0]
    assert "make demo" in setup and "make test" in setup
    assert "make test" in (REPO / ".ci" / "run").read_text()
