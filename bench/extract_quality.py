"""Extraction quality: precision / recall / F1 of `feeds.extract` on the hand-labelled set.

    .venv/bin/python bench/extract_quality.py [--dir tests/golden/extract] [--verbose] [--min-f1 0.9]

The set lives in `tests/golden/extract/`: each `NN-slug.txt` is an article (a `key: value` header
with `language`, `published` (ISO 8601 with offset) and `title`, a `---` line, then the body text
exactly as the extractor receives it; some files are deliberately NFD-encoded) and `NN-slug.json`
holds its labels, written by hand — never by running the extractor:

    {"events": [{"kind", "start", "end", "precision", "province", "organizers",
                 "participants", "status"}], "recommendations": [{"text", "sub_items"}]}

Month-precision events are labelled with the month's first and last day.

Scoring rules (micro-averaged: true/false positives and false negatives are summed over all
files, then P = tp / (tp + fp), R = tp / (tp + fn), F1 = 2PR / (P + R); a ratio with an empty
denominator is 1.0 when nothing was expected and nothing predicted, else 0.0):

- **Events are paired** within a file: first gold and predicted events whose (start, end) are
  equal (kind-independent), then leftovers of the same kind in order of appearance, then the
  remaining leftovers in order. Pairing only decides which event's fields are compared.
- **event dates**: a predicted event is a true positive when its (start, end) equals a gold
  event's; other predicted events are false positives, other gold events false negatives. A
  predicted event of month precision is compared as its month's first to last day.
- **event location**: the province of each paired event, compared with `feeds.text.fold`
  ("Khánh Hoà" = "Khanh Hoa"). A wrong province is a false positive and a false negative; a
  missing one a false negative; one where none is labelled a false positive. Provinces of
  unpaired events count as false negatives (gold) or false positives (predicted).
- **organizers**: per organizer string of each paired event, fold-compared; a predicted and a
  gold organizer match when either contains the other ("Trung tâm Sản xuất sạch Việt Nam (VNCPC)"
  matches "Trung tâm Sản xuất sạch Việt Nam"); each string matches at most once.
- **participants**: the integer of each paired event, exact; counted like location.
- **recommendation items**: the top-level items of a file, matched one-to-one when their texts,
  folded, whitespace-collapsed and stripped of trailing punctuation, are equal or one is a prefix
  of the other and that prefix is at least 40 characters long. Order is not scored.
- **recommendation sub-items**: all sub-items of a file, pooled, matched by the same rule.
- **event kind** and **event status** (informational, not gated): compared on paired events.

**A development corpus of real articles** (a folder with an ``expected.json``, e.g.
``--dir ../../shared/corpus``; see ``bench/corpus_quality.py``) is read in its own format — a
``.txt`` per article (line 1 the title, line 2 the date stamp as the page prints it, then the
body) and one ``expected.json`` — and scored by the rules above, adapted where its labels differ:

- **published**: the stamp line parsed with ``feeds.dates.parse_datetime``; a page without a stamp
  is dated as the pipeline dates it, by when it was first seen (``--seen``, default 2026-12-01),
  and the extractor is told so (``published_from=FIRST_SEEN``) and given the page's URL when it
  accepts ``published_from`` / ``url`` (the extractor of the first run did not).
- **event dates**: events are paired by equal dates only. The corpus's year rule applies: a date
  whose year nothing on the page fixes is labelled ``start: null`` with ``start_partial``
  (``--09-27``, ``--06``); it is matched by a predicted event with the same month and day whose
  year the extractor marks as guessed (``Event.year_guessed``), never by one presenting a year as
  fact. A predicted guessed year is likewise compared by month and day only. ``2009-11`` (year
  known, day not) is the month's first to last day; another partial form ("2018-W20") counts as
  no date. An event labelled with no date at all
  (``start: null``, no partial) cannot be matched by a date: it is neither required nor counted
  missing, and a predicted date for it is a false positive. An ``optional: true`` event is neither
  required nor penalised (a predicted event with its dates is dropped from both sides).
- **event location** is labelled as worded (plus ``location_alternatives``), not as a province:
  on each pair it is right when the predicted venue or province and the label (or an alternative)
  contain one another after ``fold``, or name the same province; a label of ``null`` wants no
  place (or an alternative). Reported as right / paired events.
- **organizers** and **participants**: on each pair, as above (no leftover pairing); two organisers
  also match when they contain one another once their bracketed parts are removed ("The Agency
  ... (IGIP), under the Ministry ... (MoIT)" and "Agency ..., under the Ministry ...").
- **recommendation items**: the labels are the first ~120 characters of each item, markers
  stripped; matched one-to-one by the rule above or, failing that, when their openings (the
  shorter one's length, at least 30 characters) are ≥ 90% alike (``difflib``). A predicted item
  that matches none but opens like a ``recommendations_prose`` entry (first 40 folded characters
  contained in one another) is neither rewarded nor penalised. Sub-items are not labelled.
- **events invented on articles with none**: predicted events (optional ones aside) on files
  whose label lists no event.

``--half odd|even`` scores every other file (1st, 3rd, … or 2nd, 4th, …), to check that a rule
developed on one half moves the other the same way. ``--min-f1 X`` fails when event dates,
recommendation items or location are below X, or when any event is invented.

A file on which the extractor raises counts as predicting nothing and is listed. The script
always exits 0, except with `--min-f1 X`: then it exits 1 when the F1 of event dates, event
location or recommendation items is below X, or when any file raised. `--verbose` lists every
mismatch per file; `--only GLOB` scores a subset (e.g. articles written after the extractor's
rules, as a held-out check).
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feeds.models import Extraction, Language  # noqa: E402
from feeds.text import fold  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus_quality  # noqa: E402

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "tests" / "golden" / "extract"
GATED = ("event dates", "event location", "recommendation items")
ROWS = (
    "event dates",
    "event location",
    "organizers",
    "participants",
    "recommendation items",
    "recommendation sub-items",
    "event kind (info)",
    "event status (info)",
)
PREFIX_MIN = 40

ExtractFn = Callable[..., Extraction]


# --------------------------------------------------------------------------- the labelled set


@dataclass(frozen=True)
class EventFacts:
    """The scored fields of one event, gold or predicted."""

    start: dt.date | None
    end: dt.date | None
    kind: str | None = None
    province: str | None = None
    organizers: tuple[str, ...] = ()
    participants: int | None = None
    status: str | None = None


@dataclass(frozen=True)
class RecFacts:
    text: str
    sub_items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Facts:
    events: tuple[EventFacts, ...] = ()
    recommendations: tuple[RecFacts, ...] = ()


@dataclass(frozen=True)
class Case:
    """One labelled article."""

    name: str
    language: Language
    published: dt.datetime
    title: str
    body: str
    gold: Facts


def parse_article(raw: str, *, where: str) -> tuple[dict[str, str], str]:
    """Split a golden `.txt` into its header fields and body; ValueError names the file."""
    head, sep, body = raw.partition("\n---\n")
    if not sep:
        raise ValueError(f"{where}: no '---' line between header and body")
    fields: dict[str, str] = {}
    for line in head.splitlines():
        key, colon, value = line.partition(":")
        if not colon:
            raise ValueError(f"{where}: header line {line!r} is not 'key: value'")
        fields[key.strip()] = value.strip()
    for key in ("language", "published", "title"):
        if key not in fields:
            raise ValueError(f"{where}: header lacks '{key}:'")
    return fields, body.strip("\n")


def gold_facts(data: dict) -> Facts:
    """The labels of a golden `.json` as comparable facts."""
    events = tuple(
        EventFacts(
            start=dt.date.fromisoformat(e["start"]) if e.get("start") else None,
            end=dt.date.fromisoformat(e["end"]) if e.get("end") else None,
            kind=e.get("kind"),
            province=e.get("province"),
            organizers=tuple(e.get("organizers") or ()),
            participants=e.get("participants"),
            status=e.get("status"),
        )
        for e in data["events"]
    )
    recs = tuple(RecFacts(r["text"], tuple(r.get("sub_items") or ())) for r in data["recommendations"])
    return Facts(events, recs)


def load_case(txt: Path) -> Case:
    fields, body = parse_article(txt.read_text(encoding="utf-8"), where=str(txt))
    data = json.loads(txt.with_suffix(".json").read_text(encoding="utf-8"))
    return Case(
        name=txt.stem,
        language=Language(fields["language"]),
        published=dt.datetime.fromisoformat(fields["published"]),
        title=fields["title"],
        body=body,
        gold=gold_facts(data),
    )


def load_cases(directory: Path = GOLDEN_DIR, pattern: str = "*") -> list[Case]:
    """The labelled articles whose file name (without ``.txt``) matches the glob ``pattern``."""
    return [load_case(p) for p in sorted(directory.glob(f"{pattern}.txt"))]


# --------------------------------------------------------------------------- predictions


def _month_span(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    last = calendar.monthrange(end.year, end.month)[1]
    return start.replace(day=1), end.replace(day=last)


def predicted_facts(extraction: Extraction) -> Facts:
    """What the extractor returned, in the shape of the labels."""
    events = []
    for e in extraction.events:
        start, end = e.start, e.end or e.start
        if start is not None and end is not None and str(e.precision) == "month":
            start, end = _month_span(start, end)
        events.append(
            EventFacts(
                start=start,
                end=end,
                kind=str(e.kind),
                province=e.province,
                organizers=tuple(e.organizers),
                participants=e.participants,
                status=str(e.status),
            )
        )
    recs = tuple(RecFacts(r.text, tuple(r.sub_items)) for r in extraction.recommendations)
    return Facts(tuple(events), recs)


def run_case(case: Case, extract: ExtractFn) -> Facts:
    extraction = extract(case.body, language=case.language, published=case.published, title=case.title)
    return predicted_facts(extraction)


# --------------------------------------------------------------------------- scoring


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return _ratio(self.tp, self.tp + self.fp, nothing=self.tp + self.fn == 0)

    @property
    def recall(self) -> float:
        return _ratio(self.tp, self.tp + self.fn, nothing=self.tp + self.fp == 0)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _ratio(num: int, den: int, *, nothing: bool) -> float:
    if den:
        return num / den
    return 1.0 if nothing else 0.0


@dataclass
class Report:
    rows: dict[str, Counts] = field(default_factory=lambda: {name: Counts() for name in ROWS})
    mismatches: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    files: int = 0

    def note(self, case: str, message: str) -> None:
        self.mismatches.setdefault(case, []).append(message)

    def failing(self, min_f1: float) -> list[str]:
        """The gated rows below ``min_f1`` (plus "errors" when a file raised)."""
        low = [name for name in GATED if self.rows[name].f1 < min_f1]
        return low + (["errors"] if self.errors else [])


def pair_events(
    gold: Sequence[EventFacts], pred: Sequence[EventFacts]
) -> tuple[list[tuple[EventFacts, EventFacts]], int, list[EventFacts], list[EventFacts]]:
    """Pairs (exact-date pairs first), the number of exact-date pairs, unpaired gold, unpaired predicted."""
    left_gold, left_pred = list(gold), list(pred)
    pairs: list[tuple[EventFacts, EventFacts]] = []
    rules: tuple[Callable[[EventFacts, EventFacts], bool], ...] = (
        lambda g, p: (g.start, g.end) == (p.start, p.end),
        lambda g, p: g.kind == p.kind,
        lambda g, p: True,
    )
    exact = 0
    for number, same in enumerate(rules):
        for g in list(left_gold):
            p = next((p for p in left_pred if same(g, p)), None)
            if p is not None:
                pairs.append((g, p))
                left_gold.remove(g)
                left_pred.remove(p)
                exact += number == 0
    return pairs, exact, left_gold, left_pred


def _key(value: object) -> object:
    """Comparable form of a single-valued field: folded text, or the value itself."""
    if isinstance(value, str):
        return fold(value) or None
    return value


def score_single(counts: Counts, gold: object, pred: object) -> bool:
    """Count one single-valued field; True when it agrees."""
    g, p = _key(gold), _key(pred)
    if g is not None and g == p:
        counts.tp += 1
        return True
    counts.fp += p is not None
    counts.fn += g is not None
    return g is None and p is None


def _org_match(a: str, b: str) -> bool:
    fa, fb = fold(a), fold(b)
    return bool(fa and fb) and (fa in fb or fb in fa)


def match_one_to_one(
    gold: Iterable[str], pred: Iterable[str], same: Callable[[str, str], bool]
) -> tuple[int, list[str], list[str]]:
    """Greedy one-to-one matching: (matched, unmatched gold, unmatched predicted)."""
    left = list(pred)
    missed: list[str] = []
    tp = 0
    for g in gold:
        hit = next((p for p in left if same(g, p)), None)
        if hit is None:
            missed.append(g)
        else:
            left.remove(hit)
            tp += 1
    return tp, missed, left


def item_key(text: str) -> str:
    """A recommendation text for comparison: folded, single spaces, no trailing punctuation."""
    return fold(text).rstrip(" .;:,!?…")


def same_item(gold: str, pred: str) -> bool:
    g, p = item_key(gold), item_key(pred)
    if g == p:
        return True
    short, long_ = sorted((g, p), key=len)
    return len(short) >= PREFIX_MIN and long_.startswith(short)


def _span(e: EventFacts) -> str:
    if e.start == e.end:
        return str(e.start)
    return f"{e.start}..{e.end}"


def score_pair_fields(report: Report, case: str, g: EventFacts, p: EventFacts) -> None:
    rows = report.rows
    singles = (
        ("event location", "location", g.province, p.province),
        ("participants", "participants", g.participants, p.participants),
        ("event kind (info)", "kind", g.kind, p.kind),
        ("event status (info)", "status", g.status, p.status),
    )
    for row, label, gold_value, pred_value in singles:
        if not score_single(rows[row], gold_value, pred_value):
            report.note(case, f"{label} of {_span(g)}: expected {gold_value!r}, got {pred_value!r}")
    tp, missed, extra = match_one_to_one(g.organizers, p.organizers, _org_match)
    counts = rows["organizers"]
    counts.tp, counts.fn, counts.fp = counts.tp + tp, counts.fn + len(missed), counts.fp + len(extra)
    if missed or extra:
        report.note(case, f"organizers of {_span(g)}: missing {missed}, extra {extra}")


def score_unpaired(report: Report, case: str, events: list[EventFacts], *, gold: bool) -> None:
    """Fields of an event nobody paired: all misses (gold) or all false alarms (predicted)."""
    attr = "fn" if gold else "fp"
    for e in events:
        report.note(case, f"{'missing' if gold else 'extra'} event {_span(e)} ({e.kind}, {e.province})")
        for row, value in (
            ("event location", e.province),
            ("participants", e.participants),
            ("event kind (info)", e.kind),
            ("event status (info)", e.status),
        ):
            counts = report.rows[row]
            setattr(counts, attr, getattr(counts, attr) + (_key(value) is not None))
        counts = report.rows["organizers"]
        setattr(counts, attr, getattr(counts, attr) + len(e.organizers))


def score_events(report: Report, case: str, gold: Facts, pred: Facts) -> None:
    pairs, exact, left_gold, left_pred = pair_events(gold.events, pred.events)
    counts = report.rows["event dates"]
    counts.tp += exact
    counts.fp += len(pred.events) - exact
    counts.fn += len(gold.events) - exact
    for g, p in pairs[exact:]:
        report.note(case, f"dates: expected {_span(g)} ({g.kind}), got {_span(p)} ({p.kind})")
    for g, p in pairs:
        score_pair_fields(report, case, g, p)
    score_unpaired(report, case, left_gold, gold=True)
    score_unpaired(report, case, left_pred, gold=False)


def score_items(report: Report, case: str, row: str, gold: Sequence[str], pred: Sequence[str]) -> None:
    tp, missed, extra = match_one_to_one(gold, pred, same_item)
    counts = report.rows[row]
    counts.tp, counts.fn, counts.fp = counts.tp + tp, counts.fn + len(missed), counts.fp + len(extra)
    for text in missed:
        report.note(case, f"{row}: missing {text[:90]!r}")
    for text in extra:
        report.note(case, f"{row}: extra {text[:90]!r}")


def score_case(report: Report, case: str, gold: Facts, pred: Facts) -> None:
    report.files += 1
    score_events(report, case, gold, pred)
    gold_items = [r.text for r in gold.recommendations]
    score_items(report, case, "recommendation items", gold_items, [r.text for r in pred.recommendations])
    gold_subs = [s for r in gold.recommendations for s in r.sub_items]
    pred_subs = [s for r in pred.recommendations for s in r.sub_items]
    score_items(report, case, "recommendation sub-items", gold_subs, pred_subs)


def evaluate(cases: Sequence[Case], extract: ExtractFn) -> Report:
    """Run ``extract`` over every case and score it; an exception counts as an empty prediction."""
    report = Report()
    for case in cases:
        try:
            pred = run_case(case, extract)
        except Exception as exc:  # noqa: BLE001 - a crash is a result to report, not to hide
            report.errors[case.name] = f"{type(exc).__name__}: {exc}"
            pred = Facts()
        score_case(report, case.name, case.gold, pred)
    return report


# --------------------------------------------------------------------------- output


def format_report(report: Report, *, verbose: bool = False) -> str:
    lines = [f"{'field':<26} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7} {'f1':>6}"]
    for name, c in report.rows.items():
        lines.append(f"{name:<26} {c.tp:>4} {c.fp:>4} {c.fn:>4} {c.precision:>9.3f} {c.recall:>7.3f} {c.f1:>6.3f}")
    lines.extend(corpus_quality.format_tail(report.files, report.errors, report.mismatches, verbose=verbose))
    return "\n".join(lines)


def _load_extract() -> ExtractFn | None:
    try:
        from feeds.extract import extract
    except ImportError as exc:
        print(f"feeds.extract is not importable ({exc}); nothing to measure", file=sys.stderr)
        return None
    return extract


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=GOLDEN_DIR, help="the labelled set (default: %(default)s)")
    parser.add_argument("--only", default="*", help="score only files whose stem matches this glob, e.g. '3[7-9]-*'")
    parser.add_argument("--verbose", action="store_true", help="list the mismatches of every file")
    parser.add_argument("--min-f1", type=float, default=None, help="exit 1 when a gated F1 is below this")
    parser.add_argument("--half", choices=("odd", "even"), help="a development corpus: score every other file")
    parser.add_argument("--seen", type=dt.date.fromisoformat, default=corpus_quality.DEFAULT_SEEN.date(),
                        help="a development corpus: the first-seen day of pages without a stamp (default %(default)s)")
    args = parser.parse_args(argv)
    extract = _load_extract()
    if extract is None:
        return 1 if args.min_f1 is not None else 0
    if corpus_quality.is_corpus(args.dir):
        return _main_corpus(args, extract)
    cases = load_cases(args.dir, args.only)
    if not cases:
        print(f"no labelled articles match {args.only!r} in {args.dir}", file=sys.stderr)
        return 1 if args.min_f1 is not None else 0
    report = evaluate(cases, extract)
    print(f"extraction quality on {len(cases)} labelled articles in {args.dir}")
    print(format_report(report, verbose=args.verbose))
    if args.min_f1 is not None:
        failing = report.failing(args.min_f1)
        if failing:
            print(f"below --min-f1 {args.min_f1}: {', '.join(failing)}")
            return 1
    return 0


def _main_corpus(args: argparse.Namespace, extract: ExtractFn) -> int:
    cases = corpus_quality.load_corpus(args.dir, args.only, args.half)
    if not cases:
        print(f"no articles match {args.only!r} in {args.dir}", file=sys.stderr)
        return 1 if args.min_f1 is not None else 0
    seen = dt.datetime.combine(args.seen, corpus_quality.DEFAULT_SEEN.timetz())
    report = corpus_quality.evaluate(cases, extract, seen)
    half = f", {args.half} half" if args.half else ""
    print(f"extraction quality on {len(cases)} articles of the development corpus in {args.dir}{half}")
    print(corpus_quality.format_report(report, verbose=args.verbose))
    if args.min_f1 is not None:
        low = corpus_quality.failing(report, args.min_f1)
        if low:
            print(f"below --min-f1 {args.min_f1}: {', '.join(low)}")
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
