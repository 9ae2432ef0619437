"""您是不是要找: corrections of a resident's slips, as pure functions over a ``Lexicon``.

The commonest slip with a pinyin IME is a homophone (违法见筑 for 违法建筑, 行政复义 for
行政复议): the same toneless pinyin as a word of the index. Near pinyin (z/zh, n/l,
an/ang...), one-character slips in words of 3+ characters and variant characters are
offered too, but only as suggestions. Document numbers (东晓办〔2024〕12号), index numbers and
words the index knows are never corrected; single characters are not terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.search import analysis
from portal.search.lexicon import MAX_CHARS, MIN_CHARS, Lexicon

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
# 文号 and 索引号: an issuer, a year in brackets, a number, 号 (东晓办〔2024〕12号), or a run
# of letters and digits with hyphens or slashes (11440303MB2C91234X/2024-00012).
_NUMBERED = re.compile(
    r"[\u3400-\u9fff]{0,12}[〔\[【(（]\s*[0-9]{2,4}\s*[〕\]】)）]\s*第?[0-9]*号?"
    r"|第?[0-9]+号"
    r"|[0-9a-z][0-9a-z\-/_.]*[0-9][0-9a-z\-/_.]*"
)
MAX_SPANS = 100  # spans looked up per query (a long query is checked from its start)


@dataclass(frozen=True)
class Correction:
    query: str  # the corrected query
    confident: bool  # every change has the same toneless pinyin as what was typed
    changes: tuple[tuple[str, str], ...]  # (typed, corrected) pairs


def protected(text: str) -> list[tuple[int, int]]:
    """Character ranges of ``text`` never corrected: document and index numbers."""
    return [m.span() for m in _NUMBERED.finditer(text) if m.end() > m.start()]


def _known_cover(run: str, lexicon: Lexicon) -> list[tuple[int, int]]:
    """Where words the index knows (with results) occur in a CJK run."""
    found = []
    for start in range(len(run)):
        for end in range(start + MIN_CHARS, min(len(run), start + MAX_CHARS) + 1):
            if lexicon.df(run[start:end]):
                found.append((start, end))
    return found


def _candidates(text: str, lexicon: Lexicon) -> list[tuple[tuple[bool, int, int], int, int, str]]:
    """Every (score, start, end, replacement) for spans of ``text`` the index does not know."""
    guarded = protected(text)
    found: list[tuple[tuple[bool, int, int], int, int, str]] = []
    looked = 0
    for match in _CJK_RUN.finditer(text):
        run, offset = match.group(0), match.start()
        known = _known_cover(run, lexicon)
        for start in range(len(run) - MIN_CHARS + 1):
            for size in range(min(MAX_CHARS, len(run) - start), MIN_CHARS - 1, -1):
                end = start + size
                begin, finish = offset + start, offset + end
                if any(a < finish and begin < b for a, b in guarded):
                    continue
                if any(a <= start and end <= b for a, b in known):
                    continue  # a known word, or inside one: never corrected
                if any(a < start < b or a < end < b for a, b in known):
                    continue  # cuts a known word in two (政复 of 行政复义)
                looked += 1
                if looked > MAX_SPANS:
                    return found
                span = run[start:end]
                for word, confident in lexicon.corrections(span):
                    score = (confident, size, lexicon.df(word))
                    found.append((score, begin, finish, word))
    return found


def correct(q: str, lexicon: Lexicon) -> Correction | None:
    """The corrected query for ``q``, or None when nothing looks like a slip.

    The best-scored span wins (same pinyin, then longest, then the most documents), then
    the best of the spans not overlapping it, and so on."""
    text = analysis.normalize(q)[: analysis.MAX_QUERY_CHARS].strip()
    if not text:
        return None
    candidates = sorted(_candidates(text, lexicon), key=lambda c: c[0], reverse=True)
    chosen: list[tuple[int, int, str, bool]] = []
    for (confident, _, _), start, end, word in candidates:
        if all(end <= a or b <= start for a, b, _, _ in chosen):
            chosen.append((start, end, word, confident))
    if not chosen:
        return None
    chosen.sort()
    out: list[str] = []
    last = 0
    for start, end, word, _ in chosen:
        out.append(text[last:start])
        out.append(word)
        last = end
    out.append(text[last:])
    return Correction(
        query="".join(out),
        confident=all(c[3] for c in chosen),
        changes=tuple((text[s:e], w) for s, e, w, _ in chosen),
    )
