"""Where the milliseconds of an uncached ``portal.search.search()`` go (for ``bench/search.py``).

``step_breakdown`` wraps the functions a search calls with timers that count *exclusive*
time (a step's time excludes the wrapped steps it calls), so the steps add up to the total
without a profiler's overhead:

- query words: ``analysis.query_words`` (jieba segmentation of the query and synonyms)
- catch-up check: ``query.catch_up`` (newest change-log id vs the index state)
- segment columns: ``ranking.segment_data`` (kind/year/date/length columns, cached per segment)
- posting lists: ``ranking.postings`` (decoding a term's postings, cached per segment)
- matching, facets and scoring: the rest of ``Ranker.run`` (set intersection, kind/year
  counts, BM25F on the candidates, top N)
- DB re-read: ``Session.scalars`` (loading the page's documents, materialised)
- snippets: ``highlight_terms``, ``plain_text``, ``snippet``, ``_mark``
- other: the rest of ``search()`` (searcher lock and reopen check, cache, result assembly)

``cprofile_top`` runs the same searches under cProfile for the functions inside those steps.
"""

from __future__ import annotations

import cProfile
import functools
import io
import pstats
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import whoosh
from sqlalchemy.orm import Session

import portal.search as search_package
from portal.search import analysis, ranking
from portal.search import query as query_module

# Shortened in the cProfile listing.
PREFIXES = tuple(
    str(path) + "/"
    for path in (
        Path(whoosh.__file__).parents[1],
        Path(cProfile.__file__).parent,
        Path(search_package.__file__).parents[2],
    )
)

STEPS = (
    "query words",
    "catch-up check",
    "segment columns",
    "posting lists",
    "matching, facets and scoring",
    "DB re-read",
    "snippets",
    "other",
)


class ExclusiveTimer:
    """Wall time per step, each step's time excluding the nested steps it calls."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = dict.fromkeys(STEPS, 0.0)
        self._stack: list[str] = []
        self._since = 0.0

    def _switch(self, push: str | None) -> None:
        now = time.perf_counter()
        if self._stack:
            self.totals[self._stack[-1]] += now - self._since
        if push is None:
            self._stack.pop()
        else:
            self._stack.append(push)
        self._since = now

    def wrap(
        self, step: str, fn: Callable[..., Any], finish: Callable[[Any], Any] | None = None
    ) -> Callable[..., Any]:
        """``fn`` timed as ``step``; ``finish`` consumes a lazy result inside the timing."""

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._switch(step)
            try:
                result = fn(*args, **kwargs)
                return finish(result) if finish else result
            finally:
                self._switch(None)

        return timed


@contextmanager
def _patched(timer: ExclusiveTimer) -> Iterator[None]:
    targets: list[tuple[Any, str, str, Callable[[Any], Any] | None]] = [
        (search_package, "_search", "other", None),
        (analysis, "query_words", "query words", None),
        (query_module, "catch_up", "catch-up check", None),
        (ranking, "segment_data", "segment columns", None),
        (ranking, "postings", "posting lists", None),
        (ranking.Ranker, "run", "matching, facets and scoring", None),
        (Session, "scalars", "DB re-read", lambda result: result.all()),
        (query_module, "highlight_terms", "snippets", None),
        (query_module, "plain_text", "snippets", None),
        (query_module, "snippet", "snippets", None),
        (query_module, "_mark", "snippets", None),
    ]
    originals = [(owner, name, owner.__dict__[name]) for owner, name, _, _ in targets]
    try:
        for owner, name, step, finish in targets:
            setattr(owner, name, timer.wrap(step, getattr(owner, name), finish))
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def step_breakdown(run_uncached: Callable[[], int]) -> tuple[dict[str, float], int]:
    """Seconds per step over ``run_uncached()`` (which returns how many searches it ran)."""
    timer = ExclusiveTimer()
    with _patched(timer):
        count = run_uncached()
    return timer.totals, count


def cprofile_top(run_uncached: Callable[[], int], top: int = 25) -> str:
    """cProfile of ``run_uncached()``: the functions with the most own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    run_uncached()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    text = "\n".join(lines[start:])
    for prefix in PREFIXES:
        text = text.replace(prefix, "")
    return text
