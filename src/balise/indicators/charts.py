"""Indicator charts as SVG text, written by hand on the server.

One function draws every chart, and its text goes unchanged into the page and into the
PDF report, so the committee reads the same picture on screen and on paper. Plain SVG
with presentation attributes only: the pages' Content-Security-Policy forbids inline
styles, and WeasyPrint draws this subset faithfully. No script, no CDN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from balise.core.i18n import gettext as _

WIDTH, HEIGHT = 560, 210
LEFT, RIGHT, TOP, BOTTOM = 52, 14, 20, 30
INK, MUTED, BASE_FILL = "#1f2933", "#7b8794", "#eef2f7"
SIGNAL, TARGET, LIMIT = "#c2410c", "#15803d", "#9aa5b1"


@dataclass(frozen=True)
class ChartData:
    """What a chart shows, in the indicator's display unit."""

    labels: Sequence[str]  # one per point: the period's first day
    values: Sequence[float]
    baseline: int = 0  # leading points that form the baseline (shaded)
    centre: float | None = None  # frozen on the baseline
    lower: Sequence[float] | None = None
    upper: Sequence[float] | None = None
    signals: Sequence[bool] = ()
    target: float | None = None


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}".rstrip("0").rstrip(".")


def _scale(data: ChartData) -> tuple[float, float]:
    seen = list(data.values)
    seen += [data.centre] if data.centre is not None else []
    seen += [data.target] if data.target is not None else []
    seen += list(data.lower or ()) + list(data.upper or ())
    low, high = min(seen), max(seen)
    if high == low:
        high, low = high + 1, low - 1
    pad = (high - low) * 0.08
    return max(low - pad, 0.0) if low >= 0 else low - pad, high + pad


def _polyline(points: list[tuple[float, float]], colour: str, width: float,
              dash: str = "") -> str:
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<polyline points="{coords}" fill="none" stroke="{colour}" '
            f'stroke-width="{width}"{dashed}/>')


def svg(data: ChartData, title: str, unit: str) -> str:
    """The chart, or a sentence saying there is nothing to draw yet."""
    label = escape(title)
    # Translated outside the f-strings: message extraction cannot see into them.
    empty, baseline, target = _("No complete period yet."), _("baseline"), _("target")
    if not data.values:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} 40" role="img" '
                f'class="chart"><title>{label}</title><text x="8" y="24" fill="{MUTED}" '
                f'font-size="13">{escape(empty)}</text></svg>')
    low, high = _scale(data)
    n = len(data.values)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (inner_w * i / (n - 1) if n > 1 else inner_w / 2)

    def y(v: float) -> float:
        return TOP + inner_h * (high - v) / (high - low)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-label="{label}" class="chart" font-family="sans-serif">',
             f"<title>{label}</title>"]
    if data.baseline:
        end = x(data.baseline - 1) + (inner_w / (2 * (n - 1)) if n > 1 else 0)
        parts.append(f'<rect x="{LEFT}" y="{TOP}" width="{max(end - LEFT, 2):.1f}" '
                     f'height="{inner_h}" fill="{BASE_FILL}"/>')
        parts.append(f'<text x="{LEFT + 4}" y="{TOP + 12}" fill="{MUTED}" font-size="10">'
                     f'{escape(baseline)}</text>')
    for tick in (low, (low + high) / 2, high):
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" '
                     f'y2="{y(tick):.1f}" stroke="#e4e7eb" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                     f'font-size="10" fill="{MUTED}">{_fmt(tick)}</text>')
    parts.append(f'<text x="{LEFT}" y="{TOP - 7}" font-size="10" fill="{MUTED}">'
                 f'{escape(unit)}</text>')
    if data.lower is not None and data.upper is not None:
        parts.append(_polyline([(x(i), y(v)) for i, v in enumerate(data.lower)], LIMIT, 1, "2 3"))
        parts.append(_polyline([(x(i), y(v)) for i, v in enumerate(data.upper)], LIMIT, 1, "2 3"))
    if data.centre is not None:
        parts.append(_polyline([(x(0), y(data.centre)), (x(n - 1), y(data.centre))], MUTED, 1,
                               "6 4"))
    if data.target is not None:
        ty = y(data.target)
        parts.append(_polyline([(LEFT, ty), (WIDTH - RIGHT, ty)], TARGET, 1.5, "8 4"))
        parts.append(f'<text x="{WIDTH - RIGHT}" y="{ty - 4:.1f}" text-anchor="end" '
                     f'font-size="10" fill="{TARGET}">{escape(target)} {_fmt(data.target)}'
                     "</text>")
    parts.append(_polyline([(x(i), y(v)) for i, v in enumerate(data.values)], INK, 2))
    for i, v in enumerate(data.values):
        signal = i < len(data.signals) and data.signals[i]
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="{4 if signal else 2.6}" '
                     f'fill="{SIGNAL if signal else INK}"><title>{escape(data.labels[i])}: '
                     f"{_fmt(v)}</title></circle>")
    for i in sorted({0, n // 2, n - 1}):
        # The first and last labels lean inwards so that the edges do not cut them.
        anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 10}" text-anchor="{anchor}" '
                     f'font-size="10" fill="{MUTED}">{escape(data.labels[i])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def sparkline(values: Sequence[float], label: str) -> str:
    """A small line of the last periods, for tables that compare establishments."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    width, height = 96, 24
    coords = " ".join(f"{2 + (width - 4) * i / (len(values) - 1):.1f},"
                      f"{2 + (height - 4) * (high - v) / span:.1f}" for i, v in enumerate(values))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}">'
            f'<polyline points="{coords}" fill="none" stroke="{INK}" stroke-width="1.5"/></svg>')
