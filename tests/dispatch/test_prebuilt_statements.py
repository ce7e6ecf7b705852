"""Statements built once with bind parameters (the hot writes of dispatch) write only what they name.

SQLAlchemy adds an execute parameter named like a column of an UPDATE's or INSERT's table to its SET or VALUES:
a bind parameter called ``station_id`` would have moved a unit to another station. Each prebuilt statement is
compiled as its callers run it (its required parameters as the execute's keys) and must stay the same SQL.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import Executable
from sqlalchemy.dialects.postgresql import psycopg

from geo112.dispatch import assignments, incidents, units
from geo112.dispatch.assignments import _status_writes, _StatusWrites

_UNIT_COLUMNS = ("status", "status_at", "note", "position_at", "relocation_station_id")
_SHAPES = [
    _StatusWrites(_UNIT_COLUMNS[: 2 + extra], arrives, changes, phase, leaves)
    for extra, arrives, (changes, phase, leaves) in itertools.product(
        range(4),
        (False, True),
        ((None, None, False), (("en_route_at",), "en_route_at", False), (("ended_at", "end_reason"), None, True)),
    )
]
PREBUILT = {
    "AVL fix": units._MOVED,
    "assignment": assignments._ASSIGNING[False],
    "assignment as mutual aid": assignments._ASSIGNING[True],
    "new incident": incidents._INSERTING,
    "its call": incidents._CREATED,
    "close": incidents._SET_CLOSED,
    **{f"status change {i}": _status_writes(shape) for i, shape in enumerate(_SHAPES)},
}


@pytest.mark.parametrize("name", PREBUILT)
def test_a_prebuilt_statement_run_with_its_parameters_writes_only_its_own_columns(name: str) -> None:
    statement: Executable = PREBUILT[name]
    dialect = psycopg.dialect()
    plain = statement.compile(dialect=dialect)
    required = [key for key, bind in plain.binds.items() if bind.required]
    assert required, "a prebuilt statement takes its values as bind parameters"
    assert statement.compile(dialect=dialect, column_keys=required).string == plain.string
