"""Encoding an export: CSV (UTF-8 with BOM, formula-safe cells) or one JSON object.

The JSON is ``{"dataset", "title", "publisher", "license", "updated_at", "fields",
"items"}``; ``items`` hold exactly the CSV rows' text (without the CSV-only guard),
keyed by field name, and ``fields`` give each name's Chinese label and meaning.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from flask import current_app

from portal.extensions import db
from portal.opendata.exports import BATCH, EXPORTS, LICENSE, Export, Record, stamp

# Cells a spreadsheet would run as a formula get a leading ' (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_START)
_to_json = json.JSONEncoder(ensure_ascii=False).encode


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value[:1] in _FORMULA_FIRST else value


def header(export: Export, updated: datetime | None) -> dict[str, Any]:
    """The JSON export's metadata: everything but ``items``."""
    org = current_app.config["ORG_NAME"]
    return {
        "dataset": export.name,
        "title": export.title,
        "publisher": org,
        "license": LICENSE.format(org=org),
        "updated_at": stamp(updated),
        "fields": [
            {"name": c.name, "label": c.label, "description": c.description} for c in export.columns
        ],
    }


@dataclass
class Encoder:
    """Turns batches of records into one export's text: ``head``, ``rows``…, ``tail``."""

    export: Export
    fmt: str
    updated: datetime | None
    _started: bool = False
    _buffer: io.StringIO = field(default_factory=io.StringIO)

    def head(self) -> str:
        if self.fmt == "csv":
            return "\ufeff" + self._csv([{c.name: c.label for c in self.export.columns}])
        text = json.dumps(header(self.export, self.updated), ensure_ascii=False)
        return text[:-1] + ', "items": ['

    def rows(self, records: list[Record]) -> str:
        if self.fmt == "csv":
            return self._csv(records)
        names = [c.name for c in self.export.columns]
        items = [_to_json({n: r[n] for n in names}) for r in records]
        if not items:
            return ""
        lead = ",\n" if self._started else "\n"
        self._started = True
        return lead + ",\n".join(items)

    def tail(self) -> str:
        return "" if self.fmt == "csv" else "\n]}\n"

    def _csv(self, records: list[Record]) -> str:
        self._buffer.seek(0)
        self._buffer.truncate()
        names = [c.name for c in self.export.columns]
        writer = csv.writer(self._buffer, lineterminator="\r\n")
        writer.writerows([csv_cell(r[n]) for n in names] for r in records)
        return self._buffer.getvalue()


def batches(records: Iterator[Record]) -> Iterator[list[Record]]:
    """``records`` in lists of ``BATCH``."""
    while batch := list(islice(records, BATCH)):
        yield batch


def chunks(name: str, fmt: str, updated: datetime | None) -> Iterator[bytes]:
    """The encoded export, piece by piece.

    Call it in a request; the iterator it returns reads through a connection of its own
    and needs no Flask context, so a response can stream it after the view has returned.
    """
    export = EXPORTS[name]
    encoder = Encoder(export, fmt, updated)
    head, read, engine = encoder.head(), export.reader(), db.engine

    def generate() -> Iterator[bytes]:
        yield head.encode()
        with engine.connect() as conn:
            for batch in batches(read(conn)):
                yield encoder.rows(batch).encode()
        yield encoder.tail().encode()

    return generate()
