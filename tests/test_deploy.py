"""The deployment files as shipped, checked by the real tools: systemd-analyze and nginx.

The unit must run the ``feedbot`` that the README's install recipe creates, with options the CLI
accepts, and pass ``systemd-analyze verify`` without a warning. ``deploy/nginx.conf`` must pass
``nginx -t`` on the installed nginx (Debian 12: 1.22) and, started on 127.0.0.1 in front of the
feed server, pass ETags, 304s, gzip and the webhook call through untouched.
"""

from __future__ import annotations

import asyncio
import re
import shlex
import shutil
import signal
import ssl
import subprocess
from pathlib import Path

import feedparser
import httpx
import pytest

from bot.cli.feedbot import build_parser
from bot.commands.runtime import WEBHOOK_HEADER, add_webhook_route
from bot.service.web import FeedLink, WebConfig, create_app, start_server
from feeds.publish import FeedMeta, build_atom
from tests.support.factories import make_stored
from tests.support.tools import require, self_signed_certificate
from tests.test_e2e import free_port

REPO = Path(__file__).resolve().parents[1]
UNIT = REPO / "deploy" / "feedbot.service"
NGINX_CONF = REPO / "deploy" / "nginx.conf"
README = (REPO / "README.md").read_text(encoding="utf-8")


def unit_value(key: str, text: str | None = None) -> str:
    """The (continued) value of ``key=`` in the unit."""
    text = UNIT.read_text(encoding="utf-8") if text is None else text
    found = re.search(rf"^{key}=(.*(?:\\\n.*)*)", text, re.M)
    assert found, f"{UNIT.name} has no {key}="
    return found.group(1).replace("\\\n", " ")


def readme_deployment() -> str:
    return README.split("## Deployment", 1)[1].split("\n## ", 1)[0]


# --------------------------------------------------------------------------- systemd


def test_the_unit_runs_the_feedbot_the_readme_recipe_installs_with_options_the_cli_accepts():
    argv = shlex.split(unit_value("ExecStart"))
    venv = re.search(r"python3 -m venv (\S+)", readme_deployment())
    assert venv, "the README's deployment section says where the virtualenv goes"
    assert argv[0] == f"{venv.group(1)}/bin/feedbot"
    args = build_parser().parse_args(argv[1:])
    assert args.command == "run"
    config_dir = str(args.config_dir)
    recipe = readme_deployment() + UNIT.read_text(encoding="utf-8")
    assert f"{argv[0]} init {config_dir}" in recipe, "the recipe writes the files where the unit reads them"
    assert str(args.data_dir) == unit_value("WorkingDirectory") == f"/var/lib/{unit_value('StateDirectory')}"


def verify(unit_text: str, root: Path, *, stub: bool = True) -> subprocess.CompletedProcess:
    """``systemd-analyze verify`` on ``unit_text`` installed in a throwaway root that holds the
    ExecStart binary (a stub), /bin/kill and systemd's own units, as an installed system would."""
    tool = require("systemd-analyze")
    for unit_dir in ("/usr/lib/systemd/system", "/lib/systemd/system"):
        if Path(unit_dir).is_dir() and not (root / unit_dir.lstrip("/")).exists():
            shutil.copytree(unit_dir, root / unit_dir.lstrip("/"), symlinks=True)
    for command in (unit_value("ExecStart", unit_text), unit_value("ExecReload", unit_text)) if stub else ():
        exe = root / shlex.split(command)[0].lstrip("/")
        exe.parent.mkdir(parents=True, exist_ok=True)
        exe.write_text("#!/bin/sh\n")
        exe.chmod(0o755)
    installed = root / "etc" / "systemd" / "system" / UNIT.name
    installed.parent.mkdir(parents=True, exist_ok=True)
    installed.write_text(unit_text, encoding="utf-8")
    return subprocess.run([tool, "verify", "--man=no", f"--root={root}", f"/etc/systemd/system/{UNIT.name}"],
                          capture_output=True, text=True, timeout=60)


def test_the_unit_as_shipped_passes_systemd_analyze_verify_without_a_warning(tmp_path):
    shipped = UNIT.read_text(encoding="utf-8")
    result = verify(shipped, tmp_path / "root")
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and output == "", output


def test_systemd_analyze_verify_would_catch_a_broken_unit(tmp_path):
    """The check above is not vacuous: a mistyped key and a missing binary are both reported."""
    shipped = UNIT.read_text(encoding="utf-8")
    result = verify(shipped.replace("Restart=on-failure", "Restart=on-failure\nRestartt=always"), tmp_path)
    assert "Unknown key 'Restartt'" in result.stderr
    (tmp_path / unit_value("ExecStart").split()[0].lstrip("/")).chmod(0o644)
    result = verify(shipped, tmp_path, stub=False)
    assert result.returncode != 0 and "is not executable" in result.stderr


# --------------------------------------------------------------------------- nginx


def nginx_site(cert: Path, key: str | Path, *, http_port: int | None = None, https_port: int | None = None,
               upstream_port: int | None = None) -> str:
    """The shipped site with only these replaced: the certificate paths (placeholders), and for a live
    test the listen addresses (127.0.0.1 and free ports, no IPv6) and the upstream's port."""
    text = NGINX_CONF.read_text(encoding="utf-8")
    swaps = {
        "/etc/letsencrypt/live/feeds.example.org/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/feeds.example.org/privkey.pem": str(key),
    }
    if http_port is not None:
        swaps.update({
            "listen 80;": f"listen 127.0.0.1:{http_port};",
            "listen [::]:80;": "",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
            "listen [::]:443 ssl http2;": "",
            "server 127.0.0.1:8080;": f"server 127.0.0.1:{upstream_port};",
        })
    for old, new in swaps.items():
        assert text.count(old) == 1, f"{NGINX_CONF.name} should contain {old!r} once"
        text = text.replace(old, new)
    return text


def nginx_prefix(folder: Path, site: str) -> list[str]:
    """A throwaway nginx prefix: a main config around ``site`` (as sites-enabled would include it),
    logs and temp files inside ``folder``. Returns the nginx arguments that use it."""
    (folder / "site.conf").write_text(site, encoding="utf-8")
    temp = " ".join(f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (folder / "nginx.conf").write_text(
        f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\nevents {{}}\n"
        f"http {{\n  access_log off;\n  {temp}\n  include {folder / 'site.conf'};\n}}\n",
        encoding="utf-8",
    )
    return ["-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")]


def test_nginx_accepts_the_shipped_site(tmp_path):
    nginx = require("nginx")
    cert, key = self_signed_certificate(tmp_path)
    args = nginx_prefix(tmp_path, nginx_site(cert, key))
    result = subprocess.run([nginx, "-t", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


ATOM_ENTRIES = [make_stored(n) for n in range(1, 30)]
SECRET = "webhook-secret"


@pytest.fixture
async def feed_server(tmp_path, unused_tcp_port):
    """The real feed server on 127.0.0.1 with a published feed and the webhook route (bot not started)."""
    public = tmp_path / "public"
    (public / "feeds").mkdir(parents=True)
    meta = FeedMeta("https://feeds.example.org/feeds/all.atom", "Tất cả tin", "Tin mới",
                    "https://feeds.example.org/feeds/all.atom", "https://feeds.example.org/")
    (public / "feeds" / "all.atom").write_bytes(build_atom(ATOM_ENTRIES, meta))

    async def health():
        return 200, {"status": "ok"}

    app = create_app(WebConfig(public, "https://feeds.example.org", [FeedLink("Tất cả", "all.atom", "all")]), health)
    add_webhook_route(app, "https://feeds.example.org/telegram/webhook", SECRET, lambda: None)
    runner = await start_server(app, "127.0.0.1", unused_tcp_port)
    yield unused_tcp_port, public
    await runner.cleanup()


@pytest.fixture
async def nginx_in_front(tmp_path, feed_server):
    nginx = require("nginx")
    app_port, public = feed_server
    cert, key = self_signed_certificate(tmp_path)
    http_port, https_port = free_port(), free_port()
    site = nginx_site(cert, key, http_port=http_port, https_port=https_port, upstream_port=app_port)
    args = nginx_prefix(tmp_path, site)
    proc = await asyncio.create_subprocess_exec(nginx, *args, "-g", "daemon off; master_process off;",
                                                stderr=asyncio.subprocess.PIPE)
    try:
        await wait_listening(https_port, proc, tmp_path / "error.log")
        context = ssl.create_default_context(cafile=str(cert))
        async with httpx.AsyncClient(base_url=f"https://127.0.0.1:{https_port}", verify=context) as client:
            yield client, http_port, public
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 30)


async def wait_listening(port: int, proc: asyncio.subprocess.Process, log: Path, timeout: float = 30) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if proc.returncode is not None:
            pytest.fail(f"nginx exited with {proc.returncode}: {log.read_text() if log.exists() else ''}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    pytest.fail(f"nginx did not listen on 127.0.0.1:{port} within {timeout} s")


async def raw_body(client: httpx.AsyncClient) -> bytes:
    async with client.stream("GET", "/feeds/all.atom", headers={"Accept-Encoding": "gzip"}) as response:
        return b"".join([chunk async for chunk in response.aiter_raw()])


async def test_through_nginx_feeds_keep_their_etag_gzip_and_304(nginx_in_front, feed_server):
    client, _, public = nginx_in_front
    app_port, _ = feed_server
    feed = (public / "feeds" / "all.atom").read_bytes()
    zipped = await client.get("/feeds/all.atom", headers={"Accept-Encoding": "gzip"})
    assert zipped.status_code == 200 and zipped.headers["content-encoding"] == "gzip"
    etag = zipped.headers["etag"]
    assert etag.endswith('-gz"') and not etag.startswith("W/"), "nginx must not weaken the app's strong ETag"
    assert zipped.content == feed  # httpx decompressed what the app gzipped
    assert feedparser.parse(zipped.content).bozo == 0
    assert zipped.headers["vary"] == "Accept, Accept-Encoding" and "last-modified" in zipped.headers
    assert zipped.headers["strict-transport-security"].startswith("max-age=")

    again = await client.get("/feeds/all.atom", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""

    plain = await client.get("/feeds/all.atom", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == feed
    assert plain.headers["etag"] == etag.replace('-gz"', '"')
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{app_port}") as direct:
        assert await raw_body(client) == await raw_body(direct)  # the app's own gzip bytes, not nginx's


async def test_through_nginx_the_webhook_call_reaches_the_app_with_its_secret_header(nginx_in_front):
    client, _, _ = nginx_in_front
    refused = await client.post("/telegram/webhook", json={"update_id": 1})
    assert refused.status_code == 403 and refused.text == "forbidden\n"
    passed = await client.post("/telegram/webhook", json={"update_id": 1}, headers={WEBHOOK_HEADER: SECRET})
    assert passed.status_code == 503 and passed.text == "bot not started\n"  # the app checked the header


async def test_nginx_sends_plain_http_to_https(nginx_in_front):
    _, http_port, _ = nginx_in_front
    async with httpx.AsyncClient() as plain:
        r = await plain.get(f"http://127.0.0.1:{http_port}/feeds/all.atom")
    assert r.status_code == 301 and r.headers["location"] == "https://127.0.0.1/feeds/all.atom"
