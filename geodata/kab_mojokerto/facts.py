"""Readers for the published facts in ``kab_mojokerto/facts`` (long-format CSV with a source per row)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    """A published number with its year and source."""

    value: float
    year: int | None
    source: str


def read_rows(path: Path) -> list[dict[str, str]]:
    """Return the rows of a facts CSV as dictionaries."""
    with Path(path).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _year(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def population_figures(path: Path, measure: str = "pop_census", year: int = 2020) -> dict[str, Figure]:
    """Return ``{kode: Figure}`` for one measure and year of ``population_kecamatan.csv``.

    Parameters
    ----------
    path
        ``facts/population_kecamatan.csv``.
    measure, year
        Which figure to take; the default, census 2020, is the newest count published for all units that
        have one (mid-year estimates exist for the same ten kecamatan).

    Returns
    -------
    dict[str, Figure]
        Keys are kecamatan codes (``35.16.01``) and jurisdiction codes (``35.16``, ``35.76``).
    """
    return {
        row["kode"]: Figure(float(row["value"]), _year(row["year"]), row["source"])
        for row in read_rows(path)
        if row["measure"] == measure and _year(row["year"]) == year
    }


def desa_population(path: Path) -> dict[str, Figure]:
    """Return ``{desa kode: Figure}`` of the desa with a published population (``population_desa.csv``)."""
    return {
        row["kode"]: Figure(float(row["value"]), _year(row["year"]), row["source"])
        for row in read_rows(path)
        if row["measure"] == "population"
    }


def unofficial_figures(path: Path, measure: str = "pop_other") -> dict[str, Figure]:
    """Return the newest unofficial population figure per kecamatan (``pop_other`` rows).

    These are undated or odd figures (an encyclopaedia infobox, an old profile). They are not counts to
    store, but they tell how the kecamatan without a census figure compare with each other. A year such as
    ``"2024?"`` counts as 2024; a row without a year counts as older than any dated one.
    """
    newest: dict[str, tuple[int, Figure]] = {}
    for row in read_rows(path):
        if row["measure"] != measure or row["kode"].count(".") != 2:
            continue
        digits = "".join(ch for ch in row["year"] if ch.isdigit())[:4]
        year = int(digits) if len(digits) == 4 else 0
        if row["kode"] not in newest or year > newest[row["kode"]][0]:
            newest[row["kode"]] = (year, Figure(float(row["value"]), year or None, row["source"]))
    return {code: figure for code, (_, figure) in newest.items()}
