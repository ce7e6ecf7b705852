"""Manifest-checked loading of the inputs: boundaries, stations and the demo fleet, population estimates.

Every file is verified against ``geodata/kab_mojokerto/manifest.toml`` before anything is written, and
every load is an idempotent upsert with its provenance recorded in the ``dataset`` table.
"""
