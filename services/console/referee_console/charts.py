"""Charts as inline SVG drawn on the server: no script, readable on a phone, printable."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


def bar_chart(bars: list[Bar], *, width: int = 420, bar_height: int = 22, label_width: int = 96) -> str:
    """Horizontal bars, one per stage, each with its count; scales to the container's width."""
    gap = 6
    height = max(1, len(bars)) * (bar_height + gap) + gap
    top = max((b.value for b in bars), default=0) or 1
    room = width - label_width - 60
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, bar in enumerate(bars):
        y = gap + i * (bar_height + gap)
        length = round(room * bar.value / top)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar_height * 0.72:.1f}" text-anchor="end">{escape(bar.label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{max(length, 1)}" height="{bar_height}" rx="3"/>'
            f'<text x="{label_width + length + 6}" y="{y + bar_height * 0.72:.1f}">{bar.value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
