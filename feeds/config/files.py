"""The edge of configuration: reading the TOML files admins edit (``parse_sources`` in
``feeds.config.sources`` validates what was read, without I/O)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from feeds.config.sources import parse_sources
from feeds.errors import ConfigError
from feeds.models import Source


def load_sources(path: Path | str) -> tuple[Source, ...]:
    """Read and validate a sources file; raise ``ConfigError`` naming every problem."""
    data = read_toml(path, missing="file not found; pass --sources FILE or set FEEDBOT_SOURCES")
    return parse_sources(data, where=str(path))


def read_toml(path: Path | str, *, missing: str) -> dict[str, Any]:
    """A TOML file admins edit (a byte order mark allowed); every failure a ``ConfigError``."""
    where = str(path)
    try:
        with open(path, "rb") as fh:
            return tomllib.loads(fh.read().decode("utf-8-sig"))  # -sig: Notepad's byte order mark
    except FileNotFoundError:
        raise ConfigError(missing, where=where) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc.strerror or exc}", where=where) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text ({exc.reason}); save it as UTF-8", where=where) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}; fix the syntax there", where=where) from None
