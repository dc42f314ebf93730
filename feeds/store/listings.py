"""What the pipeline remembers about listing pages between runs: conditional-GET validators
(ETag / Last-Modified) and, for sites that send neither, a digest of the first page's items."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import insert, select, update

from feeds.models import Validators
from feeds.store.base import StoreBase, Transaction
from feeds.store.schema import listing_digests, validators


class ListingStore(StoreBase):
    """The ``validators`` and ``listing_digests`` tables."""

    def get_validators(self, url: str) -> Validators:
        with self._read("read the validators of a listing") as conn:
            row = conn.execute(select(validators).where(validators.c.url == url)).one_or_none()
        return Validators(etag=row.etag, last_modified=row.last_modified) if row is not None else Validators()

    def set_validators(self, url: str, value: Validators, *, tx: Transaction | None = None) -> None:
        self.set_many_validators({url: value}, tx=tx)

    def set_many_validators(self, values: Mapping[str, Validators], *, tx: Transaction | None = None) -> None:
        """Remember validators for several URLs in one transaction."""
        with self._write("save listing validators", tx) as conn:
            for url, value in values.items():
                fields = {"etag": value.etag, "last_modified": value.last_modified}
                if conn.execute(update(validators).where(validators.c.url == url).values(**fields)).rowcount == 0:
                    conn.execute(insert(validators).values(url=url, **fields))

    def get_listing_digest(self, url: str) -> str | None:
        with self._read("read the digest of a listing") as conn:
            return conn.execute(select(listing_digests.c.digest).where(listing_digests.c.url == url)).scalar_one_or_none()

    def set_listing_digest(self, url: str, digest: str) -> None:
        with self._write("save the digest of a listing") as conn:
            stmt = update(listing_digests).where(listing_digests.c.url == url).values(digest=digest)
            if conn.execute(stmt).rowcount == 0:
                conn.execute(insert(listing_digests).values(url=url, digest=digest))
