"""A small results table for ``summary()``: plain text in a terminal, HTML in a notebook."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field


@dataclass
class Summary:
    """Rows of ``(name, estimate, lower, upper)`` under a title, with notes below.

    ``str()`` gives a fixed-width table; Jupyter shows ``_repr_html_``.
    """

    title: str
    rows: list[tuple[str, float, float | None, float | None]]
    interval_label: str = ""
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        header = ("", "estimate", *((self.interval_label, "") if self.interval_label else ()))
        lines = [_format_row(header)]
        for name, estimate, lower, upper in self.rows:
            cells = [name, _number(estimate)]
            if self.interval_label:
                cells += [_number(lower), _number(upper)]
            lines.append(_format_row(cells))
        width = max(len(line) for line in lines)
        rule = "=" * width
        body = [self.title.center(width), rule, lines[0], "-" * width, *lines[1:], rule]
        return "\n".join(body + self.notes)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "<th></th><th>estimate</th>"
        if self.interval_label:
            head += f"<th colspan='2'>{html.escape(self.interval_label)}</th>"
        rows = []
        for name, estimate, lower, upper in self.rows:
            cells = f"<td>{html.escape(name)}</td><td>{_number(estimate)}</td>"
            if self.interval_label:
                cells += f"<td>{_number(lower)}</td><td>{_number(upper)}</td>"
            rows.append(f"<tr>{cells}</tr>")
        notes = "".join(f"<br><small>{html.escape(n)}</small>" for n in self.notes)
        return (
            f"<table><caption>{html.escape(self.title)}</caption><tr>{head}</tr>"
            f"{''.join(rows)}</table>{notes}"
        )


def _number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, int):
        return str(value)
    return f"{value:.4g}"


def _format_row(cells) -> str:
    first, *rest = cells
    return f"{first:<24}" + "".join(f"{c:>14}" for c in rest)
