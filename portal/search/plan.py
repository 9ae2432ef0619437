"""What a resident's query asks for, independent of the search engine that answers it.

User text is never parsed as query syntax: it is segmented into words (``analysis``), each
of which a result must match through one of its alternatives: the word itself, its
synonyms, and, for latin text, the Chinese words of the index that pinyin or initials stand
for (``weifajianzhu``, ``wei fa jian zhu``, ``wfjz`` → 违法建筑), weighted below the
resident's own words. The plan is plain data (hashable, so results can be cached by it);
a backend (Whoosh here, Solr elsewhere) turns it into its own query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.search import analysis
from portal.search.lexicon import Lexicon

PINYIN_WEIGHT = 0.8  # the best conversion of pinyin; later ones a little less
PINYIN_STEP = 0.05
MIN_PINYIN_WEIGHT = 0.6


@dataclass(frozen=True)
class Alternative:
    tokens: tuple[str, ...]  # index tokens that must all occur in the document
    weight: float = 1.0  # 1.0 for the resident's own words and synonyms, < 1 for pinyin


@dataclass(frozen=True)
class QueryPlan:
    words: tuple[tuple[Alternative, ...], ...]  # each word must match through one alternative
    exact: str | None  # normalised exact key (索引号/文号), boosted
    highlight: tuple[str, ...]  # terms to <mark> in titles/snippets, longest first

    def __bool__(self) -> bool:
        return bool(self.words)


def exact_key(q: str) -> str | None:
    """The query as an exact key (索引号, 文号), as ``schema`` stores them."""
    return analysis.normalize(q).replace(" ", "") or None


_LATIN_RUN = re.compile(r"[a-z]+(?:[\s']+[a-z]+)+")


def _is_latin(word: str) -> bool:
    return word.isascii() and word.isalpha()


def _spaced_pinyin(q: str, lexicon: Lexicon) -> list[tuple[list[str], list[Alternative]]]:
    """Runs of latin words typed apart (``wei fa jian zhu``) that are pinyin as a whole:
    their words and the run's Chinese conversions."""
    found = []
    text = analysis.normalize(q)[: analysis.MAX_QUERY_CHARS]
    for match in _LATIN_RUN.finditer(text):
        parts = re.split(r"[\s']+", match.group(0))
        converted = _pinyin_alternatives("".join(parts), lexicon)
        if converted:
            found.append((parts, converted))
    return found


def _synonym_alternatives(word: str) -> list[Alternative]:
    found = [Alternative((word,))]
    for synonym in analysis.synonyms(word):
        tokens = tuple(analysis.query_words(synonym))
        if tokens and all(tokens != a.tokens for a in found):
            found.append(Alternative(tokens))
    return found


def _pinyin_alternatives(latin: str, lexicon: Lexicon) -> list[Alternative]:
    found: list[Alternative] = []
    for n, words in enumerate(lexicon.from_pinyin(latin)):
        weight = max(MIN_PINYIN_WEIGHT, PINYIN_WEIGHT - n * PINYIN_STEP)
        found.append(Alternative(tuple(words), round(weight, 3)))
    return found


def build_plan(q: str, lexicon: Lexicon | None) -> QueryPlan:
    """The plan for the resident's query ``q`` (pinyin is converted only with a lexicon)."""
    words = analysis.query_words(q)
    plan_words: list[tuple[Alternative, ...]] = []
    runs = _spaced_pinyin(q, lexicon) if lexicon is not None else []
    in_runs = {part for parts, _ in runs for part in parts}
    for parts, converted in runs:
        own = Alternative(tuple(dict.fromkeys(parts)))
        plan_words.append((own, *converted))
    for word in words:
        if word in in_runs:
            continue
        alternatives = _synonym_alternatives(word)
        if lexicon is not None and _is_latin(word):
            alternatives += _pinyin_alternatives(word, lexicon)
        unique: dict[tuple[str, ...], Alternative] = {}
        for alternative in alternatives:
            unique.setdefault(alternative.tokens, alternative)
        plan_words.append(tuple(unique.values()))
    terms: set[str] = set()
    for options in plan_words:
        for alternative in options:
            terms.update(alternative.tokens)
        for token in options[0].tokens:
            terms.update(analysis.synonyms(token))
    highlight = tuple(sorted((t for t in terms if t.strip()), key=lambda t: (-len(t), t)))
    return QueryPlan(tuple(plan_words), exact_key(q) if plan_words else None, highlight)
