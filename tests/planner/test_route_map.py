"""The SVG map of a route: one numbered marker per stop, inside the box, no inline style."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from balise.planner.route_map import HEIGHT, WIDTH, route_svg

SITE = (46.85, -71.25)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("stops", [
    [],
    [(46.86, -71.25)],
    [(46.86, -71.24), (46.87, -71.26), (46.855, -71.30), (46.86, -71.24)],  # a revisit
    [(46.80 + i / 1000, -71.20 - (i % 7) / 500) for i in range(25)],
])
def test_one_marker_per_stop_numbered_in_visit_order(stops: list[tuple[float, float]]) -> None:
    root = ET.fromstring(str(route_svg(SITE, stops, "Marie <Tremblay>")))
    markers = root.findall(f"{SVG}g")
    assert len(markers) == len(stops)
    assert [m.find(f"{SVG}text").text for m in markers] == [  # type: ignore[union-attr]
        str(n) for n in range(1, len(stops) + 1)]
    assert len(root.findall(f"{SVG}polyline")) == (1 if stops else 0)
    for circle in root.iter(f"{SVG}circle"):
        assert 0 <= float(circle.get("cx", -1)) <= WIDTH
        assert 0 <= float(circle.get("cy", -1)) <= HEIGHT
    assert root.find(f"{SVG}title").text == "Marie <Tremblay>"  # type: ignore[union-attr]


def test_north_is_up_and_east_is_right() -> None:
    svg = str(route_svg(SITE, [(46.90, -71.25), (46.85, -71.15)], "t"))
    cx = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', svg)]
    cy = [float(y) for y in re.findall(r'cy="([\d.]+)"', svg)]
    assert cy[0] < cy[1]  # the northern stop is higher on the page
    assert cx[1] > cx[0]  # the eastern stop is further right


def test_no_inline_style_the_csp_would_block() -> None:
    assert "style=" not in str(route_svg(SITE, [(46.86, -71.25)], "t"))
