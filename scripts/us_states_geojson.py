"""Convert us-atlas's states-10m.json (TopoJSON) into the portal's simplified GeoJSON.

The geometry is the US Census Bureau's cartographic boundary file (public domain),
as packaged by the npm package us-atlas 3.0.1 (ISC licence). Run once:

    cd /tmp && npm pack us-atlas@3.0.1 && tar xzf us-atlas-3.0.1.tgz
    python scripts/us_states_geojson.py /tmp/package/states-10m.json static/geo/us-states.geojson

Each feature's id is the state's postal code (MD, VA, ...), which is what traces
carry. Arcs are decoded, simplified with Douglas-Peucker (shared borders stay
shared, since the arcs are simplified once) and rounded to 3 decimals.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

FIPS = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT",
    "10": "DE", "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL",
    "18": "IN", "19": "IA", "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD",
    "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT", "31": "NE",
    "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND",
    "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD",
    "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA", "54": "WV",
    "55": "WI", "56": "WY", "60": "AS", "66": "GU", "69": "MP", "72": "PR", "78": "VI",
}  # fmt: skip
TOLERANCE = 0.02  # degrees
Point = tuple[float, float]


def decode_arcs(topology: dict) -> list[list[Point]]:
    scale = topology["transform"]["scale"]
    translate = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
        arcs.append(points)
    return arcs


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker, iterative; the two ends are always kept."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            if norm:
                distance = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / norm
            else:
                distance = ((px - x1) ** 2 + (py - y1) ** 2) ** 0.5
            if distance > worst:
                worst, index = distance, i
        if worst > tolerance and index > 0:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def ring(indexes: list[int], arcs: list[list[Point]]) -> list[list[float]]:
    coords: list[Point] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        coords.extend(arc if not coords else arc[1:])
    rounded: list[list[float]] = []
    for x, y in coords:
        point = [round(x, 3), round(y, 3)]
        if not rounded or rounded[-1] != point:
            rounded.append(point)
    if rounded and rounded[0] != rounded[-1]:
        rounded.append(rounded[0])
    return rounded


def convert(topology: dict) -> dict:
    arcs = [simplify(arc, TOLERANCE) for arc in decode_arcs(topology)]
    features = []
    for geometry in topology["objects"]["states"]["geometries"]:
        code = FIPS.get(geometry["id"])
        if code is None:
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        shapes = []
        for polygon in polygons:
            rings = [ring(r, arcs) for r in polygon]
            rings = [r for r in rings if len(r) >= 4]
            if rings:
                shapes.append(rings)
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"name": geometry["properties"]["name"], "fips": geometry["id"]},
                "geometry": {"type": "MultiPolygon", "coordinates": shapes},
            }
        )
    return {"type": "FeatureCollection", "features": features}


if __name__ == "__main__":
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    geojson = convert(json.loads(source.read_text()))
    target.write_text(json.dumps(geojson, separators=(",", ":")) + "\n")
    print(f"{len(geojson['features'])} states, {target.stat().st_size // 1024} KiB")
