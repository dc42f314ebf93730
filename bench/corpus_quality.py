"""Scoring on a development corpus of real articles (the ``expected.json`` format).

Used by ``bench/extract_quality.py --dir DIR`` when DIR holds an ``expected.json``; the scoring
rules are described in that script's docstring. Each ``NN_slug.txt`` is line 1 the title, line 2
the page's date stamp as printed (empty when the page shows none), then the body; ``expected.json``
is a list of one object per file (``file``, ``url``, ``language``, ``stamp``, ``events``,
``recommendations``, ``recommendations_prose``, ``notes``). Nothing of the corpus is copied
anywhere: it is read where it lies.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import inspect
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from feeds.dates import parse_datetime
from feeds.models import DatePrecision, DateSource, Extraction, Language
from feeds.extract.places import province_of
from feeds.text import fold

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# When a page shows no stamp the pipeline dates it by when it was first seen; a fixed day keeps runs comparable.
DEFAULT_SEEN = dt.datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
FUZZY = 0.9  # similarity of two recommendation openings that count as the same item
FUZZY_MIN = 30  # ... compared over at least this many characters
PROSE_KEY = 40  # an extracted item matches a prose suggestion when their first 40 folded characters agree

# A date as the scorer compares it: ("Y", start, end) when the year is a fact, ("MD", (m, d), (m, d)) when
# it is not ("27 và 28 tháng 9" on a page that fixes no year; d is None for a month).
DateKey = tuple


@dataclass(frozen=True)
class GoldEvent:
    key: DateKey | None  # None: the text gives no date at all
    location: str | None
    alternatives: tuple[str, ...]
    organizers: tuple[str, ...]
    participants: int | None
    optional: bool


@dataclass(frozen=True)
class PredEvent:
    key: DateKey | None
    location: str | None
    province: str | None
    organizers: tuple[str, ...]
    participants: int | None


@dataclass(frozen=True)
class CorpusCase:
    name: str
    language: Language
    url: str
    title: str
    stamp: str
    body: str
    events: tuple[GoldEvent, ...]
    items: tuple[str, ...]
    prose: tuple[str, ...]


# --------------------------------------------------------------------------- loading


def is_corpus(directory: Path) -> bool:
    return (directory / "expected.json").is_file()


def _partial(text: str | None) -> tuple[int | None, int, int | None] | None:
    """ISO 8601 partial dates: "--09-27", "--06", "2009-11" → (year or None, month, day or None); any other
    form ("2018", "2018-W20") gives no day or month to match, and counts as undated."""
    if not text:
        return None
    found = re.fullmatch(r"--(\d\d)(?:-(\d\d))?|(\d{4})-(\d\d)", text.strip())
    if found is None:
        return None
    if found[1]:
        return None, int(found[1]), int(found[2]) if found[2] else None
    return int(found[3]), int(found[4]), None


def _gold_key(event: dict) -> DateKey | None:
    if event.get("start"):
        start = dt.date.fromisoformat(event["start"])
        return ("Y", start, dt.date.fromisoformat(event.get("end") or event["start"]))
    first = _partial(event.get("start_partial"))
    if first is None:
        return None
    last = _partial(event.get("end_partial")) or first
    if first[0] is not None:  # "2009-11": the year is known, the day is not: the whole month
        end_day = calendar.monthrange(last[0], last[1])[1]
        return ("Y", dt.date(first[0], first[1], 1), dt.date(last[0], last[1], end_day))
    return ("MD", first[1:], last[1:])


def _gold_event(event: dict) -> GoldEvent:
    return GoldEvent(
        key=_gold_key(event),
        location=event.get("location"),
        alternatives=tuple(event.get("location_alternatives") or ()),
        organizers=tuple(event.get("organizers") or ()),
        participants=event.get("participants"),
        optional=bool(event.get("optional")),
    )


def load_corpus(directory: Path, pattern: str = "*", half: str | None = None) -> list[CorpusCase]:
    labels = json.loads((directory / "expected.json").read_text(encoding="utf-8"))
    cases = []
    for number, entry in enumerate(labels, start=1):
        path = directory / entry["file"]
        if not path.match(f"{pattern}.txt") or (half == "odd" and number % 2 == 0) or (half == "even" and number % 2):
            continue
        lines = path.read_text(encoding="utf-8").split("\n")
        cases.append(
            CorpusCase(
                name=path.stem,
                language=Language(entry["language"]),
                url=entry.get("url") or "",
                title=lines[0].strip(),
                stamp=lines[1].strip() if len(lines) > 1 else "",
                body="\n".join(lines[2:]).strip("\n"),
                events=tuple(_gold_event(e) for e in entry["events"]),
                items=tuple(entry.get("recommendations") or ()),
                prose=tuple(entry.get("recommendations_prose") or ()),
            )
        )
    return cases


# --------------------------------------------------------------------------- predicting


def _call(extract: Callable[..., Extraction], case: CorpusCase, seen: dt.datetime) -> Extraction:
    """Call the extractor as the pipeline does: the stamp parsed by ``feeds.dates``; no stamp → first seen."""
    stamp = parse_datetime(case.stamp, TZ) if case.stamp else None
    kwargs = {"language": case.language, "published": stamp or seen, "title": case.title}
    accepted = inspect.signature(extract).parameters
    if "published_from" in accepted:  # the extractor of the first run did not know this
        kwargs["published_from"] = DateSource.PAGE if stamp else DateSource.FIRST_SEEN
    if "url" in accepted:
        kwargs["url"] = case.url
    return extract(case.body, **kwargs)


def _pred_key(event) -> DateKey | None:
    start, end = event.start, event.end or event.start
    if start is None:
        return None
    month = str(event.precision) == DatePrecision.MONTH.value
    if month:
        start, end = start.replace(day=1), end.replace(day=calendar.monthrange(end.year, end.month)[1])
    if getattr(event, "year_guessed", False):
        day = (lambda d: None) if month else (lambda d: d.day)
        return ("MD", (start.month, day(start)), (end.month, day(end)))
    return ("Y", start, end)


def predicted(extraction: Extraction) -> tuple[list[PredEvent], list[str]]:
    events = [
        PredEvent(_pred_key(e), e.location, e.province, tuple(e.organizers), e.participants) for e in extraction.events
    ]
    return events, [r.text for r in extraction.recommendations]


# --------------------------------------------------------------------------- scoring


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, tp: int = 0, fp: int = 0, fn: int = 0) -> None:
        self.tp, self.fp, self.fn = self.tp + tp, self.fp + fp, self.fn + fn

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else float(self.fn == 0)
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else float(self.fp == 0)
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@dataclass
class CorpusReport:
    dates: Tally = field(default_factory=Tally)
    location_right: int = 0
    location_paired: int = 0
    organizers: Tally = field(default_factory=Tally)
    participants: Tally = field(default_factory=Tally)
    items: Tally = field(default_factory=Tally)
    invented: int = 0
    invented_in: list[str] = field(default_factory=list)
    files: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    mismatches: dict[str, list[str]] = field(default_factory=dict)

    def note(self, case: str, message: str) -> None:
        self.mismatches.setdefault(case, []).append(message)

    @property
    def location(self) -> float:
        return self.location_right / self.location_paired if self.location_paired else 1.0


def _place_match(gold: str, pred: PredEvent) -> bool:
    g = fold(gold)
    for text in (pred.location, pred.province):
        t = fold(text or "")
        if t and (t in g or g in t):
            return True
    province = province_of(gold)
    return province is not None and province in (pred.province, province_of(pred.location or ""))


_PARENTHESES = re.compile(r"\s*\([^()]*\)")


def _same_org(gold: str, pred: str) -> bool:
    """Either contains the other, folded, with or without their bracketed parts ("(IGIP)", "(VNCPC)")."""
    for g, p in ((fold(gold), fold(pred)), (fold(_PARENTHESES.sub("", gold)), fold(_PARENTHESES.sub("", pred)))):
        if g and p and (g in p or p in g):
            return True
    return False


def location_right(gold: GoldEvent, pred: PredEvent) -> bool:
    if pred.location is None and pred.province is None:
        return gold.location is None
    return any(_place_match(text, pred) for text in (gold.location, *gold.alternatives) if text)


def _item_key(text: str) -> str:
    return fold(text).rstrip(" .;:,!?…")


def same_item(gold: str, pred: str, *, prefix_min: int = 40) -> bool:
    """Equal, one a prefix (≥ 40 characters) of the other, or openings ≥ 90% alike (a typo, a stray page number)."""
    g, p = _item_key(gold), _item_key(pred)
    if g == p:
        return True
    short, long_ = sorted((g, p), key=len)
    if len(short) >= prefix_min and long_.startswith(short):
        return True
    size = min(len(g), len(p))
    return size >= FUZZY_MIN and difflib.SequenceMatcher(None, g[:size], p[:size]).ratio() >= FUZZY


def _prose_match(prose: str, pred: str) -> bool:
    g, p = _item_key(prose), _item_key(pred)
    size = min(PROSE_KEY, len(g), len(p))
    return size > 0 and (g[:size] in p or p[:size] in g)


def _pair(gold: list[GoldEvent], pred: list[PredEvent]) -> tuple[list[tuple[GoldEvent, PredEvent]], list[GoldEvent], list[PredEvent]]:
    left = list(pred)
    pairs, missed = [], []
    for g in gold:
        hit = next((p for p in left if g.key is not None and p.key == g.key), None)
        if hit is None:
            missed.append(g)
        else:
            left.remove(hit)
            pairs.append((g, hit))
    return pairs, missed, left


def _show(key: DateKey | None) -> str:
    if key is None:
        return "undated"
    if key[0] == "Y":
        return str(key[1]) if key[1] == key[2] else f"{key[1]}..{key[2]}"
    return f"--{key[1]}..{key[2]} (no year)"


def score_case(report: CorpusReport, case: CorpusCase, events: list[PredEvent], items: list[str]) -> None:
    report.files += 1
    required = [g for g in case.events if not g.optional]
    pairs, missed, extra = _pair(required, events)
    _, _, extra = _pair([g for g in case.events if g.optional], extra)  # an optional event found: not penalised
    missed_dated = [g for g in missed if g.key is not None]  # an undated event cannot be found by its date
    report.dates.add(tp=len(pairs), fp=len(extra), fn=len(missed_dated))
    for g in missed_dated:
        report.note(case.name, f"missing event {_show(g.key)}")
    for p in extra:
        report.note(case.name, f"extra event {_show(p.key)} at {p.location!r}")
    if not case.events and extra:
        report.invented += len(extra)
        report.invented_in.append(case.name)
    for g, p in pairs:
        _score_fields(report, case.name, g, p)
    _score_items(report, case, items)


def _score_fields(report: CorpusReport, name: str, g: GoldEvent, p: PredEvent) -> None:
    report.location_paired += 1
    if location_right(g, p):
        report.location_right += 1
    else:
        report.note(name, f"location of {_show(g.key)}: expected {g.location!r} (or {list(g.alternatives)}), got {p.location!r} / {p.province!r}")
    left = list(p.organizers)
    missed = []
    for org in g.organizers:
        hit = next((o for o in left if _same_org(org, o)), None)
        if hit is None:
            missed.append(org)
        else:
            left.remove(hit)
    report.organizers.add(tp=len(g.organizers) - len(missed), fp=len(left), fn=len(missed))
    if missed or left:
        report.note(name, f"organizers of {_show(g.key)}: missing {missed}, extra {left}")
    if g.participants is not None and g.participants == p.participants:
        report.participants.add(tp=1)
    elif g.participants != p.participants:
        report.participants.add(fp=p.participants is not None, fn=g.participants is not None)
        report.note(name, f"participants of {_show(g.key)}: expected {g.participants}, got {p.participants}")


def _score_items(report: CorpusReport, case: CorpusCase, items: list[str]) -> None:
    left = list(items)
    missed = []
    for gold in case.items:
        hit = next((p for p in left if same_item(gold, p)), None)
        if hit is None:
            missed.append(gold)
        else:
            left.remove(hit)
    extra = [p for p in left if not any(_prose_match(prose, p) for prose in case.prose)]
    report.items.add(tp=len(case.items) - len(missed), fp=len(extra), fn=len(missed))
    for text in missed:
        report.note(case.name, f"recommendation missing {text[:90]!r}")
    for text in extra:
        report.note(case.name, f"recommendation extra {text[:90]!r}")


def evaluate(cases: Sequence[CorpusCase], extract: Callable[..., Extraction], seen: dt.datetime = DEFAULT_SEEN) -> CorpusReport:
    report = CorpusReport()
    for case in cases:
        try:
            events, items = predicted(_call(extract, case, seen))
        except Exception as exc:  # noqa: BLE001 - a crash is a result to report
            report.errors[case.name] = f"{type(exc).__name__}: {exc}"
            events, items = [], []
        score_case(report, case, events, items)
    return report


def format_report(report: CorpusReport, *, verbose: bool = False) -> str:
    lines = [f"{'field':<26} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7} {'f1':>6}"]
    for name, tally in (("event dates", report.dates), ("organizers", report.organizers),
                        ("participants", report.participants), ("recommendation items", report.items)):
        p, r, f = tally.prf()
        lines.append(f"{name:<26} {tally.tp:>4} {tally.fp:>4} {tally.fn:>4} {p:>9.3f} {r:>7.3f} {f:>6.3f}")
    lines.append(f"event location: {report.location_right} / {report.location_paired} matched events right ({report.location:.0%})")
    lines.append(f"events invented on articles with none: {report.invented}"
                 + (f" ({', '.join(report.invented_in)})" if report.invented_in else ""))
    return "\n".join([*lines, *format_tail(report.files, report.errors, report.mismatches, verbose=verbose)])


def format_tail(files: int, errors: dict[str, str], mismatches: dict[str, list[str]], *, verbose: bool) -> list[str]:
    """The file count, the files the extractor raised on and (verbose) every mismatch, per file."""
    lines = [f"files: {files}, extractor raised on {len(errors)}"]
    lines.extend(f"  {name}: {error}" for name, error in errors.items())
    if verbose:
        for name, notes in sorted(mismatches.items()):
            lines.append(f"{name}:")
            lines.extend(f"  - {note}" for note in notes)
    return lines


def failing(report: CorpusReport, min_f1: float) -> list[str]:
    low = [name for name, tally in (("event dates", report.dates), ("recommendation items", report.items))
           if tally.prf()[2] < min_f1]
    if report.location < min_f1:
        low.append("event location")
    if report.invented:
        low.append("invented events")
    return low + (["errors"] if report.errors else [])
