"""How a resident asked to see the site (长者模式, high contrast, 纯文本), kept in a cookie.

The switches are plain links (``site.views``) that set the ``display`` cookie and return to
the page, so they work without JavaScript; every page is rendered for the reader's
settings, and the page cache and nginx's micro-cache key pages by the cookie's value
(``key``) so nobody is served a page rendered for someone else's settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.http import parse_cookie

COOKIE = "display"
#: A year: the setting persists across visits (适老化: once chosen, not asked again).
MAX_AGE = 365 * 24 * 3600

ELDER = "elder"  # 长者模式: larger text, larger targets, one column
LARGER = "larger"  # the further step of 长者模式: twice the normal size
CONTRAST = "contrast"  # dark text on a plain light background
DARK = "dark"  # light text on a plain dark background
TEXT = "text"  # 纯文本: no images, colours or layout

#: Settings that exclude one another (one colour scheme at a time).
_SCHEMES = (CONTRAST, DARK)
TOKENS = (ELDER, LARGER, CONTRAST, DARK, TEXT)


@dataclass(frozen=True)
class Display:
    """The reader's settings; the empty one is the site as designed."""

    tokens: frozenset[str] = frozenset()

    @property
    def elder(self) -> bool:
        return ELDER in self.tokens

    @property
    def larger(self) -> bool:
        return LARGER in self.tokens

    @property
    def scheme(self) -> str | None:
        return next((s for s in _SCHEMES if s in self.tokens), None)

    @property
    def text_only(self) -> bool:
        return TEXT in self.tokens

    @property
    def value(self) -> str:
        """The cookie's value: the tokens in a fixed order (one key per set of settings)."""
        return ".".join(t for t in TOKENS if t in self.tokens)

    @property
    def classes(self) -> str:
        """The classes of ``<html>`` that site.css styles."""
        return " ".join(f"view-{t}" for t in TOKENS if t in self.tokens and t != TEXT)

    def toggled(self, token: str) -> Display:
        """The settings with ``token`` switched; a scheme replaces the other scheme, and
        leaving 长者模式 leaves its larger step too (one tap back to the normal site)."""
        tokens = set(self.tokens)
        if token in tokens:
            tokens.discard(token)
            if token == ELDER:
                tokens.discard(LARGER)
        else:
            if token in _SCHEMES:
                tokens.difference_update(_SCHEMES)
            if token == LARGER:
                tokens.add(ELDER)
            tokens.add(token)
        return Display(frozenset(tokens))


def parse(value: str | None) -> Display:
    """The settings a cookie value names; anything else in it is ignored."""
    tokens = {t for t in (value or "").split(".")[: len(TOKENS)] if t in TOKENS}
    if ELDER not in tokens:  # the larger step is a step of 长者模式
        tokens.discard(LARGER)
    return Display(frozenset(tokens))


def from_environ(environ: dict) -> Display:
    """The settings of a WSGI request, read from its ``Cookie`` header (for the page cache,
    which answers before Flask parses anything)."""
    header = environ.get("HTTP_COOKIE")
    if not header or COOKIE not in header:
        return Display()
    return parse(parse_cookie(environ).get(COOKIE))


def key(environ: dict) -> str:
    """What a page rendered for this request depends on from the reader's settings."""
    return from_environ(environ).value
