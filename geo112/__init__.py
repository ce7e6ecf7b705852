"""geo112: the GIS backbone of Call Center 112 for Kabupaten Mojokerto.

The domain (desa, kecamatan, jurisdiction, units, incidents), its storage in PostGIS, dispatch and
coverage. The road graph engine lives in the separate ``routing`` package; the web app in ``web``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from geo112.config import Settings, get_settings

__all__ = ["Settings", "get_settings", "locate"]
__version__ = "0.1.0"


def locate(lon: float, lat: float, session: Session | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """Tell which desa, kecamatan and jurisdiction a point lies in (see :func:`geo112.geography.locate`).

    Parameters
    ----------
    lon, lat
        WGS84 coordinates; validated here.
    session
        An open session; without one, a session on the configured database is opened for the call.
    settings
        Settings to use; default from the environment.

    Returns
    -------
    dict
    """
    from geo112.geography.areas import locate as _locate
    from geo112.store.db import session_scope
    from geo112.geography.coordinates import lon_lat

    lon, lat = lon_lat(lon, lat)
    settings = settings or get_settings()
    if session is not None:
        return _locate(session, lon, lat, settings.sliver_tolerance_m)
    with session_scope(settings.database_url) as own:
        return _locate(own, lon, lat, settings.sliver_tolerance_m)
