"""Plain-JSON forms of the frozen models, and back (pure, no I/O).

The store keeps an article's extraction as JSON; ``feedbot articles --json`` prints the same
shape. ``extraction_from_json(extraction_to_json(x)) == x`` for every ``Extraction``:
dates, times, enums and tuples come back as they went in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from feeds.models import (
    DatePrecision,
    Event,
    EventKind,
    EventStatus,
    Extraction,
    Recommendation,
)

JsonDict = dict[str, Any]


def _iso(value: dt.date | dt.time | None) -> str | None:
    return value.isoformat() if value is not None else None


def event_to_json(event: Event) -> JsonDict:
    return {
        "name": event.name,
        "kind": event.kind.value,
        "start": _iso(event.start),
        "end": _iso(event.end),
        "precision": event.precision.value,
        "year_inferred": event.year_inferred,
        "year_guessed": event.year_guessed,
        "time_of_day": _iso(event.time_of_day),
        "day_part": event.day_part,
        "location": event.location,
        "province": event.province,
        "organizers": list(event.organizers),
        "participants": event.participants,
        "status": event.status.value,
        "evidence": [[key, sentence] for key, sentence in event.evidence],
    }


def event_from_json(data: JsonDict) -> Event:
    start, end, time_of_day = data.get("start"), data.get("end"), data.get("time_of_day")
    return Event(
        name=data["name"],
        kind=EventKind(data.get("kind", EventKind.OTHER.value)),
        start=dt.date.fromisoformat(start) if start else None,
        end=dt.date.fromisoformat(end) if end else None,
        precision=DatePrecision(data.get("precision", DatePrecision.DAY.value)),
        year_inferred=bool(data.get("year_inferred", False)),
        year_guessed=bool(data.get("year_guessed", False)),
        time_of_day=dt.time.fromisoformat(time_of_day) if time_of_day else None,
        day_part=data.get("day_part"),
        location=data.get("location"),
        province=data.get("province"),
        organizers=tuple(data.get("organizers", ())),
        participants=data.get("participants"),
        status=EventStatus(data.get("status", EventStatus.PAST.value)),
        evidence=tuple((key, sentence) for key, sentence in data.get("evidence", ())),
    )


def recommendation_to_json(item: Recommendation) -> JsonDict:
    return {
        "index": item.index,
        "text": item.text,
        "sub_items": list(item.sub_items),
        "label": item.label,
    }


def recommendation_from_json(data: JsonDict) -> Recommendation:
    return Recommendation(
        index=int(data["index"]),
        text=data["text"],
        sub_items=tuple(data.get("sub_items", ())),
        label=data.get("label", ""),
    )


def extraction_to_json(extraction: Extraction) -> JsonDict:
    return {
        "events": [event_to_json(e) for e in extraction.events],
        "recommendations": [recommendation_to_json(r) for r in extraction.recommendations],
        "summary": extraction.summary,
    }


def extraction_from_json(data: JsonDict | None) -> Extraction:
    """The inverse of ``extraction_to_json``; ``None`` or ``{}`` is an empty extraction."""
    if not data:
        return Extraction()
    return Extraction(
        events=tuple(event_from_json(e) for e in data.get("events", ())),
        recommendations=tuple(recommendation_from_json(r) for r in data.get("recommendations", ())),
        summary=data.get("summary", ""),
    )
