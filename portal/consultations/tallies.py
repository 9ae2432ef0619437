"""Counting the answers to structured questions, and the geometry of their bar charts.

Percentages are of the people who answered the question (for multiple choice they add up
to more than 100), rounded half up to whole numbers. Charts are plain SVG drawn by a
template from the numbers here; the same numbers are always in a table beside them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from portal.consultations.models import Question

# Drawn for a phone's width (it scales down on a 360-px screen and up to at most 24rem).
CHART_WIDTH = 360
BAR_MAX = 260  # px of the longest bar; the rest of the row holds its number
ROW_HEIGHT = 48
LABEL_CHARS = 22  # longer option labels are shortened in the chart (never in the table)


def percent(part: int, whole: int) -> int:
    """``part`` of ``whole`` in whole percent, rounded half up (0 when nobody answered)."""
    return (200 * part + whole) // (2 * whole) if whole else 0


@dataclass(frozen=True)
class Bar:
    label: str
    short_label: str
    count: int
    percent: int
    top: int  # y of the row in the chart
    width: int  # px


@dataclass(frozen=True)
class QuestionTally:
    """How often each option of one question was chosen (or how many typed an answer)."""

    question: Question
    respondents: int
    counts: tuple[int, ...]  # one per option; empty for a text question

    @property
    def bars(self) -> list[Bar]:
        most = max(self.counts, default=0)
        bars = []
        for index, (label, count) in enumerate(
            zip(self.question.options, self.counts, strict=True)
        ):
            short = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
            width = round(BAR_MAX * count / most) if most else 0
            bars.append(
                Bar(
                    label, short, count, percent(count, self.respondents), index * ROW_HEIGHT, width
                )
            )
        return bars

    @property
    def chart_width(self) -> int:
        return CHART_WIDTH

    @property
    def chart_height(self) -> int:
        return max(1, len(self.counts)) * ROW_HEIGHT

    @property
    def description(self) -> str:
        """The whole chart in words, for its ``aria-label``."""
        parts = "；".join(f"{b.label} {b.count} 人（{b.percent}%）" for b in self.bars)
        head = f"第 {self.question.number} 题 {self.question.text}，{self.respondents} 人作答"
        return f"{head}：{parts}" if parts else head


def _chosen(question: Question, value: Any) -> set[int]:
    """The valid option indexes in one stored answer (anything else is ignored)."""
    values = value if isinstance(value, list) else [value]
    if question.kind == "single":
        values = values[:1]
    return {v for v in values if isinstance(v, int) and 0 <= v < len(question.options)}


def tally(questions: Iterable[Question], answers: Iterable[dict[str, Any]]) -> list[QuestionTally]:
    """Count ``answers`` (each an opinion's answers) against ``questions``, in question order."""
    answers = list(answers)
    result = []
    for question in questions:
        key = str(question.id)
        respondents = 0
        counts = [0] * len(question.options) if question.is_choice else []
        for answer in answers:
            value = answer.get(key)
            if question.is_choice:
                chosen = _chosen(question, value)
                respondents += bool(chosen)
                for index in chosen:
                    counts[index] += 1
            elif isinstance(value, str) and value.strip():
                respondents += 1
        result.append(QuestionTally(question, respondents, tuple(counts)))
    return result
