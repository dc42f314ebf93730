"""The admin's configuration: ``config/sources.toml`` read (``files``) and validated without I/O
(``sources``) into :class:`feeds.models.Source` values."""

from feeds.config.files import load_sources, read_toml
from feeds.config.sources import parse_sources

__all__ = ["load_sources", "parse_sources", "read_toml"]
