"""Rates (0..1) as horizontal percentage bars in inline SVG drawn on the server: no script, no CDN."""

from __future__ import annotations

from decimal import Decimal
from html import escape


def rate_bars(
    bars: list[tuple[str, Decimal | None]], *, width: int = 420, bar_height: int = 20, label_width: int = 150
) -> str:
    """One bar per label on a 0–100% scale; a rate without data is drawn as '—' with no bar."""
    gap = 6
    height = max(1, len(bars)) * (bar_height + gap) + gap
    room = width - label_width - 64
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, rate) in enumerate(bars):
        y = gap + i * (bar_height + gap)
        baseline = f"{y + bar_height * 0.72:.1f}"
        parts.append(f'<text x="{label_width - 8}" y="{baseline}" text-anchor="end">{escape(label[:24])}</text>')
        if rate is None:
            parts.append(f'<text x="{label_width + 4}" y="{baseline}">—</text>')
            continue
        share = min(max(rate, Decimal(0)), Decimal(1))
        length = round(room * float(share))
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{max(length, 1)}" height="{bar_height}" rx="3"/>'
            f'<text x="{label_width + length + 6}" y="{baseline}">{share * 100:.1f}%</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
