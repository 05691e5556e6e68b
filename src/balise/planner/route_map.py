"""A route drawn as a small SVG map, rendered on the server: no tile server, no script.

Places are projected with an equirectangular projection around the route's mean
latitude (a degree of longitude is cos(latitude) times a degree of latitude), which is
exact enough at the scale of a home-care territory. The site is a square, each stop a
numbered circle in visit order, and a line follows the route from the site and back.
Only presentation attributes are used: the page's CSP forbids inline styles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT, PADDING = 320, 220, 18
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b")


def _project(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    mean_lat = math.radians(sum(lat for lat, _ in points) / len(points))
    raw = [(lon * math.cos(mean_lat), -lat) for lat, lon in points]
    xs, ys = [x for x, _ in raw], [y for _, y in raw]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-6)
    scale = min(WIDTH - 2 * PADDING, HEIGHT - 2 * PADDING) / span
    # Centre the drawing in the box.
    dx = (WIDTH - (max(xs) - min(xs)) * scale) / 2
    dy = (HEIGHT - (max(ys) - min(ys)) * scale) / 2
    return [((x - min(xs)) * scale + dx, (y - min(ys)) * scale + dy) for x, y in raw]


def route_svg(site: tuple[float, float], stops: Sequence[tuple[float, float]], title: str,
              colour_index: int = 0) -> Markup:
    """The site and the stops (lat, lon) in visit order, numbered from 1."""
    colour = COLOURS[colour_index % len(COLOURS)]
    projected = _project([site, *stops])
    home, places = projected[0], projected[1:]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in [home, *places, home])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="route-map" viewBox="0 0 {WIDTH} '
        f'{HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#f7f7f4" stroke="#ccc"/>',
    ]
    if places:
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                     'stroke-width="2" stroke-linejoin="round" opacity="0.8"/>')
    parts.append(f'<rect class="site" x="{home[0] - 6:.1f}" y="{home[1] - 6:.1f}" width="12" '
                 'height="12" fill="#333"/>')
    for number, (x, y) in enumerate(places, start=1):
        parts.append(
            f'<g class="stop"><circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="#fff" '
            f'stroke="{colour}" stroke-width="2"/><text x="{x:.1f}" y="{y + 4:.1f}" '
            f'text-anchor="middle" font-size="11" fill="#000">{number}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
