"""What residents' texts look like when they are made public, and the check before it.

Staff publish a message or a consultation opinion in two steps: a preview shows each text
with personal data masked and every masked span marked (``prepare``); the handler may edit
the public version, and publishing stores exactly what was confirmed, after ``check_texts``
finds no personal data left in it. The original stays, for staff only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

from portal.errors import ValidationError
from portal.interaction import privacy

MAX_PUBLIC_TEXT = 5000


@dataclass(frozen=True)
class Segment:
    """A run of the public text; ``kind`` says what personal data a masked run replaced."""

    text: str
    kind: str | None = None


@dataclass(frozen=True)
class PublicText:
    """One text as it would be published: the masked text and its runs, for the preview."""

    label: str
    original: str
    segments: tuple[Segment, ...]
    findings: tuple[privacy.Finding, ...]

    @property
    def masked(self) -> str:
        return "".join(segment.text for segment in self.segments)

    @property
    def marked(self) -> Markup:
        """The masked text as HTML, every masked run in a ``<mark>`` naming what it hid."""
        parts = []
        for segment in self.segments:
            if segment.kind is None:
                parts.append(escape(segment.text))
            else:
                label = privacy.KIND_LABELS.get(segment.kind, "个人信息")
                parts.append(
                    Markup(
                        '<mark title="已遮盖：{0}"><span class="visually-hidden">'
                        "（已遮盖{0}）</span>{1}</mark>"
                    ).format(label, segment.text)
                )
        return Markup("").join(parts)

    @property
    def notice(self) -> str:
        return privacy.describe(list(self.findings))


def prepare(
    text: str, *, label: str, name: str | None = None, contacts: Iterable[str] = ()
) -> PublicText:
    """``text`` with every piece of personal data, and the resident's own name and
    contacts, masked; the masked runs marked."""
    text = text or ""
    _, findings = privacy.mask_own_details(text, name=name, contacts=list(contacts))
    segments: list[Segment] = []
    position = 0
    for finding in findings:
        if finding.start > position:
            segments.append(Segment(text[position : finding.start]))
        segments.append(Segment(finding.masked, finding.kind))
        position = finding.end
    if position < len(text):
        segments.append(Segment(text[position:]))
    return PublicText(label, text, tuple(segments), tuple(findings))


def check_texts(
    texts: dict[str, str],
    fields: dict[str, str],
    *,
    name: str | None = None,
    contacts: Iterable[str] = (),
) -> dict[str, str]:
    """The confirmed public texts, stripped; raises ``ValidationError`` naming each field
    that is empty, too long or still holds personal data (nothing is stored then)."""
    contacts = list(contacts)
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field, label in fields.items():
        value = (texts.get(field) or "").strip()
        if not value:
            errors[field] = f"公开的{label}：必填"
        elif len(value) > MAX_PUBLIC_TEXT:
            errors[field] = f"公开的{label}：不能超过 {MAX_PUBLIC_TEXT} 个字"
        else:
            _, findings = privacy.mask_own_details(value, name=name, contacts=contacts)
            if findings:
                errors[field] = (
                    f"公开的{label}：仍含有个人信息（"
                    f"{privacy.describe(findings).removeprefix('已遮盖 ')}），请删除或遮盖后再公开"
                )
        cleaned[field] = value
    if errors:
        raise ValidationError(errors)
    return cleaned
