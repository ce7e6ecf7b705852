"""The data manifest: every input file with its sha256, licence and origin."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MANIFEST = Path(__file__).with_name("manifest.toml")


class ManifestError(RuntimeError):
    """An input file is missing, differs from the manifest, or is not listed in it."""


@dataclass(frozen=True)
class DataFile:
    """One entry of the manifest."""

    name: str
    sha256: str
    licence: str
    origin: str
    description: str = ""


@cache
def load_manifest(manifest: Path = MANIFEST) -> dict[str, DataFile]:
    """Return the entries of a manifest (Mojokerto's by default) keyed by their path relative to the data directory."""
    entries = tomllib.loads(Path(manifest).read_text(encoding="utf-8")).get("file", [])
    return {e["name"]: DataFile(**e) for e in entries}


def verified_path(data_dir: Path, name: str, manifest: Path = MANIFEST) -> Path:
    """Return the path of an input file after checking it against the manifest.

    Parameters
    ----------
    data_dir
        The data directory (``GEO112_DATA_DIR``).
    name
        The file's path relative to ``data_dir``, as listed in the manifest.
    manifest
        The manifest to check against (a region pack's; default Mojokerto's).

    Returns
    -------
    Path
        The absolute path of the verified file.

    Raises
    ------
    ManifestError
        When the file is not in the manifest, is missing, or its sha256 differs; the message names the file.
    """
    entry = load_manifest(manifest).get(name)
    if entry is None:
        raise ManifestError(f"{name} is not listed in the data manifest {manifest}")
    path = Path(data_dir) / name
    if not path.is_file():
        raise ManifestError(f"input file missing: {path} (set GEO112_DATA_DIR to the geodata directory)")
    import pooch  # ~12 MB with what it imports: only a process that checks a file (loads data) needs it

    digest = pooch.file_hash(str(path), alg="sha256")
    if digest != entry.sha256:
        raise ManifestError(
            f"input file differs from the manifest: {path} has sha256 {digest}, expected {entry.sha256}; "
            "refusing to load it"
        )
    return path
