"""The pipeline package stays free of the service's frameworks, and imports have no side effects."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_feeds_never_imports_telegram_apscheduler_or_bot():
    for path in (REPO / "feeds").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in {"telegram", "apscheduler", "bot", "aiohttp"}, (path.name, name)


def test_importing_every_module_does_nothing_visible(tmp_path):
    modules = [".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
               for d in ("feeds", "bot") for p in (REPO / d).rglob("*.py") if p.name != "__main__.py"]
    code = "import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module(m)\n"
    r = subprocess.run([sys.executable, "-c", code, *modules], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and r.stderr == ""
    assert list(tmp_path.iterdir()) == []  # no data folder, no files created
