"""Cleaning text that people or machines typed: what no stored text, page or feed may hold."""

from __future__ import annotations

import re

# Control characters no text field may hold (PostgreSQL refuses NUL; XML feeds refuse all).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Format characters (Unicode category Cf, as of Unicode 15): zero-width spaces and joiners,
# direction marks, embeddings, overrides and isolates (U+202E shows text backwards), soft
# hyphens, word joiners, byte-order marks. Invisible, so they can disguise what a text says
# or split a phone number past the masking of personal data. tests/test_forms_security.py
# checks this list against the running Python's Unicode tables.
FORMAT_CHARS = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]"
)
# Letters and symbols that draw nothing (Hangul fillers, the blank Braille pattern, the
# combining grapheme joiner): text made only of these and spaces is empty to a reader.
BLANK_CHARS = frozenset("\u034f\u115f\u1160\u2800\u3164\uffa0")


def clean_text(value: str) -> str:
    """Resident text without control and format characters, spaces stripped, and empty
    when nothing visible is left (a subject of four zero-width spaces is no subject)."""
    text = FORMAT_CHARS.sub("", CONTROL_CHARS.sub("", value)).strip()
    if all(c in BLANK_CHARS or c.isspace() for c in text):
        return ""
    return text


# What XML 1.0 (and so every feed) cannot carry.
XML_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def xml_safe(text: str | None) -> str:
    """Text without the control characters XML 1.0 (and feedgen) cannot carry."""
    return XML_CONTROL.sub("", text or "")
