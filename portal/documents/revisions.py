"""Comparing two revisions of a document: changed metadata and a line diff of the body.

Everything here is plain text; the template escapes it and marks lines with ``<del>`` and
``<ins>`` (``difflib.HtmlDiff`` is avoided because it does not escape reliably).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from portal.documents.content_types import COMMON_FIELDS, REGISTRY, STATUSES
from portal.timeutil import to_local

#: What each revision action is called.
ACTIONS = {
    "created": "新建",
    "updated": "修改",
    "submitted": "提交审核",
    "published": "发布",
    "withdrawn": "撤回",
}
CONTEXT_LINES = 3
MAX_LINES = 2_000  # a longer body is not compared line by line (see body_diff)
MAX_CHARS = 100_000
MAX_ROWS = 500  # rows of a body diff shown at most


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class DiffLine:
    """One line of the body diff: ``op`` is equal, del, ins or gap (skipped lines)."""

    op: str
    old_no: int | None
    new_no: int | None
    text: str


@dataclass(frozen=True)
class BodyDiff:
    """How the body changed: the ``lines`` to show (at most ``MAX_ROWS``; ``omitted`` more
    were left out), or, when it was too large to compare (``compared`` false), only sizes."""

    lines: list[DiffLine]
    old_chars: int
    new_chars: int
    compared: bool = True
    omitted: int = 0


def _text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _published_at(value: str | None) -> str:
    if not value:
        return ""
    try:
        return to_local(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return value


def _attachments(items: list[dict[str, Any]] | None) -> str:
    return "\n".join(f"{a.get('title')}（{a.get('filename')}）" for a in items or [])


def _metadata(kind: str, snapshot: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, shown value) of every compared field except the body, in form order."""
    extra = snapshot.get("extra") or {}
    rows = [("标识", _text(snapshot.get("slug")))]
    rows += [(f.label, _text(snapshot.get(f.name))) for f in COMMON_FIELDS if f.name != "body"]
    content_type = REGISTRY.get(kind)
    known = set()
    for fld in content_type.fields if content_type else ():
        rows.append((fld.label, _text(extra.get(fld.name))))
        known.add(fld.name)
    rows += [(name, _text(value)) for name, value in extra.items() if name not in known]
    status = snapshot.get("status") or ""
    rows += [
        ("状态", STATUSES.get(status, _text(status))),
        ("发布时间", _published_at(snapshot.get("published_at"))),
        ("附件", _attachments(snapshot.get("attachments"))),
        ("示例内容", _text(snapshot.get("illustrative"))),
    ]
    return rows


def changed_fields(kind: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """The metadata fields whose shown value differs between two snapshots."""
    before, after = _metadata(kind, old), dict(_metadata(kind, new))
    changes = [Change(label, value, after.pop(label, "")) for label, value in before]
    changes += [Change(label, "", value) for label, value in after.items()]
    return [c for c in changes if c.before != c.after]


def body_diff(old: str | None, new: str | None, context: int = CONTEXT_LINES) -> BodyDiff:
    """The changed lines of the body with a few lines of context around each change.

    Line matching can take quadratic time, so bodies past ``MAX_LINES`` lines or
    ``MAX_CHARS`` characters are only compared as a whole (their sizes are shown), and at
    most ``MAX_ROWS`` rows are returned.
    """
    old, new = old or "", new or ""
    old_chars, new_chars = len(old), len(new)
    if old == new:
        return BodyDiff([], old_chars, new_chars)
    a, b = old.splitlines(), new.splitlines()
    if max(len(a), len(b)) > MAX_LINES or max(len(old), len(new)) > MAX_CHARS:
        return BodyDiff([], old_chars, new_chars, compared=False)
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(None, a, b)
    for number, group in enumerate(matcher.get_grouped_opcodes(context)):
        if number or (group and (group[0][1] or group[0][3])):
            lines.append(DiffLine("gap", None, None, "…"))
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                lines += [DiffLine("equal", i + 1, j1 + i - i1 + 1, a[i]) for i in range(i1, i2)]
                continue
            lines += [DiffLine("del", i + 1, None, a[i]) for i in range(i1, i2)]
            lines += [DiffLine("ins", None, j + 1, b[j]) for j in range(j1, j2)]
    if not any(line.op in {"del", "ins"} for line in lines):
        return BodyDiff([], old_chars, new_chars)  # only line endings differ
    omitted = max(0, len(lines) - MAX_ROWS)
    return BodyDiff(lines[:MAX_ROWS], old_chars, new_chars, omitted=omitted)
