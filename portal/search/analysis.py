"""Chinese text analysis for search: normalisation, jieba segmentation, synonyms.

Documents and queries go through the same ``normalize``. Documents are indexed with every
jieba word plus every dictionary word inside a longer word (so 复议 finds 行政复议 and 行政诉讼
finds 行政诉讼法, which jieba's own search mode misses). Queries keep jieba's precise words,
each of which must match, expanded by the synonym groups (by default ``data/synonyms.txt``;
``use_synonym_source`` replaces the source, e.g. with groups staff edit in the database).
Traditional characters fold to simplified ones (OpenCC ``t2s``), so 營業執照 finds 营业执照.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from whoosh.analysis import Token, Tokenizer

DATA = Path(__file__).parent / "data"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202f\ufeff]")
_WORD_CHAR = re.compile(r"\w")
_CJK = re.compile(r"^[\u3400-\u9fff]+$")
MAX_QUERY_CHARS = 200

_cache_file: str | None = None


def configure(cache_file: str | None) -> None:
    """Where jieba keeps its dictionary cache (default: the system temp dir)."""
    global _cache_file
    _cache_file = cache_file


def _read_lines(name: str) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@cache
def stopwords() -> frozenset[str]:
    return frozenset(_read_lines("stopwords.txt"))


@cache
def _tokenizer():
    """jieba's tokenizer with our dictionary additions, loaded once per process."""
    with warnings.catch_warnings():
        # jieba 0.42 has invalid escapes that warn when its files are compiled afresh.
        warnings.simplefilter("ignore")
        import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    if _cache_file:
        Path(_cache_file).parent.mkdir(parents=True, exist_ok=True)
        tokenizer.cache_file = _cache_file
    tokenizer.initialize()
    with (DATA / "userdict.txt").open("rb") as userdict:
        tokenizer.load_userdict(userdict)
    global _jieba
    with _synonyms.lock:
        _jieba = tokenizer
        _add_words(tokenizer, list(_synonyms.groups))
    synonym_groups()  # loads the source (adding its terms) if not done yet
    return tokenizer


def _add_words(tokenizer: Any, terms: list[str]) -> None:
    """Every synonym must come out of segmentation whole."""
    for term in terms:
        if term and " " not in term and term not in _synonyms.added:
            tokenizer.add_word(term)
            _synonyms.added.add(term)


def warm_up() -> None:
    """Load the dictionary now rather than on the first search (e.g. before forking)."""
    _tokenizer()


@cache
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """Fold full-width forms to half-width (NFKC), lower-case, drop control characters,
    fold traditional characters to simplified ones."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _CONTROL.sub(" ", text).lower()
    if text.isascii():
        return text
    return str(_t2s().convert(text))


def _words(text: str) -> list[str]:
    stop = stopwords()
    return [
        word
        for word in (w.strip() for w in _tokenizer().cut(text, HMM=True))
        if word and _WORD_CHAR.search(word) and word not in stop
    ]


def index_tokens(text: str) -> list[str]:
    """Tokens stored in the index for a document's text."""
    freq = _tokenizer().FREQ
    stop = stopwords()
    tokens: list[str] = []
    for word in _words(normalize(text)):
        tokens.append(word)
        size = len(word)
        if size > 2 and _CJK.match(word):
            for length in range(2, size):
                for start in range(size - length + 1):
                    part = word[start : start + length]
                    if freq.get(part) and part not in stop:
                        tokens.append(part)
    return tokens


def query_words(text: str) -> list[str]:
    """The words of a resident's query, each of which a result must contain."""
    text = normalize(text)[:MAX_QUERY_CHARS]
    return list(dict.fromkeys(_words(text)))


def synonyms_file_groups() -> list[list[str]]:
    """The synonym groups of ``data/synonyms.txt`` (e.g. to seed a database with them)."""
    return [line.split() for line in _read_lines("synonyms.txt")]


SYNONYM_CHECK_EVERY = 2.0  # seconds between checks of the synonym source's version


class _SynonymState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.load: Callable[[], list[list[str]]] = synonyms_file_groups
        self.version: Callable[[], object] = lambda: "file"
        self.seen: object = _UNSET
        self.checked = float("-inf")
        self.groups: dict[str, tuple[str, ...]] = {}
        self.added: set[str] = set()  # terms already added to the jieba tokenizer


_UNSET = object()
_synonyms = _SynonymState()
_jieba: Any = None  # the loaded tokenizer, once ``_tokenizer`` has run


def use_synonym_source(load: Callable[[], list[list[str]]], version: Callable[[], object]) -> None:
    """Read synonym groups from ``load()`` (each a list of terms), again whenever
    ``version()`` returns something new (checked at most every 2 s per process)."""
    with _synonyms.lock:
        _synonyms.load, _synonyms.version = load, version
        _synonyms.seen = _UNSET
        _synonyms.checked = float("-inf")


def _build_groups(lines: list[list[str]]) -> dict[str, tuple[str, ...]]:
    groups: dict[str, tuple[str, ...]] = {}
    for line in lines:
        terms = tuple(dict.fromkeys(t for t in (normalize(t).strip() for t in line) if t))
        for term in terms:
            groups[term] = tuple(dict.fromkeys(groups.get(term, ()) + terms))
    return groups


def synonym_groups() -> dict[str, tuple[str, ...]]:
    """Each synonym term mapped to the terms of its group (itself included)."""
    state = _synonyms
    now = time.monotonic()
    if now - state.checked < SYNONYM_CHECK_EVERY:
        return state.groups
    with state.lock:
        if now - state.checked < SYNONYM_CHECK_EVERY:
            return state.groups
        load, version = state.load, state.version
        try:
            current = version()
            if current != state.seen:
                groups = _build_groups(load())
                state.groups, state.seen = groups, current
        except Exception:  # a broken source keeps the groups last read
            logging.getLogger(__name__).exception("synonyms could not be read")
        state.checked = now
        groups, tokenizer = state.groups, _jieba
    if tokenizer is not None:
        with state.lock:
            _add_words(tokenizer, [t for t in groups if t not in state.added])
    return groups


def synonyms(word: str) -> list[str]:
    """Other ways residents say ``word`` (not including ``word`` itself)."""
    return [t for t in synonym_groups().get(word, ()) if t != word]


class PortalTokenizer(Tokenizer):
    """Whoosh tokenizer over ``index_tokens``, so Whoosh's own (multi-process) writers
    run the Chinese analysis while indexing."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for position, text in enumerate(index_tokens(value) if tokenize else [value]):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar = token.endchar = start_char
            yield token
