"""URLs: canonical form, and which links belong to a source's own site.

Pure string work (no I/O): ``canonical_url`` is the identity an article is stored under, so the
same page reached through tracking parameters, a fragment, an upper-case host or an explicit
default port is one article.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from urllib.parse import SplitResult, quote, urljoin, urlsplit, urlunsplit

log = logging.getLogger(__name__)

__all__ = ["Site", "canonical_url"]

_TRACKING = re.compile(
    r"^(?:utm_\w*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|_ga|_gl|igshid|"
    r"_hsenc|_hsmi|mkt_tok|ref_src|spm)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "#")


def canonical_url(url: str, base: str | None = None) -> str:
    """Absolute URL without fragment or tracking parameters; host lower-cased, default port dropped.

    Raises ``ValueError`` for a URL that cannot be parsed (an unclosed IPv6 bracket).
    """
    url = url.strip()
    parts = urlsplit(urljoin(base, url) if base else url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return urlunsplit(parts._replace(fragment=""))
    query = "&".join(p for p in parts.query.split("&") if p and not _TRACKING.match(p.split("=", 1)[0]))
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    return urlunsplit((scheme, _netloc(parts, scheme), path, query, ""))


def _netloc(parts: SplitResult, scheme: str) -> str:
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port
    except ValueError:
        return parts.netloc.lower()
    if ":" in host:
        host = f"[{host}]"
    return host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"


def _site_key(host: str | None) -> str:
    host = (host or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _port(parts: SplitResult) -> int | None:
    """The URL's effective port (the scheme's default when none is written); None when malformed."""
    try:
        return parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None


class Site:
    """Which URLs count as the source's own: its host (with or without www.) and ``allowed_hosts``,
    over http(s), on the source's port (or, when the source uses the default port of its scheme,
    the default port of http or https), never with ``user:password@``. Another port of the same
    host is another service (an admin page, a database console): it is not the site."""

    def __init__(self, url: str, allowed_hosts: Collection[str] = ()) -> None:
        parts = urlsplit(url)
        self.hosts = {_site_key(parts.hostname), *(_site_key(h) for h in allowed_hosts)}
        self.port = _port(parts)
        self.default_port = self.port == _DEFAULT_PORTS.get(parts.scheme.lower())

    def allows(self, url: str) -> bool:
        """Whether ``url`` (absolute) may be fetched for this source."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return False
        if parts.scheme.lower() not in _DEFAULT_PORTS or "@" in parts.netloc:
            return False
        if _site_key(parts.hostname) not in self.hosts:
            return False
        port = _port(parts)
        return port is not None and (port == self.port or (self.default_port and port == _DEFAULT_PORTS[parts.scheme.lower()]))

    def link(self, href: str | None, base: str) -> str | None:
        """The canonical absolute URL of an on-site http(s) link, or None."""
        href = (href or "").strip()
        if not href or href.lower().startswith(_SKIP_SCHEMES):
            return None
        try:
            absolute = urljoin(base, href)
            url = canonical_url(absolute)
        except ValueError:  # e.g. "http://[::1" on a careless page: not a link we can follow
            log.debug("ignoring malformed link %r", href)
            return None
        if not self.allows(absolute) or not self.allows(url):  # user:pw@, another port or host
            return None
        return url
