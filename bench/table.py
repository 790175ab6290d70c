"""The figures collected during a run and the one table they are printed as."""

from __future__ import annotations

import dataclasses
import math


@dataclasses.dataclass
class Row:
    name: str
    value: str
    unit: str
    target: str
    verdict: str  # "ok", "MISSED" or "" when there is no target


class Table:
    """Rows grouped under section titles, then numbered notes saying what was measured."""

    def __init__(self) -> None:
        self.sections: list[tuple[str, list[Row]]] = []
        self.notes: list[tuple[str, str]] = []

    def section(self, title: str) -> None:
        self.sections.append((title, []))

    def add(self, name: str, value: float | int | str, unit: str = "", *,
            above: float | None = None, below: float | None = None, target: str = "",
            digits: int = 1, ok: bool | None = None) -> None:
        """One figure; ``above``/``below`` give a target to compare with (nothing is asserted)."""
        if isinstance(value, float):
            shown = f"{value:,.{digits}f}"
        elif isinstance(value, int):
            shown = f"{value:,}"
        else:
            shown = value
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        if above is not None:
            target = target or f"> {above:,g}"
            verdict = "ok" if isinstance(value, (int, float)) and value > above else "MISSED"
        elif below is not None:
            target = target or f"< {below:,g}"
            verdict = "ok" if isinstance(value, (int, float)) and value < below else "MISSED"
        self.sections[-1][1].append(Row(name, shown, unit, target, verdict))

    def note(self, label: str, text: str) -> None:
        """What a section measured; ``label`` matches the section's number (``"3A"``)."""
        self.notes.append((label, text))

    def render(self) -> str:
        rows = [row for _, section in self.sections for row in section]
        name_w = max([len("figure")] + [len(r.name) for r in rows]) + 2
        value_w = max([len("value")] + [len(r.value) for r in rows])
        unit_w = max([len("unit")] + [len(r.unit) for r in rows])
        target_w = max([len("target")] + [len(r.target) for r in rows])
        header = (f"{'figure':<{name_w}}  {'value':>{value_w}}  {'unit':<{unit_w}}  "
                  f"{'target':<{target_w}}  meets?")
        lines = [header, "-" * len(header)]
        for title, section in self.sections:
            lines.append(title)
            for r in section:
                lines.append(f"  {r.name:<{name_w - 2}}  {r.value:>{value_w}}  "
                             f"{r.unit:<{unit_w}}  {r.target:<{target_w}}  {r.verdict}".rstrip())
        if self.notes:
            lines += ["", "What was measured:"]
            width = max(len(label) for label, _ in self.notes) + 3
            for label, text in self.notes:
                lines.append(_wrap(f"[{label}]".ljust(width), text))
        return "\n".join(lines)


def _wrap(prefix: str, text: str, width: int = 100) -> str:
    words, lines, line = text.split(), [], prefix
    for word in words:
        if len(line) + len(word) + 1 > width and line.strip():
            lines.append(line.rstrip())
            line = " " * len(prefix)
        line += word + " "
    lines.append(line.rstrip())
    return "\n".join(lines)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` 0.95 → p95) of a non-empty list."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]
