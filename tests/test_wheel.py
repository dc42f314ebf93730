"""A first run outside a checkout, as a pip user has it: build the wheel, install it into a fresh
virtualenv in a temporary folder, then ``feedbot init``, ``feedbot config`` and ``feedbot demo``
from an empty folder.

The wheel is built from a copy of the files it is made of (so a stale ``build/`` folder in the
checkout cannot hide a missing file) with the test environment's setuptools; pip installs the
dependencies into the fresh virtualenv from its cache or PyPI, as it would for a user.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import feedparser
import httpx
import pytest

from tests.test_e2e import EXTRA_SLUG, free_port, wait_for

REPO = Path(__file__).resolve().parents[1]
WHEEL_SOURCES = ("pyproject.toml", "README.md", "LICENSE", "bot", "feeds")

pytestmark = pytest.mark.slow


def run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{args}: {result.stdout[-2000:]}{result.stderr[-3000:]}"
    return result


def user_env() -> dict[str, str]:
    """The environment without anything of this checkout or this test run."""
    drop = ("FEEDBOT_", "TELEGRAM_", "PYTHON", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(the built wheel, the fresh virtualenv's bin folder)."""
    pytest.importorskip("setuptools", minversion="77", reason="building the wheel needs setuptools >= 77 (the test extra)")
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    for name in WHEEL_SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            src.mkdir(exist_ok=True)
            shutil.copy2(REPO / name, src / name)
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir",
        tmp / "dist", f"{src}{os.sep}", env=user_env())
    (wheel,) = (tmp / "dist").glob("vncpc_feedbot-*.whl")
    run(sys.executable, "-m", "venv", tmp / "venv")
    run(tmp / "venv" / "bin" / "python", "-m", "pip", "install", "--quiet", wheel, env=user_env())
    return wheel, tmp / "venv" / "bin"


def test_the_wheel_carries_the_samples_the_demo_site_and_the_license_but_no_tests(installed):
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"bot/cli/samples/settings.toml", "bot/cli/samples/sources.toml", "bot/demo/site/index.html",
            "bot/demo/site/README.txt", "bot/service/static/feed.xsl", "feeds/extract/data/gazetteer.json",
            "bot/demo/botapi.py", "bot/demo/chat.py"} <= names
    assert any(n.startswith("bot/demo/site/extra/") for n in names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not any(n.startswith(("tests/", "bench/", "config/")) for n in names)


def test_from_the_wheel_in_an_empty_folder_init_config_and_demo_with_local_telegram_work(installed, tmp_path):
    _, bin_dir = installed
    feedbot = bin_dir / "feedbot"
    env = user_env()
    where = run(bin_dir / "python", "-c", "import bot, feeds; print(bot.__file__, feeds.__file__)",
                cwd=tmp_path, env=env).stdout
    assert str(REPO) not in where and str(bin_dir.parent) in where  # the wheel's code, not the checkout's

    init = run(feedbot, "init", cwd=tmp_path, env=env).stdout
    assert "wrote config/settings.toml and config/sources.toml" in init and "feedbot demo" in init
    config = run(feedbot, "config", cwd=tmp_path, env=env).stdout
    assert '"id": "vncpc-vi"' in config and '"token": "not set: the bot is off"' in config
    again = subprocess.run([str(feedbot), "init"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "already exist" in again.stderr

    port, chat_port = free_port(), free_port()
    env["FEEDBOT_TEST_INTERVAL_SECONDS"] = "1"  # test-only: scrape every second, not every minute
    demo = subprocess.Popen([str(feedbot), "demo", "--port", str(port), "--new-article-after", "1",
                             "--telegram", "local", "--chat-port", str(chat_port)], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def new_article_in_feed():
            r = httpx.get(f"http://127.0.0.1:{port}/feeds/all.atom", timeout=5)
            return r if r.status_code == 200 and EXTRA_SLUG in r.text else None

        feed = wait_for(new_article_in_feed, 60, "the demo's new article in all.atom", demo)
        assert feedparser.parse(feed.content).bozo == 0
        wait_for(lambda: httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()["telegram"] == "polling",
                 30, "the bot on the wheel's local Bot API server", demo)
        assert "/start" in httpx.get(f"http://127.0.0.1:{chat_port}/chat", timeout=5).text
        demo.send_signal(signal.SIGINT)
        out, err = demo.communicate(timeout=30)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.communicate()
    assert demo.returncode == 0, err[-2000:]
    assert f"http://127.0.0.1:{port}/feeds/all.atom" in out
    assert (tmp_path / "data" / "demo" / "feedbot.db").exists()  # the data folder is the user's, not the venv's
