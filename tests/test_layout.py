"""The arrows between the packages (docs/architecture.md), checked on the source itself:

- ``feeds`` never imports ``bot``, Telegram, the scheduler or aiohttp;
- only ``feeds/store/`` imports SQLAlchemy (``grep -rl sqlalchemy bot/`` finds nothing);
- the pure parts (scraping, extraction, presentation, the publish renderers, the config
  validation, the Telegram texts) import no I/O library, no impure project module, and write no
  file;
- importing any module has no visible effect (no output, no file created).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("feeds", "bot")

# Modules that do no I/O: text in, values out. A package name covers every module in it.
PURE = (
    "feeds.errors", "feeds.models", "feeds.text", "feeds.dates", "feeds.dating", "feeds.present",
    "feeds.config.sources", "feeds.scrape", "feeds.extract", "feeds.store.serialize",
    "feeds.publish.entries", "feeds.publish.feed", "feeds.publish.jsonfeed", "feeds.publish.ical",
    "feeds.publish.opml",
    "bot.texts",
)  # fmt: skip
IO_LIBRARIES = {
    "httpx", "sqlalchemy", "aiohttp", "telegram", "apscheduler", "sqlite3", "socket", "subprocess",
    "shutil", "tempfile", "requests", "urllib.request", "http.client", "asyncio",
}  # fmt: skip
WRITE_CALLS = {"write_text", "write_bytes", "mkdir", "unlink", "rmdir", "touch", "makedirs", "remove", "fdopen",
               "rename", "chmod", "symlink_to"}  # fmt: skip


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")


def _modules() -> dict[str, ast.Module]:
    return {
        _module_name(path): ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for package in PACKAGES
        for path in sorted((REPO / package).rglob("*.py"))
    }


MODULES = _modules()


def _imports(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            # ``from feeds import scrape``: the submodule is imported too
            yield from (f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in MODULES)


def _within(name: str, prefixes: tuple[str, ...] | set[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _violations(rule) -> list[str]:
    return sorted({f"{module} imports {name}" for module, tree in MODULES.items() for name in _imports(tree)
                   if rule(module, name)})


def _none(found: list[str]) -> None:
    assert not found, "arrows broken:\n" + "\n".join(found)


def test_the_layout_is_the_one_described() -> None:
    """Every package the architecture names exists (a rename must update the rules above)."""
    for name in PURE:
        assert name in MODULES, f"{name} is listed as pure but does not exist"
    assert {"feeds.store", "feeds.cycle", "feeds.pipeline", "bot.cli", "bot.service", "bot.delivery",
            "bot.commands", "bot.texts", "bot.demo"} <= set(MODULES)


def test_feeds_never_imports_bot_or_the_service_frameworks() -> None:
    banned = ("bot", "telegram", "apscheduler", "aiohttp")
    _none(_violations(lambda module, name: module.startswith("feeds") and _within(name, banned)))


def test_only_the_store_imports_sqlalchemy() -> None:
    _none(_violations(lambda module, name: _within(name, ("sqlalchemy",)) and not _within(module, ("feeds.store",))))


def test_pure_parts_import_no_io_and_no_impure_module() -> None:
    def broken(module: str, name: str) -> bool:
        if not _within(module, PURE):
            return False
        if _within(name, IO_LIBRARIES):
            return True
        return name.split(".")[0] in PACKAGES and name in MODULES and not _within(name, PURE)

    _none(_violations(broken))


def test_pure_parts_write_no_file() -> None:
    found = []
    for module, tree in MODULES.items():
        if not _within(module, PURE):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in WRITE_CALLS:
                found.append(f"{module}:{node.lineno} calls .{func.attr}()")
            elif isinstance(func, ast.Name) and func.id == "open" and _opens_for_writing(node):
                found.append(f"{module}:{node.lineno} opens a file for writing")
    _none(found)


def _opens_for_writing(call: ast.Call) -> bool:
    modes = [*call.args[1:2], *(k.value for k in call.keywords if k.arg == "mode")]
    return any(not isinstance(m, ast.Constant) or set(str(m.value)) & set("wax+") for m in modes)


def test_texts_import_no_telegram() -> None:
    _none(_violations(lambda module, name: _within(module, ("bot.texts",)) and _within(name, ("telegram",))))


def test_importing_every_module_does_nothing_visible(tmp_path: Path) -> None:
    modules = [m for m in MODULES if not m.endswith("__main__")]
    code = "import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module(m)\n"
    r = subprocess.run([sys.executable, "-c", code, *modules], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and r.stderr == ""
    assert list(tmp_path.iterdir()) == []  # no data folder, no files created
