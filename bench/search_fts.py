"""SQLite FTS5 peers for ``bench/search.py``, built over the same corpus as the Whoosh index.

- **trigram**: an external-content FTS5 table (``tokenize='trigram'``) over a plain table of
  normalised title and summary + body text. Query parts of 3+ characters go to ``MATCH`` as
  quoted strings (AND), ranked by ``bm25`` (title x 3); a trigram index cannot look up parts
  shorter than 3 characters, so those are checked with ``LIKE`` on the matched rows, and a
  query made only of short parts is a ``LIKE`` scan of the whole table, newest first.
- **jieba**: a contentless FTS5 table (``unicode61``) over the space-joined tokens of
  ``portal.search.analysis.index_tokens``; a query is the AND of
  ``portal.search.analysis.query_words`` as quoted strings, ranked by ``bm25`` (title x 3).
  No synonym expansion (the portal's Whoosh query expands synonyms).

Both return at most ``LIMIT`` document ids; neither counts the total nor builds facets or
snippets, which the portal's ``search()`` does.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from portal.markdown import plain_text
from portal.search import analysis

LIMIT = 10
FTS5_SYNTAX = re.compile(r'["*^:(){}+\-]')


@dataclass
class Build:
    """How long a peer index took to build and how big its database file is."""

    name: str
    path: Path
    seconds: float
    documents: int

    @property
    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*"))


def published_rows(portal_db: Path, batch: int = 2000) -> Iterator[tuple[int, str, str, str]]:
    """``(id, title, summary + plain body, published_at)`` of every published document."""
    conn = sqlite3.connect(f"file:{portal_db}?mode=ro", uri=True)
    try:
        last_id = 0
        while True:
            rows = conn.execute(
                "SELECT id, title, summary, body, published_at FROM document "
                "WHERE status = 'published' AND id > ? ORDER BY id LIMIT ?",
                (last_id, batch),
            ).fetchall()
            if not rows:
                return
            for doc_id, title, summary, body, published in rows:
                text = " ".join(filter(None, [summary, plain_text(body)]))
                yield doc_id, title, text, published
            last_id = rows[-1][0]
    finally:
        conn.close()


def _connect(path: Path) -> sqlite3.Connection:
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def build_trigram(portal_db: Path, path: Path) -> Build:
    """Content table + external-content FTS5 trigram index over normalised text."""
    started = time.perf_counter()
    conn = _connect(path)
    conn.execute(
        "CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT, body TEXT, published TEXT)"
    )
    conn.execute(
        "CREATE VIRTUAL TABLE docs_tri USING fts5("
        "title, body, content='docs', content_rowid='id', tokenize='trigram')"
    )
    count = 0
    with conn:
        for doc_id, title, text, published in published_rows(portal_db):
            conn.execute(
                "INSERT INTO docs VALUES (?, ?, ?, ?)",
                (doc_id, analysis.normalize(title), analysis.normalize(text), published),
            )
            count += 1
        conn.execute("INSERT INTO docs_tri(docs_tri) VALUES ('rebuild')")
        conn.execute("INSERT INTO docs_tri(docs_tri) VALUES ('optimize')")
    conn.close()
    return Build("FTS5 trigram", path, time.perf_counter() - started, count)


def build_jieba(portal_db: Path, path: Path) -> Build:
    """Contentless FTS5 (unicode61) index over the portal's jieba index tokens."""
    started = time.perf_counter()
    conn = _connect(path)
    conn.execute(
        "CREATE VIRTUAL TABLE docs_jieba USING fts5("
        "title, body, content='', tokenize='unicode61 remove_diacritics 0')"
    )
    count = 0
    with conn:
        for doc_id, title, text, _ in published_rows(portal_db):
            conn.execute(
                "INSERT INTO docs_jieba(rowid, title, body) VALUES (?, ?, ?)",
                (
                    doc_id,
                    " ".join(analysis.index_tokens(title)),
                    " ".join(analysis.index_tokens(text)),
                ),
            )
            count += 1
        conn.execute("INSERT INTO docs_jieba(docs_jieba) VALUES ('optimize')")
    conn.close()
    return Build("FTS5 jieba", path, time.perf_counter() - started, count)


def _escape_like(part: str) -> str:
    return part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def trigram_searcher(path: Path) -> Callable[[str], list[int]]:
    """A function running one query against the trigram table: ids, best first."""
    conn = sqlite3.connect(path)
    text = "(title || ' ' || body)"

    def run(query: str) -> list[int]:
        parts = FTS5_SYNTAX.sub(" ", analysis.normalize(query)).split()
        long_parts = [p for p in parts if len(p) >= 3]
        short_parts = [p for p in parts if len(p) < 3]
        likes = [f"%{_escape_like(p)}%" for p in short_parts]
        if not parts:
            return []
        if not long_parts:
            where = " AND ".join(f"{text} LIKE ? ESCAPE '\\'" for _ in likes)
            sql = f"SELECT id FROM docs WHERE {where} ORDER BY published DESC LIMIT {LIMIT}"
            return [row[0] for row in conn.execute(sql, likes)]
        filters = "".join(f" AND {text} LIKE ? ESCAPE '\\'" for _ in likes)
        sql = (
            f"SELECT rowid FROM docs_tri WHERE docs_tri MATCH ?{filters} "
            f"ORDER BY bm25(docs_tri, 3.0, 1.0) LIMIT {LIMIT}"
        )
        match = " AND ".join(_quoted(p) for p in long_parts)
        return [row[0] for row in conn.execute(sql, [match, *likes])]

    return run


def jieba_searcher(path: Path, *, count: bool = False) -> Callable[[str], list[int]]:
    """A function running one query against the jieba-token table: ids, best first.

    With ``count`` it also counts every match (as a results page needs a total).
    """
    conn = sqlite3.connect(path)
    sql = (
        "SELECT rowid FROM docs_jieba WHERE docs_jieba MATCH ? "
        f"ORDER BY bm25(docs_jieba, 3.0, 1.0) LIMIT {LIMIT}"
    )
    count_sql = "SELECT count(*) FROM docs_jieba WHERE docs_jieba MATCH ?"

    def run(query: str) -> list[int]:
        words = analysis.query_words(query)
        if not words:
            return []
        match = " AND ".join(_quoted(w) for w in words)
        try:
            ids = [row[0] for row in conn.execute(sql, [match])]
            if count:
                conn.execute(count_sql, [match]).fetchone()
        except sqlite3.OperationalError:  # a word made only of separators: an empty phrase
            return []
        return ids

    return run
