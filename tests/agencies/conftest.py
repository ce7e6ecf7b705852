"""Agencies fixtures: the dispatch fixtures (demo data, rolled-back sessions, incidents)."""

from tests.dispatch.conftest import db, make_incident

__all__ = ["db", "make_incident"]
