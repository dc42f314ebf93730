"""The admin's configuration: ``config/sources.toml`` parsed and validated into :class:`feeds.models.Source`."""
