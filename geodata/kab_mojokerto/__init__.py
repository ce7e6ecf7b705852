"""Data manifest and loaders for Kabupaten Mojokerto.

The inputs live outside the repository in a data directory; :mod:`manifest` checks them against the
sha256 recorded here and the loaders turn them into plain Python and shapely objects (no database).
"""

from geodata.kab_mojokerto.manifest import DataFile, ManifestError, load_manifest, verified_path

__all__ = ["DataFile", "ManifestError", "load_manifest", "verified_path"]
