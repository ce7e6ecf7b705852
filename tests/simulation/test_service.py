"""The simulation from the database: the demo fleet, the regency's travel times, the synthetic history."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from geo112.config import WIB
from geo112.errors import InvalidInput, NotFound
from geo112.planning import busy
from geo112.simulation import results
from geo112.simulation.model import replicate
from geo112.simulation.service import POLICIES, ExtraUnits, compare_policies, from_database
from geo112.store.models import Assignment, Call, Desa, Incident, Station, Ticket, Unit

DAY = 86400.0


@pytest.fixture
def inputs(history, session: Session, network):
    return from_database(session, network)


def test_scenario_of_the_demo(inputs, session: Session) -> None:
    s = inputs.scenario
    assert len(s.unit_type) == session.query(Unit).filter(Unit.station_id.is_not(None)).count()
    assert inputs.history["synthetic"] and inputs.history["incidents"] == 2000
    assert inputs.history["days"] == 365
    # Every unit reaches every desa the network joins to its station, in a plausible time.
    times = s.station_desa[s.unit_type, s.unit_station]
    assert np.isfinite(times).mean() > 0.95 and np.nanmedian(times[np.isfinite(times)]) < 3600
    fire = inputs.categories.index("kebakaran")
    assert s.target_s[fire] == 900.0 and s.needs[fire][0][0] == s.types.index("fire_truck")
    assert s.transport[inputs.categories.index("medis")] and s.types[s.transport_type] == "ambulance"


def test_calls_per_hour_match_the_history(inputs, session: Session) -> None:
    """Validation: the fitted stream's calls per hour of day against the history it was fitted from."""
    received = session.scalars(select(Incident.received_at).where(Incident.synthetic)).all()
    observed = np.bincount([t.astimezone(WIB).hour for t in received], minlength=24)
    simulated = sum(
        np.bincount((inputs.calls.draw(364, 112, r, 1).t // 3600).astype(int) % 24, minlength=24) for r in range(5)
    )
    expected = observed / observed.sum() * simulated.sum()
    assert stats.chisquare(simulated, expected).pvalue > 0.001
    assert abs(simulated.sum() / 5 / 364 - observed.sum() / 365) < 0.2


def test_policies_on_the_same_calls(inputs) -> None:
    """Both policies replay the same calls: the same requests, and each answers every request."""
    s, days = inputs.scenario, 60
    runs = replicate(
        s, lambda r: inputs.calls.draw(days, 112, r, s.n_types), [inputs.policy(p) for p in POLICIES], 2, days * DAY
    )
    a, b = runs["closest"], runs["mexclp"]
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.needed, y.needed)
        assert np.isfinite(x.response_s[x.needed]).all() and np.isfinite(y.response_s[y.needed]).all()
    comparison = results.compare(a, b)
    assert 0 <= comparison.a.mean <= 1 and 0 <= comparison.b.mean <= 1
    rows = results.table(a, s.types, s.unit_type)
    assert {r.unit_type for r in rows} <= set(s.types) and all(0 <= r.figures["late"].mean <= 1 for r in rows)
    with pytest.raises(InvalidInput):
        inputs.policy("nearest")


def test_without_history_calls_come_from_population(history, session: Session, network, settings) -> None:
    """No incident at all: the calls are fitted from population and the facts' volume, or refused without data."""
    session.execute(delete(Assignment))
    session.execute(delete(Call))
    session.execute(delete(Ticket))  # the synthetic history's tickets to agencies
    session.execute(delete(Incident))
    with pytest.raises(InvalidInput, match="history generate"):
        from_database(session, network)
    inputs = from_database(session, network, data_dir=settings.data_dir)
    assert inputs.history["basis"] == "population" and inputs.history["incidents"] == 0
    # The synthetic history's volume: the facts' implied incidents per year.
    assert inputs.calls.calls_per_day * 365.25 == pytest.approx(history.implied_incidents_per_year, rel=1e-3)
    people = session.execute(select(Desa.code, Desa.population)).all()
    biggest = max(people, key=lambda r: r.population or 0).code
    assert inputs.desa_codes[int(np.argmax(inputs.calls.desa_share))] == biggest


def test_busy_fractions_match_the_history(inputs, session: Session) -> None:
    """Validation: each type's share of time engaged (sent → leaving the scene) in five simulated years of
    closest idle against the busy fraction measured from the history it was fitted from (planning.busy)."""
    outcome = compare_policies(inputs, ["closest"], 365, 5, 112)
    for k, code in enumerate(inputs.scenario.types):
        measured = busy.measure(session, code)
        assert measured.basis == "measured"
        simulated = results.Interval.of(
            [results.utilisation(r, inputs.scenario.unit_type, k, engaged=True) for r in outcome.runs["closest"]]
        )
        assert abs(simulated.mean - measured.value) <= 2 * simulated.half_width + 1e-4, (code, simulated, measured)


def test_what_if_units_at_a_planned_post(history, session: Session, network) -> None:
    """Three fire trucks more at planned posts: more units, the same calls, fewer fire calls late."""
    base = from_database(session, network)
    pacet = session.scalar(select(Station.id).where(Station.code == "F14"))  # by id, as the API names it
    extra = [ExtraUnits("F11", "fire_truck", 1), ExtraUnits("F13", "fire_truck", 1), ExtraUnits(pacet, "fire_truck", 1)]
    more = from_database(session, network, add_units=extra)
    fire = base.scenario.types.index("fire_truck")
    assert (more.scenario.unit_type == fire).sum() == (base.scenario.unit_type == fire).sum() + 3
    a = compare_policies(base, ["closest"], 120, 3, 112).runs["closest"]
    b = compare_policies(more, ["closest"], 120, 3, 112).runs["closest"]
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.needed, y.needed)  # common random numbers across fleets too
    late = [results.figures(r, fire)["late"] for r in (*a, *b)]
    assert sum(late[3:]) < sum(late[:3])
    with pytest.raises(NotFound):
        from_database(session, network, add_units=[ExtraUnits("F99", "fire_truck", 1)])
    with pytest.raises(NotFound):
        from_database(session, network, add_units=[ExtraUnits(pacet, "dragon", 1)])


def test_a_few_days_of_real_calls_do_not_replace_the_history(history, session: Session, network) -> None:
    """A new centre's (or a test's) first real calls, all of one day, cannot give rates by hour of the week."""
    from geo112.dispatch import schemas
    from geo112.dispatch.incidents import create_incident

    for lon in (112.50, 112.52, 112.54):
        create_incident(session, schemas.IncidentCreate(category="medis", lon=lon, lat=-7.55), "tester")
    assert from_database(session, network).history["basis"] == "synthetic history"
