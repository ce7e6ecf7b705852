"""The SQL and row shapes shared by locating and searching: a desa with its kecamatan and jurisdiction."""

from __future__ import annotations

from typing import Any

DESA_COLUMNS = """
    d.code AS desa_code, d.name AS desa_name, d.kind AS desa_kind,
    k.code AS kecamatan_code, k.name AS kecamatan_name,
    j.code AS jurisdiction_code, j.name AS jurisdiction_name, j.kind AS jurisdiction_kind, j.served
"""
JOIN = "desa d JOIN kecamatan k ON k.code = d.kecamatan_code JOIN jurisdiction j ON j.code = k.jurisdiction_code"


def area(row: Any) -> dict[str, Any]:
    return {
        "desa": {"code": row.desa_code, "name": row.desa_name, "kind": row.desa_kind},
        "kecamatan": {"code": row.kecamatan_code, "name": row.kecamatan_name},
    }


def jurisdiction(row: Any) -> dict[str, Any]:
    return {
        "code": row.jurisdiction_code,
        "name": row.jurisdiction_name,
        "kind": row.jurisdiction_kind,
        "served": row.served,
    }
