"""``feedbot init [DIR]``: a first ``settings.toml`` and ``sources.toml`` for a new installation.

The samples ship in the package (``bot/cli/samples/``); the checkout's ``config/`` holds the same files
(a test keeps them equal). Nothing is ever overwritten: when either file exists, nothing is written.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from feeds.errors import FeedbotError

SAMPLE_FILES = ("settings.toml", "sources.toml")
DEFAULT_CONFIG_DIR = Path("config")


def sample_text(name: str) -> str:
    """The shipped sample ``name`` (one of :data:`SAMPLE_FILES`)."""
    return resources.files("bot.cli").joinpath("samples", name).read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Written:
    folder: Path
    files: tuple[Path, ...]


def write_samples(folder: Path) -> Written:
    """Write every sample file into ``folder`` (created if needed); refuse, writing nothing, when
    one of them is already there."""
    targets = [folder / name for name in SAMPLE_FILES]
    existing = [str(t) for t in targets if t.exists() or t.is_symlink()]
    if existing:
        raise FeedbotError(f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}; "
                           "nothing was written (edit what is there, or move it away and run feedbot init again)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for target in targets:
            with open(target, "x", encoding="utf-8") as fh:  # "x": never replace a file made meanwhile
                fh.write(sample_text(target.name))
    except OSError as exc:
        raise FeedbotError(f"cannot write into {folder}: {exc.strerror or exc}; "
                           "choose a folder you can write to (feedbot init DIR)") from None
    return Written(folder, tuple(targets))


def next_steps(written: Written) -> str:
    """What to tell the user after ``init``: the files, then the commands to run next."""
    folder = written.folder
    option = "" if folder == DEFAULT_CONFIG_DIR else f"--config-dir {shlex.quote(str(folder))} "
    commands = [
        (f"feedbot {option}demo", "try everything offline on a bundled demo site"),
        (f"feedbot {option}check-source vncpc-vi", "see what the selectors match on the real site (needs internet)"),
        (f"feedbot {option}run", "the service (set TELEGRAM_BOT_TOKEN for the Telegram bot)"),
    ]
    width = max(len(c) for c, _ in commands)
    return "\n".join([
        f"wrote {' and '.join(str(f) for f in written.files)}",
        "Next:",
        *(f"  {command:<{width}}  {what}" for command, what in commands),
        f"Edit the files to change a setting or add a site; `feedbot {option}config` prints what is in effect.",
    ])
