"""Storage in PostGIS: the engine and sessions, the schema (models and Alembic migrations), the append-only
audit trail, the GeoJSON feature providers and the geometry helpers every table shares."""
