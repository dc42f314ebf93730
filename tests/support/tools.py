"""Real programs some tests drive (systemd-analyze, nginx, openssl, chromium): found, or the test skips.

``.ci/run`` installs them with apt-get when they are missing; on a machine without them the tests
that need one are skipped with a reason that says so, never passed silently.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

# tool -> the Debian package .ci/run installs it from
PACKAGES = {
    "systemd-analyze": "systemd",
    "nginx": "nginx",
    "openssl": "openssl",
    "chromium": "chromium",
    "chromedriver": "chromium-driver",
}
SBIN = ("/usr/sbin", "/sbin")  # nginx lives there; a non-root PATH may not list it


def require(tool: str) -> str:
    """The path of ``tool``, or skip the calling test saying which package brings it."""
    found = shutil.which(tool) or next((p for d in SBIN if (p := shutil.which(tool, path=d))), None)
    if found is None:
        package = PACKAGES.get(tool, tool)
        pytest.skip(f"{tool} is not installed (Debian package {package}; .ci/run installs it with apt-get)")
    return found


def self_signed_certificate(folder: Path, name: str = "feeds.example.org") -> tuple[Path, Path]:
    """A throwaway certificate for ``name`` and 127.0.0.1 (openssl), valid one day: (cert, key)."""
    openssl = require("openssl")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={name}",
         "-addext", f"subjectAltName=DNS:{name},IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key
