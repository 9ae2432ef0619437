"""The index's own vocabulary, keyed by pinyin: conversions, completion and corrections.

Residents type pinyin (``weifajianzhu``, ``wei fa jian zhu``), initials (``wfjz``) or
homophones a pinyin IME offered first (违法见筑). Nothing of this is in the index: at
query time the ``Lexicon`` (the CJK words of 2-8 characters the index holds, with their
document frequency) turns latin text into the index's own words and finds vocabulary
words that sound like a word the index does not know. ``for_index`` keeps one per process.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import cache

CJK_WORD = re.compile(r"^[\u3400-\u9fff]{2,8}$")
MIN_CHARS, MAX_CHARS = 2, 8
MAX_CONVERSIONS = 6
COMBINE_WORDS = 3  # candidate words per piece of split initials
MAX_LATIN = 64  # longer latin input is not converted
REBUILD_EVERY = 60.0  # seconds: a changed index rebuilds the lexicon at most this often

# Pinyin an IME user confuses (south-western and southern accents, mostly).
FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"), ("f", "h"), ("r", "l"))
FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"), ("uang", "uan"), ("iang", "ian"))

# Characters officially or commonly written for one another (异体字, 通假 slips).
VARIANTS: dict[str, str] = {
    "帐": "账",
    "账": "帐",
    "即": "既",
    "既": "即",
    "做": "作",
    "作": "做",
    "象": "像",
    "像": "象",
    "己": "已",
    "已": "己",
    "侯": "候",
    "候": "侯",
    "籍": "藉",
    "藉": "籍",
    "予": "于",
    "于": "予",
    "付": "副",
    "副": "付",
    "订": "定",
    "定": "订",
    "哪": "那",
    "那": "哪",
    "座": "坐",
    "坐": "座",
    "部": "布",
    "布": "部",
}


@cache
def _plain(reading: str) -> str:
    """A toneless reading with ü as ``v`` (as pinyin IMEs take it)."""
    decomposed = unicodedata.normalize("NFD", reading)
    out: list[str] = []
    for ch in decomposed:
        if ch == "\u0308":  # combining diaeresis: u + ¨ = ü
            out[-1] = "v"
        elif not unicodedata.combining(ch):
            out.append(ch)
    return "".join(out).lower()


@cache
def _readings() -> tuple[dict[str, str], dict[str, str], dict[str, list[list[str]]], int]:
    """pypinyin's data, toneless: characters with one reading (the fast path), every
    character's default reading, and phrases (the longest is ``max_phrase`` characters)."""
    from pypinyin.phrases_dict import phrases_dict
    from pypinyin.pinyin_dict import pinyin_dict

    single: dict[str, str] = {}
    default: dict[str, str] = {}
    for code, readings in pinyin_dict.items():
        plain = [_plain(r) for r in readings.split(",")]
        default[chr(code)] = plain[0]
        if len(set(plain)) == 1:
            single[chr(code)] = plain[0]
    return single, default, phrases_dict, max(map(len, phrases_dict), default=1)


def syllables(word: str) -> list[str]:
    """Toneless pinyin of ``word``, one syllable per character, as pypinyin's phrase-aware
    ``lazy_pinyin`` gives it (重庆 chong qing, 银行 yin hang): characters with one reading
    are looked up directly; around the others the longest pypinyin phrase starting at each
    position wins (pypinyin's own forward maximum matching, without its per-call cost)."""
    single, default, phrases, longest = _readings()
    try:
        return [single[ch] for ch in word]
    except KeyError:
        pass
    result: list[str] = []
    i, size = 0, len(word)
    while i < size:
        for end in range(min(size, i + longest), i + 1, -1):
            found = phrases.get(word[i:end])
            if found is not None and len(found) == end - i:
                result.extend(_plain(readings[0]) for readings in found)
                i = end
                break
        else:
            reading = default.get(word[i])
            if reading is None:
                return []
            result.append(reading)
            i += 1
    return result


@cache
def _syllable_set() -> frozenset[str]:
    """Every toneless pinyin syllable."""
    from pypinyin.pinyin_dict import pinyin_dict

    found = {_plain(r) for readings in pinyin_dict.values() for r in readings.split(",")}
    return frozenset(s for s in found if s.isascii() and s.isalpha())


def initials(parts: list[str]) -> str:
    return "".join(p[0] for p in parts if p)


def _keys(full: str) -> list[str]:
    return [full, full.replace("v", "u")] if "v" in full else [full]


def _fuzzy_syllable(syllable: str) -> set[str]:
    """``syllable`` with one fuzzy initial or final swapped (zh/z, n/l, ang/an...)."""
    found: set[str] = set()
    for a, b in FUZZY_INITIALS:
        for x, y in ((a, b), (b, a)):
            if syllable.startswith(x) and not (x in {"z", "c", "s"} and syllable[1:2] == "h"):
                found.add(y + syllable[len(x) :])
    for a, b in FUZZY_FINALS:
        for x, y in ((a, b), (b, a)):
            if syllable.endswith(x) and not (x == "an" and syllable.endswith(("ian", "uan"))):
                found.add(syllable[: -len(x)] + y)
    found.discard(syllable)
    return found


def _is_latin(text: str) -> bool:
    return bool(text) and text.isascii() and text.isalpha()


class Lexicon:
    """CJK words of 2-8 characters with their document frequency, keyed by toneless full
    pinyin (``weifajianzhu``) and initials (``wfjz``), with sorted lists for prefixes."""

    def __init__(self, vocabulary: Mapping[str, int]):
        self.freq: dict[str, int] = {
            w: int(n) for w, n in vocabulary.items() if n > 0 and CJK_WORD.match(w)
        }
        self.by_full: dict[str, list[str]] = {}
        self.by_initials: dict[str, list[str]] = {}
        by_full, by_initials = self.by_full, self.by_initials
        for word in sorted(self.freq, key=self.freq.__getitem__, reverse=True):
            parts = syllables(word)
            if len(parts) != len(word):
                continue
            full = "".join(parts)
            by_full.setdefault(full, []).append(word)
            if "v" in full:
                by_full.setdefault(full.replace("v", "u"), []).append(word)
            by_initials.setdefault("".join([p[0] for p in parts]), []).append(word)
        self.words = sorted(self.freq)
        self.reversed = sorted(w[::-1] for w in self.freq)
        self.full_keys = sorted(self.by_full)
        self.initial_keys = sorted(self.by_initials)
        self.max_key = max(map(len, self.by_full), default=0)

    def __len__(self) -> int:
        return len(self.freq)

    def df(self, word: str) -> int:
        """How many documents hold ``word`` (0 when it is not in the vocabulary)."""
        return self.freq.get(word, 0)

    # -- pinyin ---------------------------------------------------------------------

    def from_pinyin(self, latin: str) -> list[tuple[str, ...]]:
        """Vocabulary words (or word sequences) ``latin`` may stand for, best first:
        words whose full pinyin it is, else its best segmentation into words (a lone
        syllable between them is left out: 民生 wei 实事), then words of 2+ characters whose
        initials it is, else the likeliest words its initials may be split into."""
        text = re.sub(r"[\s']+", "", latin.lower())
        if not _is_latin(text) or len(text) > MAX_LATIN or len(text) < 2:
            return []
        found: list[tuple[str, ...]] = [(w,) for w in self.by_full.get(text, ())]
        if not found:
            pieces = self._segment(text, self.by_full, self.max_key, skip=True)
            words = tuple(piece[0] for piece in pieces or () if piece)
            if words:
                found.append(words)
        if len(text) <= MAX_CHARS * 2:
            found.extend((w,) for w in self.by_initials.get(text, ())[:MAX_CONVERSIONS])
            if not found:  # initials of several words: xfjc = 消防 检查
                found.extend(self._combinations(self._segment(text, self.by_initials, MAX_CHARS)))
        return list(dict.fromkeys(found))[:MAX_CONVERSIONS]

    def _combinations(self, pieces: list[list[str]] | None) -> list[tuple[str, ...]]:
        """The likeliest word sequences for pieces of several candidate words each."""
        if not pieces:
            return []
        options = [piece[:COMBINE_WORDS] for piece in pieces]
        combos = [tuple(c) for c in itertools.product(*options)]
        combos.sort(key=lambda c: -sum(math.log(1 + self.freq[w]) for w in c))
        return combos[:MAX_CONVERSIONS]

    def _segment(
        self, text: str, table: dict[str, list[str]], longest: int, skip: bool = False
    ) -> list[list[str]] | None:
        """``text`` as a sequence of keys of ``table`` (full pinyin or initials), each the
        words it stands for (most frequent first; ``[]`` for a lone syllable left out when
        ``skip``): fewest pieces (a left-out syllable counts two), then the most frequent
        words (dynamic programming over end positions)."""
        size = len(text)
        syllables = _syllable_set() if skip else frozenset()
        # best[i] = (cost, -log frequency, skipped, keys) for text[:i]
        best: list[tuple[int, float, int, tuple[str, ...]] | None] = [None] * (size + 1)
        best[0] = (0, 0.0, 0, ())
        for end in range(1, size + 1):
            for start in range(max(0, end - longest), end):
                before = best[start]
                if before is None:
                    continue
                key = text[start:end]
                words = table.get(key)
                if words:
                    option = (
                        before[0] + 1,
                        before[1] - math.log(1 + self.freq[words[0]]),
                        before[2],
                        before[3] + (key,),
                    )
                elif key in syllables:
                    option = (before[0] + 2, before[1], before[2] + 1, before[3] + ("",))
                else:
                    continue
                current = best[end]
                if current is None or option[:2] < current[:2]:
                    best[end] = option
        found = best[size]
        if found is None or len(found[3]) - found[2] <= found[2]:
            return None  # nothing, or as many syllables left out as words found
        return [table[key] if key else [] for key in found[3]]

    def complete(self, prefix: str, limit: int = 10) -> list[str]:
        """Vocabulary words starting with a Chinese ``prefix``, or whose pinyin or initials
        start with a latin one; most frequent first."""
        prefix = re.sub(r"[\s']+", "", prefix.lower())
        if not prefix or limit <= 0:
            return []
        found: set[str] = set()
        if _is_latin(prefix):
            for keys, table in (
                (self.full_keys, self.by_full),
                (self.initial_keys, self.by_initials),
            ):
                for key in _prefixed(keys, prefix):
                    found.update(table[key])
        else:
            found.update(w for w in _prefixed(self.words, prefix) if w != prefix)
        return sorted(found, key=lambda w: (-self.freq[w], len(w), w))[:limit]

    # -- corrections ----------------------------------------------------------------

    def corrections(self, span: str) -> list[tuple[str, bool]]:
        """Vocabulary words ``span`` (a CJK string the index does not know) may be a slip
        for, best first, each with whether it is a confident one (the same toneless
        pinyin: what a pinyin IME offers instead). Others sound alike (fuzzy pinyin),
        differ in one character (words of 3+ characters) or in a variant character."""
        if not CJK_WORD.match(span) or self.df(span):
            return []
        parts = syllables(span)
        same: set[str] = set()
        near: set[str] = set()
        if len(parts) == len(span):
            for key in _keys("".join(parts)):
                same.update(w for w in self.by_full.get(key, ()) if len(w) == len(span))
            for i, syllable in enumerate(parts):
                for other in _fuzzy_syllable(syllable):
                    key = "".join([*parts[:i], other, *parts[i + 1 :]])
                    near.update(w for w in self.by_full.get(key, ()) if len(w) == len(span))
        for i, ch in enumerate(span):
            variant = VARIANTS.get(ch)
            if variant and self.df(span[:i] + variant + span[i + 1 :]):
                near.add(span[:i] + variant + span[i + 1 :])
        near.update(self._one_edit(span))
        same.discard(span)
        near -= same | {span}
        ranked = sorted(same, key=lambda w: -self.freq[w])
        result = [(w, True) for w in ranked]
        result += [(w, False) for w in sorted(near, key=lambda w: -self.freq[w])]
        return result

    def _one_edit(self, span: str) -> set[str]:
        """Words of 3+ characters one substitution, insertion or deletion from ``span``
        (found among the words sharing its first or last two characters, or its first or
        last character when the slip is in the middle of a three-character word)."""
        size = len(span)
        found: set[str] = set()
        for i in range(1, size - 1):  # inside: at an edge it is the next word's
            shorter = span[:i] + span[i + 1 :]
            if len(shorter) >= 3 and self.df(shorter):  # a character too many
                found.add(shorter)
        heads = {span[:2], span[:1]} if size <= 3 else {span[:2]}
        tails = {span[-2:], span[-1:]} if size <= 3 else {span[-2:]}
        candidates = {w for head in heads for w in _prefixed(self.words, head)}
        candidates.update(w[::-1] for tail in tails for w in _prefixed(self.reversed, tail[::-1]))
        for word in candidates:
            if len(word) == size and sum(a != b for a, b in zip(word, span, strict=True)) == 1:
                found.add(word)  # one character substituted
            elif len(word) == size + 1 and any(
                word[:i] + word[i + 1 :] == span for i in range(len(word))
            ):
                found.add(word)  # one character missing
        return {w for w in found if len(w) >= 3 and w != span}


def _prefixed(keys: list[str], prefix: str) -> Iterable[str]:
    start = bisect.bisect_left(keys, prefix)
    for key in keys[start:]:
        if not key.startswith(prefix):
            break
        yield key


# -- one lexicon per process -------------------------------------------------------------


class _Cached:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: str | None = None
        self.lexicon: Lexicon | None = None
        self.built = float("-inf")  # monotonic time of the last build
        self.building = False


_cached = _Cached()


def for_index(key: str, load: Callable[[], Mapping[str, int]]) -> Lexicon:
    """The lexicon of the index version ``key`` (``load`` reads its vocabulary).

    Kept while ``key`` is unchanged; a new key rebuilds it at most every ``REBUILD_EVERY``
    seconds, in the calling thread, while other threads keep using the older one.
    """
    state = _cached
    with state.lock:
        current = state.lexicon
        if current is not None and (
            state.key == key or state.building or time.monotonic() - state.built < REBUILD_EVERY
        ):
            return current
        if current is not None:
            state.building = True
    if current is None:  # nothing to serve meanwhile: build under the lock
        with state.lock:
            if state.lexicon is None:
                state.lexicon, state.key = Lexicon(load()), key
                state.built = time.monotonic()
            return state.lexicon
    try:
        fresh = Lexicon(load())
        with state.lock:
            state.lexicon, state.key, state.built = fresh, key, time.monotonic()
        return fresh
    finally:
        with state.lock:
            state.building = False


def reset() -> None:
    """Forget the cached lexicon (tests, or after a rebuild in this process)."""
    with _cached.lock:
        _cached.key, _cached.lexicon, _cached.built = None, None, float("-inf")
