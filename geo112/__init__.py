"""geo112: the GIS backbone of Call Center 112 for Kabupaten Mojokerto.

The domain (desa, kecamatan, jurisdiction, units, incidents), its storage in PostGIS, dispatch, planning and
analytics, one subpackage per area (see docs/architecture.md). The road graph engine lives in the separate
``routing`` package, reached only through :mod:`geo112.network`; the web app in ``web``.
"""

from geo112.config import limit_native_threads

__version__ = "0.1.0"

limit_native_threads()
