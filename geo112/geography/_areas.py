"""The SQL and row shapes shared by locating and searching: a desa with its kecamatan and jurisdiction.

Two layers answer the same columns: the regency's own tables (``desa``, ``kecamatan``, ``jurisdiction``)
and the province's desa (``province_desa``, with the kabupaten/kota in ``jurisdiction``).
"""

from __future__ import annotations

from typing import Any

_JURISDICTION_COLUMNS = """
    j.code AS jurisdiction_code, j.name AS jurisdiction_name, j.kind AS jurisdiction_kind, j.served,
    j.call_centre
"""
DESA_COLUMNS = f"""
    d.code AS desa_code, d.name AS desa_name, d.kind AS desa_kind,
    k.code AS kecamatan_code, k.name AS kecamatan_name, {_JURISDICTION_COLUMNS}
"""
JOIN = "desa d JOIN kecamatan k ON k.code = d.kecamatan_code JOIN jurisdiction j ON j.code = k.jurisdiction_code"
# Kemendagri codes: the 10th character is 1 for a kelurahan, 2 for a desa.
PROVINCE_COLUMNS = f"""
    d.code AS desa_code, d.name AS desa_name,
    CASE WHEN substr(d.code, 10, 1) = '1' THEN 'kelurahan' ELSE 'desa' END AS desa_kind,
    d.kecamatan_code, d.kecamatan_name, {_JURISDICTION_COLUMNS}
"""
PROVINCE_JOIN = "province_desa d JOIN jurisdiction j ON j.code = d.jurisdiction_code"


def area(row: Any) -> dict[str, Any]:
    """The desa and kecamatan of a row of :data:`DESA_COLUMNS` or :data:`PROVINCE_COLUMNS`."""
    return {
        "desa": {"code": row.desa_code, "name": row.desa_name, "kind": row.desa_kind},
        "kecamatan": {"code": row.kecamatan_code, "name": row.kecamatan_name},
    }


def jurisdiction(row: Any) -> dict[str, Any]:
    """The kabupaten/kota of a row, with the call centre that answers there."""
    return {
        "code": row.jurisdiction_code,
        "name": row.jurisdiction_name,
        "kind": row.jurisdiction_kind,
        "served": row.served,
        "call_centre": row.call_centre,
    }
