"""Council boundaries for the national review's map, from the carried TopoJSON.

Why TopoJSON decoded here: the map needs only polygons in longitude/latitude,
and the format is small enough to read in a few lines (no GIS dependency).
A topology holds shared *arcs*, each a list of integer positions written as
deltas from the previous position (``transform`` scales and translates them to
degrees); a polygon ring is a list of arc indexes, where ``~i`` (that is
``-i - 1``) means arc ``i`` reversed, and consecutive arcs share their joining
point. Because neighbouring councils share arcs, a border between two areas is
one arc, which the map uses to draw each border once.

The carried copy ``data/england_lad_2013.topo.json`` is the 2013 district
boundaries (see ``data/england_lad_2013.LICENSE``), simplified by
``simplify_topology`` (Douglas-Peucker on each arc in the integer grid, arc ends
kept so neighbours still meet; see ``data/README.md`` for the command).

Which districts make up a council of a given year: a 2013 district whose code
is in the year's register is that council; otherwise the register's
``former_codes`` or ``replaced-by`` lead to the council that took it over
(Dorset, Bournemouth Christchurch and Poole, East and West Suffolk, Somerset
West and Taunton, ...). A county council is the union of its districts, listed
in ``data/district_counties.csv`` (from the same mySociety register).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "ATTRIBUTION",
    "council_districts",
    "decode_topology",
    "district_rings",
    "load_topology",
    "simplify_topology",
]

BOUNDARY_FILE = "england_lad_2013.topo.json"
COUNTY_FILE = "district_counties.csv"

#: Printed under the map (the licence asks for it with every reuse).
ATTRIBUTION = (
    "Boundaries: UK-GeoJson by Martin Chorley (github.com/martinjc/UK-GeoJson), CC BY 4.0, simplified; "
    "contains Ordnance Survey data \u00a9 Crown copyright and database right 2014."
)


# --------------------------------------------------------------------------- decoding


def _absolute_arcs(topology: dict) -> list[np.ndarray]:
    """Every arc as an (n, 2) array of absolute integer grid positions (delta-decoded)."""
    arcs = []
    for arc in topology["arcs"]:
        points = np.asarray(arc, dtype="int64").reshape(-1, 2)
        arcs.append(np.cumsum(points, axis=0) if "transform" in topology else points)
    return arcs


def _to_degrees(topology: dict, points: np.ndarray) -> np.ndarray:
    transform = topology.get("transform")
    if not transform:
        return points.astype("float64")
    return points * np.asarray(transform["scale"], dtype="float64") + np.asarray(transform["translate"], dtype="float64")


def _ring(arc_indexes: Iterable[int], arcs: list[np.ndarray]) -> np.ndarray:
    """One ring from its arc indexes; ``~i`` is arc ``i`` reversed; shared joining points kept once."""
    parts = []
    for position, index in enumerate(arc_indexes):
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        parts.append(points if position == 0 else points[1:])
    return np.concatenate(parts) if parts else np.empty((0, 2))


def _polygons(geometry: dict) -> list[list[list[int]]]:
    """A geometry's polygons, each a list of rings (lists of arc indexes)."""
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry["arcs"]]
    if kind == "MultiPolygon":
        return list(geometry["arcs"])
    if kind is None:
        return []
    raise ValueError(f"boundary geometry of type {kind!r}: only Polygon and MultiPolygon are drawn")


def decode_topology(topology: dict, object_name: str | None = None, key: str = "LAD13CD") -> dict[str, list[np.ndarray]]:
    """Area code -> its rings (each an (n, 2) array of longitude, latitude), in file order.

    ``object_name`` defaults to the topology's only object; ``key`` is the
    property holding each area's code.
    """
    objects = topology.get("objects") or {}
    if object_name is None:
        if len(objects) != 1:
            raise ValueError(f"topology has objects {sorted(objects)}; name the one to decode")
        object_name = next(iter(objects))
    arcs = _absolute_arcs(topology)
    areas: dict[str, list[np.ndarray]] = {}
    for geometry in objects[object_name]["geometries"]:
        code = str((geometry.get("properties") or {}).get(key, geometry.get("id", "")))
        rings = [_ring(ring, arcs) for polygon in _polygons(geometry) for ring in polygon]
        areas.setdefault(code, []).extend(_to_degrees(topology, ring) for ring in rings if len(ring) >= 3)
    return areas


def geometry_arcs(topology: dict, object_name: str | None = None, key: str = "LAD13CD") -> dict[str, set[int]]:
    """Area code -> the indexes of the arcs its boundary uses (direction ignored)."""
    objects = topology["objects"]
    object_name = object_name or next(iter(objects))
    used: dict[str, set[int]] = {}
    for geometry in objects[object_name]["geometries"]:
        code = str((geometry.get("properties") or {}).get(key, geometry.get("id", "")))
        for polygon in _polygons(geometry):
            for ring in polygon:
                used.setdefault(code, set()).update(i if i >= 0 else ~i for i in ring)
    return used


def arc_lines(topology: dict) -> list[np.ndarray]:
    """Every arc in longitude/latitude (for drawing borders once)."""
    return [_to_degrees(topology, arc) for arc in _absolute_arcs(topology)]


@functools.lru_cache(maxsize=1)
def load_topology() -> dict:
    """The carried 2013 district topology (parsed once per process)."""
    with resources.files("lgsco_report.data").joinpath(BOUNDARY_FILE).open("r", encoding="utf-8") as handle:
        return json.load(handle)


def district_rings() -> dict[str, list[np.ndarray]]:
    """2013 district code -> rings in longitude/latitude, from the carried copy."""
    return decode_topology(load_topology())


# --------------------------------------------------------------------------- councils -> districts


@functools.lru_cache(maxsize=1)
def district_counties() -> dict[str, str]:
    """District GSS code -> its county council's GSS code (two-tier areas only)."""
    with resources.files("lgsco_report.data").joinpath(COUNTY_FILE).open("r", encoding="utf-8") as handle:
        frame = pd.read_csv(handle, dtype=str, keep_default_na=False)
    return dict(zip(frame["district_code"], frame["county_code"]))


def council_districts(councils: pd.DataFrame, districts: Iterable[str]) -> dict[str, list[str]]:
    """For each council (``authority_code``) of one year, the 2013 districts its area is made of.

    ``councils`` is one year's councils (``authority_code``; the register
    supplies former codes and successors). A council with no
    district (not covered by the boundaries) maps to an empty list.
    """
    from .register import all_councils

    register = all_councils()
    by_register_code = dict(zip(register["register_code"], register["authority_code"]))
    successors = {
        code: [by_register_code[r.strip()] for r in str(replaced).split(",") if r.strip() in by_register_code]
        for code, replaced in zip(register["authority_code"], register["replaced_by"]) if replaced
    }
    in_year = set(councils["authority_code"])
    former = {}
    for code, codes in zip(register["authority_code"], register["former_codes"]):
        if code in in_year:
            for old in codes or ():
                former[old] = code
    counties = district_counties()

    def owner(district: str) -> str | None:
        seen, code = set(), district
        while code not in in_year and code not in seen:
            seen.add(code)
            if code in former:
                code = former[code]
            elif len(successors.get(code, [])) == 1:  # a split has no single owner
                code = successors[code][0]
            else:
                return None
        return code if code in in_year else None

    result: dict[str, list[str]] = {code: [] for code in councils["authority_code"]}
    for district in sorted(districts):
        council = owner(district)
        if council is not None:
            result[council].append(district)
        county = counties.get(council or "") or counties.get(district)
        if county in result and county != council:
            result[county].append(district)
    return result


# --------------------------------------------------------------------------- simplification


def _keep_mask(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker: which points of an open line to keep (ends always kept)."""
    keep = np.zeros(len(points), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        segment = points[last] - points[first]
        inner = points[first + 1:last] - points[first]
        length = float(np.hypot(*segment))
        if length == 0:
            distances = np.hypot(inner[:, 0], inner[:, 1])
        else:
            distances = np.abs(segment[0] * inner[:, 1] - segment[1] * inner[:, 0]) / length
        farthest = int(np.argmax(distances))
        if distances[farthest] > tolerance:
            middle = first + 1 + farthest
            keep[middle] = True
            stack.extend([(first, middle), (middle, last)])
    return keep


def _simplify_arc(points: np.ndarray, tolerance: float) -> np.ndarray:
    if len(points) <= 2:
        return points
    if (points[0] == points[-1]).all():  # a closed ring on its own: keep its far point so it stays a ring
        far = int(np.argmax(np.hypot(*(points - points[0]).T)))
        head = points[: far + 1][_keep_mask(points[: far + 1], tolerance)]
        tail = points[far:][_keep_mask(points[far:], tolerance)]
        simplified = np.concatenate([head, tail[1:]])
        return simplified if len(simplified) >= 4 else points[[0, far // 2, far, -1]] if far > 1 else points
    return points[_keep_mask(points, tolerance)]


def simplify_topology(topology: dict, tolerance: float, keep_properties: tuple[str, ...] = ("LAD13CD", "LAD13NM")) -> dict:
    """A copy of ``topology`` with every arc simplified (``tolerance`` in grid units).

    Arc ends are never moved, so areas that shared a border still share it
    exactly; arcs stay delta-encoded on the same grid; only the properties in
    ``keep_properties`` are kept.
    """
    arcs = [_simplify_arc(points, tolerance) for points in _absolute_arcs(topology)]
    encoded = [np.diff(arc, axis=0, prepend=np.zeros((1, 2), dtype="int64")).tolist() for arc in arcs]
    objects = {}
    for name, collection in topology["objects"].items():
        geometries = [
            {"type": g["type"], "arcs": g["arcs"],
             "properties": {k: (g.get("properties") or {}).get(k) for k in keep_properties}}
            for g in collection["geometries"]
        ]
        objects[name] = {"type": collection["type"], "geometries": geometries}
    return {"type": "Topology", "transform": topology["transform"], "objects": objects, "arcs": encoded}


def main(argv: list[str] | None = None) -> int:
    """``python -m lgsco_report.boundaries SOURCE.topo.json OUT.topo.json [TOLERANCE]``: write a simplified copy."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        print(main.__doc__, file=sys.stderr)
        return 2
    source, out = Path(args[0]), Path(args[1])
    tolerance = float(args[2]) if len(args) == 3 else 3.0
    simplified = simplify_topology(json.loads(source.read_text(encoding="utf-8")), tolerance)
    out.write_text(json.dumps(simplified, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
