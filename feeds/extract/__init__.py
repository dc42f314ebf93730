"""Pure extraction: article text -> events, recommendations and a summary (:func:`extract`).

``extractor`` runs the stages; ``events`` (with ``eventwords``, ``eventdates``, ``eventfields``)
finds events, ``places`` + ``data/gazetteer.json`` names provinces, ``recommend`` and ``summary``
do the rest.
"""

from feeds.extract.extractor import extract

__all__ = ["extract"]
