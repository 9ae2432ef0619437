"""Bulk open data: every published document (all, or one kind) and the public messages,
as CSV (UTF-8 with BOM) or JSON, cached per change-log position.

``exports`` says what is exported, ``encoding`` how, ``state`` when it was last built.
"""

from portal.opendata.encoding import FORMULA_START, chunks, csv_cell
from portal.opendata.exports import (
    COMMON_COLUMNS,
    EXPORTS,
    FORMAT_LABELS,
    FORMATS,
    LICENSE,
    MESSAGE_COLUMNS,
    PUBLIC_MESSAGES,
    filename,
    stamp,
)
from portal.opendata.state import (
    SCHEMA,
    State,
    cache_for,
    cache_key,
    current_state,
    measure,
    recording,
)

__all__ = [
    "COMMON_COLUMNS",
    "EXPORTS",
    "FORMATS",
    "FORMAT_LABELS",
    "FORMULA_START",
    "LICENSE",
    "MESSAGE_COLUMNS",
    "PUBLIC_MESSAGES",
    "SCHEMA",
    "State",
    "cache_for",
    "cache_key",
    "chunks",
    "csv_cell",
    "current_state",
    "filename",
    "measure",
    "recording",
    "stamp",
]
