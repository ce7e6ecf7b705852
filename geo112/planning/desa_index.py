"""Road nodes by desa: which road node of the routing engine lies in which desa of the served kabupaten.

Coverage is measured on the road nodes of the routing engine, grouped by the desa they lie in; the grouping
is a point-in-polygon of every node against the desa, done once per network and database and cached for the
process (:func:`desa_index`). The population spread (:mod:`geo112.ingest.population`) weights desa by the
same grouping.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np
import shapely
from pykdtree.kdtree import KDTree
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo112.network import Network

_DESA = text("""
    SELECT d.code, d.name, d.kecamatan_code, k.name AS kecamatan_name, ST_AsBinary(d.geom) AS wkb,
           ST_X(ST_PointOnSurface(d.geom)) AS lon, ST_Y(ST_PointOnSurface(d.geom)) AS lat
    FROM desa d JOIN kecamatan k ON k.code = d.kecamatan_code
    JOIN jurisdiction j ON j.code = k.jurisdiction_code AND j.served
    ORDER BY d.code
""")
_REGENCY = text("SELECT code, ST_AsBinary(geom) FROM jurisdiction WHERE served ORDER BY code LIMIT 1")


@dataclass(frozen=True)
class DesaIndex:
    """The desa of the served kabupaten and the road nodes inside each.

    Attributes
    ----------
    codes, names
        Desa codes (sorted) and names; position ``i`` is desa index ``i`` everywhere.
    kecamatan_codes, kecamatan_names
        The kecamatan of each desa.
    centre_lon, centre_lat
        A point inside each desa (``ST_PointOnSurface``): its centre for siting.
    node_desa
        Desa index per road node, ``-1`` outside the kabupaten (Kota enclave, beyond the border).
    centre_node
        The road node nearest each desa centre.
    regency
        The kabupaten polygon (shapely, lon/lat).
    regency_code
        Its jurisdiction code.
    """

    codes: list[str]
    names: list[str]
    kecamatan_codes: list[str]
    kecamatan_names: list[str]
    centre_lon: np.ndarray
    centre_lat: np.ndarray
    node_desa: np.ndarray
    centre_node: np.ndarray
    regency: shapely.Geometry
    regency_code: str

    @property
    def node_counts(self) -> np.ndarray:
        """Road nodes per desa."""
        inside = self.node_desa >= 0
        return np.bincount(self.node_desa[inside], minlength=len(self.codes))

    @property
    def kecamatan_of_desa(self) -> tuple[list[str], np.ndarray]:
        """Distinct kecamatan codes (sorted) and the kecamatan index of each desa."""
        kecamatan, index = np.unique(self.kecamatan_codes, return_inverse=True)
        return kecamatan.tolist(), index.ravel()


_lock = threading.Lock()
_indexes: weakref.WeakKeyDictionary[Network, dict[str, DesaIndex]] = weakref.WeakKeyDictionary()


def build_desa_index(session: Session, network: Network) -> DesaIndex:
    """Assign every road node of a network to its desa (point in polygon), uncached.

    Parameters
    ----------
    session
        Session on a database with the geography loaded.
    network
        The road network.

    Returns
    -------
    DesaIndex
    """
    rows = session.execute(_DESA).all()
    regency = session.execute(_REGENCY).first()
    if not rows or regency is None:
        raise LookupError("no desa of a served jurisdiction: run `geo112 data load` first")
    polygons = shapely.from_wkb([r.wkb for r in rows])
    nodes = shapely.points(network.node_lon, network.node_lat)
    node_idx, desa_idx = shapely.STRtree(polygons).query(nodes, predicate="intersects")
    # A node on a shared border belongs to the first desa found, so every node counts once.
    first = np.unique(node_idx, return_index=True)[1]
    node_desa = np.full(network.n_nodes, -1, dtype=np.int64)
    node_desa[node_idx[first]] = desa_idx[first]
    lon = np.array([r.lon for r in rows])
    lat = np.array([r.lat for r in rows])
    x, y = network.to_xy(network.node_lon, network.node_lat)
    cx, cy = network.to_xy(lon, lat)
    # pykdtree, not scipy.spatial (~10 MB a worker with what it imports): the routing engine snaps with it
    centre_node = KDTree(np.column_stack([x, y])).query(np.column_stack([cx, cy]))[1]
    return DesaIndex(
        codes=[r.code for r in rows],
        names=[r.name for r in rows],
        kecamatan_codes=[r.kecamatan_code for r in rows],
        kecamatan_names=[r.kecamatan_name for r in rows],
        centre_lon=lon,
        centre_lat=lat,
        node_desa=node_desa,
        centre_node=np.asarray(centre_node, dtype=np.int64),
        regency=shapely.from_wkb(bytes(regency[1])),
        regency_code=regency[0],
    )


def desa_index(session: Session, network: Network) -> DesaIndex:
    """Return the desa index of a network and the session's database, built once per process.

    Boundaries change only with a data load, which a restart follows; the index is cached per network
    (weakly, so a dropped network takes its index along) and per database URL.
    """
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    with _lock:
        per_network = _indexes.setdefault(network, {})
        if url not in per_network:
            per_network[url] = build_desa_index(session, network)
        return per_network[url]
