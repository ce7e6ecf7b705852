"""A hand-written OSM street block with one junction, X, where a turn restriction may apply.

Coordinates are in steps of 1e-3 degree east and north of (112.4 E, 7.5 S)::

    W (0,6) ------ Jalan Atas ------- V (5,6)
    |                                 |
    Jalan Kiri                        Jalan Utara
    |                                 |   * incident (5,3)
    S (0,0) -*-- Jalan Barat ------ X (5,0) ---- Jalan Timur ---- Z (10,0)
           unit (1,0)

From the unit, the fastest way is east and left at X (4 + 3 steps).  With the left turn from Jalan Barat
onto Jalan Utara forbidden, it is back west and round by W and V (1 + 6 + 5 + 3 = 15 steps); driving on to
the dead end Z and turning back (4 + 5 + 5 + 3 = 17) is longer, so U-turn rules do not decide it.
"""

from __future__ import annotations

from pathlib import Path

LON0, LAT0, STEP = 112.4, -7.5, 1e-3
NODES = {"S": (0, 0), "X": (5, 0), "Z": (10, 0), "V": (5, 6), "W": (0, 6)}
NODE_ID = {name: i + 1 for i, name in enumerate(NODES)}
WAYS = {"Jalan Barat": (10, "S", "X"), "Jalan Timur": (11, "X", "Z"), "Jalan Utara": (12, "X", "V"),
        "Jalan Kiri": (13, "S", "W"), "Jalan Atas": (14, "W", "V")}  # fmt: skip
UNIT, INCIDENT = (1, 0), (5, 3)
#: Steps driven: the free way and the way round.
FREE_STEPS, ROUND_STEPS = 7, 15


def lonlat(point: tuple[float, float]) -> tuple[float, float]:
    """(lon, lat) of a point given in steps."""
    return LON0 + point[0] * STEP, LAT0 + point[1] * STEP


def restriction(tags: dict[str, str], from_way: str = "Jalan Barat", to_way: str = "Jalan Utara") -> str:
    """One restriction relation via X with these tags (``type=restriction`` added)."""
    body = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in {"type": "restriction", **tags}.items())
    return (f'  <relation id="90"><member type="way" ref="{WAYS[from_way][0]}" role="from"/>'
            f'<member type="node" ref="{NODE_ID["X"]}" role="via"/>'
            f'<member type="way" ref="{WAYS[to_way][0]}" role="to"/>{body}</relation>\n')  # fmt: skip


def write_osm(path: Path, relations: str = "") -> Path:
    """Write the block with these relation elements; return the path."""
    nodes = "".join(
        f'  <node id="{NODE_ID[n]}" lat="{lonlat(p)[1]:.6f}" lon="{lonlat(p)[0]:.6f}"/>\n' for n, p in NODES.items()
    )
    ways = "".join(
        f'  <way id="{wid}"><nd ref="{NODE_ID[a]}"/><nd ref="{NODE_ID[b]}"/>'
        f'<tag k="highway" v="residential"/><tag k="name" v="{name}"/></way>\n'
        for name, (wid, a, b) in WAYS.items()
    )
    head = '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="hand">\n'
    path.write_text(f"{head}{nodes}{ways}{relations}</osm>\n")
    return path
