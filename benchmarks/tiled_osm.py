"""Write a bigger road network for growth runs: N × M shifted copies of an OSM extract joined across the seams.

```
.venv/bin/python -m benchmarks.tiled_osm OUT.osm [--osm FILE] [--nx 2] [--ny 2]
```

The copies sit east and north of the original, their node and way ids offset, and ``--links`` two-way
primary roads join each pair of neighbouring copies (a far-side node of one to the nearest node of the
next), so the result is one network of N × M times the size. The original copy keeps its ids and
coordinates: units, stations and incidents of the demo stay where they are. It is what
``benchmarks/bench_routing.py`` tiles in memory, as a file the app can load (``GEO112_OSM_FILE``).
"""

from __future__ import annotations

import argparse
import bz2
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from geo112.config import get_settings


def _read(osm: Path) -> tuple[dict[int, tuple[float, float]], list[ET.Element]]:
    opener = bz2.open if osm.suffix == ".bz2" else open
    with opener(osm, "rb") as fh:
        root = ET.parse(fh).getroot()
    nodes = {int(n.get("id")): (float(n.get("lon")), float(n.get("lat"))) for n in root.iter("node")}
    return nodes, list(root.iter("way"))


def _road(way_id: int, a: int, b: int) -> str:
    return (f'  <way id="{way_id}" version="1"><nd ref="{a}"/><nd ref="{b}"/>'
            '<tag k="highway" v="primary"/><tag k="name" v="seam (tiled benchmark network)"/></way>\n')  # fmt: skip


def _span(xy: np.ndarray) -> np.ndarray:
    """How far apart the copies sit (degrees east, north): the extract's extent and a margin."""
    return np.asarray((xy.max(axis=0) - xy.min(axis=0)) * 1.01)


def tile_span(osm: Path) -> tuple[float, float]:
    """How far east and north of the original (degrees) :func:`tile` puts each next copy of ``osm``."""
    dx, dy = _span(np.array(list(_read(osm)[0].values())))
    return float(dx), float(dy)


def tile(osm: Path, out: Path, nx: int = 2, ny: int = 2, links: int = 12) -> int:
    """Write ``nx * ny`` copies of ``osm`` to ``out`` (plain OSM XML); return the number of nodes written."""
    nodes, ways = _read(osm)
    ids = np.array(list(nodes))
    xy = np.array(list(nodes.values()))
    used = np.isin(ids, [int(nd.get("ref")) for w in ways for nd in w.iter("nd")])
    span = _span(xy)
    stride = 10 ** (len(str(max(max(nodes), max(int(w.get("id")) for w in ways)))) + 1)
    copies = [(i, j) for i in range(nx) for j in range(ny)]
    with open(out, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="geo112 tiled benchmark">\n')
        for k, (i, j) in enumerate(copies):
            for node_id, (lon, lat) in nodes.items():
                fh.write(f'  <node id="{node_id + k * stride}" version="1" lat="{lat + j * span[1]:.7f}" '
                         f'lon="{lon + i * span[0]:.7f}"/>\n')  # fmt: skip
        for k in range(len(copies)):
            for way in ways:
                copy = ET.Element("way", {"id": str(int(way.get("id")) + k * stride), "version": "1"})
                for child in way:
                    attrs = dict(child.attrib)
                    if child.tag == "nd":
                        attrs["ref"] = str(int(attrs["ref"]) + k * stride)
                    ET.SubElement(copy, child.tag, attrs)
                fh.write("  " + ET.tostring(copy, encoding="unicode") + "\n")
        road_xy, road_ids = xy[used], ids[used]
        seam = (len(copies) + 1) * stride
        for k, (i, j) in enumerate(copies):
            for di, dj in ((1, 0), (0, 1)):
                if (i + di, j + dj) not in copies:
                    continue
                other = copies.index((i + di, j + dj))
                axis = np.array([di, dj])
                # evenly spaced nodes along this copy's far side, each joined to the nearest node of the next
                side = np.argsort(-(road_xy @ axis))[: len(road_xy) // 50]
                side = side[np.argsort(road_xy[side] @ axis[::-1])]
                far = side[np.linspace(0, len(side) - 1, links).astype(int)]
                _, near = cKDTree(road_xy + axis * span).query(road_xy[far])
                for a, b in zip(road_ids[far], road_ids[near]):
                    fh.write(_road(seam, int(a) + k * stride, int(b) + other * stride))
                    seam += 1
        fh.write("</osm>\n")
    return len(nodes) * len(copies)


def main() -> None:
    """Write the tiled file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--osm", type=Path, default=get_settings().osm_path)
    parser.add_argument("--nx", type=int, default=2)
    parser.add_argument("--ny", type=int, default=2)
    parser.add_argument("--links", type=int, default=12)
    args = parser.parse_args()
    print(f"{tile(args.osm, args.out, args.nx, args.ny, args.links)} nodes written to {args.out}")


if __name__ == "__main__":
    main()
