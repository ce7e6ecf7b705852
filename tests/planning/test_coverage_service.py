"""Coverage from the database and the real Mojokerto engine: monotone in units, live, cached, what-if, siting."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from geo112.errors import InvalidInput, NotFound, Unprocessable
from geo112.planning import scenario
from geo112.planning.coverage import service as cs
from geo112.planning.coverage.gaps import gap_area
from geo112.planning.schemas import SitingRequest, WhatIfRequest
from geo112.planning.siting.service import site
from geo112.store.models import Station, Unit

MEASURES = ("covered_population", "double_population", "expected_population")


def test_kecamatan_rows_add_up_to_the_totals(db: Session, fleet) -> None:
    cov = cs.coverage_of(db, fleet, "ambulance", 15, "stations")
    rows, totals = cs.kecamatan_rows(cov), cs.totals(cov)
    assert len(rows) == 18 and sum(r["desa"] for r in rows) == 304
    assert totals["population"] == 1_119_209
    for field in ("population", *MEASURES):
        assert abs(sum(r[field] for r in rows) - totals[field]) <= len(rows)  # rounding per row
    for r in rows:
        assert r["double_population"] <= r["covered_population"] <= r["population"]
        assert r["expected_population"] <= r["covered_population"]
        assert r["uncovered_population"] == r["population"] - r["covered_population"]


def test_adding_a_unit_never_lowers_coverage(db: Session, fleet, make_unit) -> None:
    before = cs.coverage_of(db, fleet, "fire_truck", 15, "live")
    make_unit("fire_truck", station="F11")  # a planned post in Jetis, far from both Damkar posts
    after = cs.coverage_of(db, fleet, "fire_truck", 15, "live")
    assert after.key != before.key
    for b, a in zip(cs.kecamatan_rows(before), cs.kecamatan_rows(after)):
        assert all(a[m] >= b[m] for m in MEASURES), a["name"]
    assert cs.totals(after)["covered_population"] > cs.totals(before)["covered_population"]
    assert np.all(after.summary.counts >= before.summary.counts)


def test_live_gap_grows_when_units_become_unavailable(db: Session, fleet) -> None:
    before = cs.coverage_of(db, fleet, "fire_truck", 15, "live")
    assert cs.coverage_of(db, fleet, "fire_truck", 15, "live") is before  # unchanged units: the cached result
    gap_before = gap_area(before, fleet.network)
    post = db.scalars(select(Unit.station_id).where(Unit.unit_type_code == "fire_truck")).first()
    db.execute(
        update(Unit).where(Unit.station_id == post, Unit.unit_type_code == "fire_truck").values(status="out_of_service")
    )
    after = cs.coverage_of(db, fleet, "fire_truck", 15, "live")
    gap_after = gap_area(after, fleet.network)
    assert after.key != before.key
    assert cs.totals(after)["covered_population"] < cs.totals(before)["covered_population"]
    assert gap_after.area > gap_before.area
    assert gap_before.difference(gap_after).area < 0.001 * gap_before.area  # nested, up to the raster's edges
    assert gap_after.within(before.index.regency.buffer(1e-6))
    # Planning from stations ignores today's statuses.
    assert (
        cs.totals(cs.coverage_of(db, fleet, "fire_truck", 15, "stations"))["covered_population"]
        == cs.totals(before)["covered_population"]
    )


def test_without_units_everything_is_a_gap(db: Session, fleet) -> None:
    db.execute(update(Unit).where(Unit.unit_type_code == "rescue").values(status="out_of_service"))
    cov = cs.coverage_of(db, fleet, "rescue", 15, "live")
    assert cs.totals(cov)["covered_population"] == 0
    assert gap_area(cov, fleet.network).equals(cov.index.regency)


def test_bad_inputs_are_refused(db: Session, fleet) -> None:
    with pytest.raises(NotFound):
        cs.coverage_of(db, fleet, "boat", 15)
    with pytest.raises(InvalidInput):
        cs.coverage_of(db, fleet, "ambulance", 15, "tomorrow")
    with pytest.raises(InvalidInput):
        cs.coverage_of(db, fleet, "ambulance", 0)
    with pytest.raises(InvalidInput):
        cs.coverage_of(db, fleet, "ambulance", 15, busy=1.0)


def _station(db: Session, code: str) -> Station:
    return db.scalar(select(Station).where(Station.code == code))


def test_whatif_before_matches_the_dashboard_and_changes_are_consistent(db: Session, fleet) -> None:
    post = db.scalars(select(Unit.station_id).where(Unit.unit_type_code == "fire_truck")).first()
    jetis = _station(db, "F11")
    lon, lat = db.execute(select(Station.geom.ST_X(), Station.geom.ST_Y()).where(Station.id == jetis.id)).one()
    dashboard = cs.totals(cs.coverage_of(db, fleet, "fire_truck", 15, "stations"))

    def run(*changes: dict) -> dict:
        return scenario.whatif(db, fleet, WhatIfRequest(unit_type="fire_truck", minutes=15, changes=list(changes)))

    added = run({"action": "add", "lon": lon, "lat": lat, "count": 2})
    assert added["before"]["totals"] == dashboard
    assert added["after"]["totals"]["covered_population"] > dashboard["covered_population"]
    assert added["delta"]["covered_population"] == (
        added["after"]["totals"]["covered_population"] - dashboard["covered_population"]
    )
    assert added["delta"]["nodes_gained"] > 0 and added["delta"]["nodes_lost"] == 0
    assert sum(s["hypothetical"] for s in added["sources"]) == 2
    # Moving a post onto the planned site equals removing it and adding as many units there.
    moved = run({"action": "move", "station_id": post, "lon": lon, "lat": lat})
    n = sum(1 for s in added["sources"] if s["station_id"] == post)
    swapped = run({"action": "remove", "station_id": post}, {"action": "add", "lon": lon, "lat": lat, "count": n})
    assert moved["after"]["totals"] == swapped["after"]["totals"]
    removed = run({"action": "remove", "station_id": post})
    assert removed["delta"]["covered_population"] < 0 and removed["delta"]["nodes_gained"] == 0
    with pytest.raises(Unprocessable, match="station"):
        run({"action": "remove", "station_id": jetis.id})  # hosts no fire truck


def test_siting_opens_p_new_posts_and_covers_at_least_as_much(db: Session, fleet) -> None:
    mclp = site(db, fleet.network, SitingRequest(unit_type="fire_truck", minutes=15, method="mclp", p=3))
    assert mclp["candidates"]["planned"] == 7 and mclp["candidates"]["desa"] == 304
    assert mclp["candidates"]["fixed"] == len(mclp["fixed"]) == 2
    assert len(mclp["new_sites"]) == 3
    refs = [s["ref"] for s in mclp["fixed"] + mclp["new_sites"]]
    assert len(set(refs)) == 5
    assert mclp["after"]["covered_population"] > mclp["before"]["covered_population"]
    dashboard = cs.totals(cs.coverage_of(db, fleet, "fire_truck", 15, "stations"))
    assert abs(mclp["before"]["covered_population"] - dashboard["covered_population"]) <= 1
    assert all(s["population_only_here"] > 0 for s in mclp["new_sites"])
    planned = site(db, fleet.network, SitingRequest(method="p_median", p=2, candidates=["planned"]))
    assert {s["kind"] for s in planned["new_sites"]} == {"planned"}
    assert planned["after"]["mean_minutes_to_desa"] <= planned["before"]["mean_minutes_to_desa"]
    assert not planned["time_limited"]
    with pytest.raises(Unprocessable, match="candidate"):
        site(db, fleet.network, SitingRequest(p=8, candidates=["planned"]))
