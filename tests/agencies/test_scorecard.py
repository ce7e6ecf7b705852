"""The scorecard: counts, median and p90 times, shares within deadline and the backlog, per agency and week,
computed by hand for tickets placed in a week of their own."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from geo112.agencies import scorecard
from geo112.config import WIB
from geo112.errors import InvalidInput
from geo112.store.db import database_now
from geo112.store.models import Ticket

MONDAY = datetime(2020, 3, 2, tzinfo=WIB)  # a week no other test writes in


def _ticket(db, incident_id: int, sent_h: float, ack_h: float | None, closed_h: float | None, status: str) -> None:
    sent = MONDAY + timedelta(hours=sent_h)
    at = lambda h: None if h is None else sent + timedelta(hours=h)  # noqa: E731
    db.add(Ticket(incident_id=incident_id, agency_code="pdam", sent_by="t", sent_at=sent, status=status,
                  acknowledged_at=at(ack_h), closed_at=at(closed_h),
                  resolution="ok" if status == "done" else None,
                  return_reason="bukan PDAM" if status == "returned" else None))  # fmt: skip
    db.flush()


def test_a_week_of_one_agency(db, make_incident) -> None:
    # Priority 3: 4 hours to acknowledge, 3 days to be done (migration 0014).
    ids = [make_incident("air_bersih", priority=3).id for _ in range(5)]
    _ticket(db, ids[0], 1, 1, 10, "done")
    _ticket(db, ids[1], 2, 3, 20, "done")
    _ticket(db, ids[2], 3, 5, 100, "done")  # acknowledged late, done late
    _ticket(db, ids[3], 4, None, 2, "returned")
    _ticket(db, ids[4], 150, 1, None, "acknowledged")  # Sunday: still open at the week's end
    [row] = scorecard.scorecard(db, MONDAY, MONDAY + timedelta(days=7), "week", "pdam")
    assert row["period_start"] == MONDAY
    assert (row["received"], row["acknowledged"], row["done"], row["returned"]) == (5, 4, 3, 1)
    assert row["ack_median_s"] == 2 * 3600  # of 1, 1, 3, 5 hours
    assert row["done_median_s"] == 20 * 3600 and row["done_p90_s"] == pytest.approx((20 + 0.8 * 80) * 3600, abs=1)
    assert row["ack_within_share"] == 0.75  # 3 of the 4 not returned
    assert row["done_within_share"] == pytest.approx(2 / 4)  # the open one is not done within (yet)
    assert row["open_backlog"] == 1
    # one category's incidents only: the same tickets but one, sent for another category's incident
    other = make_incident("kdrt", priority=3).id
    _ticket(db, other, 5, None, None, "sent")
    [mixed] = scorecard.scorecard(db, MONDAY, MONDAY + timedelta(days=7), "week", "pdam")
    assert (mixed["received"], mixed["open_backlog"]) == (6, 2)
    [water] = scorecard.scorecard(db, MONDAY, MONDAY + timedelta(days=7), "week", "pdam", category="air_bersih")
    assert (water["received"], water["open_backlog"]) == (5, 1)
    assert scorecard.scorecard(db, MONDAY, MONDAY + timedelta(days=7), "week", "pdam", category="odgj") == []
    month = scorecard.scorecard(db, MONDAY, MONDAY + timedelta(days=7), "month", "pdam", category="air_bersih")
    assert [r["received"] for r in month] == [5]
    with pytest.raises(InvalidInput):
        scorecard.scorecard(db, MONDAY, MONDAY, "week")
    with pytest.raises(InvalidInput):
        scorecard.scorecard(db, MONDAY, MONDAY + timedelta(days=1), "year")


def test_an_open_ticket_counts_as_missed_only_once_its_deadline_passed(db, make_incident) -> None:
    incident = make_incident("air_bersih", priority=3)  # 4 hours to acknowledge
    now = database_now(db)
    for hours in (1, 5):
        db.add(Ticket(incident_id=incident.id if hours == 1 else make_incident("air_bersih", priority=3).id,
                      agency_code="diskominfo", sent_by="t", sent_at=now - timedelta(hours=hours)))  # fmt: skip
    db.flush()
    [row] = scorecard.scorecard(db, now - timedelta(days=1), now + timedelta(days=1), "month", "diskominfo")
    assert row["received"] == 2 and row["acknowledged"] == 0
    assert row["ack_within_share"] == 0.0  # the 5-hour-old one missed; the 1-hour-old one is not counted yet
    assert row["done_within_share"] is None  # 3 days to be done: neither has missed it
