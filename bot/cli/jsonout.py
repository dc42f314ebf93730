"""Frozen dataclasses (articles, sources) as JSON-ready values, for the CLI's --json output."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Any


def jsonable(value: Any) -> Any:
    """Every field of a dataclass (recursively) as JSON-ready values: ISO dates, enum values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) for v in value):
            return {k: jsonable(v) for k, v in value}  # (field, sentence) evidence pairs
        return [jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return value
