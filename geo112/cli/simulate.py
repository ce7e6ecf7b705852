"""``geo112 simulate``: replay a period of calls on the fleet with a dispatch policy, and compare two."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import click

from geo112 import network
from geo112.cli._context import echo_json, settings_of
from geo112.simulation import results
from geo112.simulation.service import POLICIES, ExtraUnits, Outcome, compare_policies, from_database
from geo112.simulation.stored import result_document
from geo112.store.db import session_scope


def _pct(i: results.Interval, digits: int = 1) -> str:
    if math.isnan(i.mean):
        return "-"
    if math.isnan(i.low):
        return f"{100 * i.mean:.{digits}f}%"
    return f"{100 * i.mean:.{digits}f}% [{100 * i.low:.{digits}f}, {100 * i.high:.{digits}f}]"


def _min(i: results.Interval) -> str:
    return "-" if math.isnan(i.mean) else f"{i.mean / 60:.1f}"


def _extra_units(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> list[ExtraUnits]:
    extra = []
    for value in values:
        station, _, rest = value.partition(":")
        kind, _, n = rest.partition(":")
        if not (station and kind and n.isdigit() and int(n) >= 1):
            raise click.BadParameter(f"expected STATION:TYPE:N, got {value!r}")
        extra.append(ExtraUnits(int(station) if station.isdigit() else station, kind, int(n)))
    return extra


def _basis(history: dict[str, Any]) -> str:
    if not history["incidents"]:
        return "population (no incident history)"
    return f"{history['incidents']} {history['basis']} incidents {history['first_day']}..{history['last_day']}"


def _table(outcome: Outcome, load: float, mutual_aid_after: float) -> None:
    h, p, names = outcome.history, outcome.parameters, outcome.names
    click.echo(
        f"calls fitted from {_basis(h)} → {outcome.calls_per_day:.2f} calls/day (load {load:g}); "
        f"{p['days']} days × {p['replications']} replications, seed {p['seed']}; {p['units']} units; "
        f"mutual aid after {mutual_aid_after:g} min"
    )
    click.echo(
        "late: share of requests whose first unit of the type is on scene after the phase target; "
        "cover: population within the type's first threshold of an idle unit, as calls arrive (time average)"
    )
    header = f"{'unit type':<17}{'prio':>5}{'requests':>9}"
    for name in names:
        header += f"  {name + ' late':<28}{'mean':>6}{'p90':>6}{'wait':>7}{'util':>6}{'cover':>7}"
    click.echo(header)
    for i, row in enumerate(outcome.tables[names[0]]):
        line = f"{row.unit_type:<17}{row.priority or 'all':>5}{row.figures['requests'].mean:>9.0f}"
        for name in names:
            f = outcome.tables[name][i].figures
            util = f"{100 * f['utilisation'].mean:5.1f}%" if "utilisation" in f else ""
            cover = f"{100 * f['coverage'].mean:6.1f}%" if "coverage" in f else ""
            line += f"  {_pct(f['late']):<28}{_min(f['mean_s']):>6}{_min(f['p90_s']):>6}"
            line += f"{100 * f['waited'].mean:6.1f}%{util:>6}{cover:>7}"
        click.echo(line)
    c = outcome.comparison
    if c is not None:
        click.echo(
            f"all requests: late {names[0]} {_pct(c.a)}, {names[1]} {_pct(c.b)}; "
            f"paired difference {names[1]} − {names[0]} {_pct(c.difference, 2)} points "
            f"({100 * c.relative:+.1f}% of {names[0]}'s late arrivals)"
        )
    for name in names:
        if moved := outcome.relocations(name):
            click.echo(f"{name}: {moved:.0f} relocations per replication")


@click.command("simulate")
@click.option("--policy", type=click.Choice(POLICIES), default="closest", show_default=True, help="Dispatch policy.")
@click.option("--compare", type=click.Choice(POLICIES), help="A second policy, run on the same calls.")
@click.option("--days", type=click.IntRange(1, 3660), default=365, show_default=True, help="Simulated period.")
@click.option("--replications", type=click.IntRange(1, 200), default=5, show_default=True)
@click.option("--seed", type=int, default=112, show_default=True, help="The same seed gives the same calls.")
@click.option("--load", type=click.FloatRange(min=0.01), default=1.0, show_default=True,
              help="Calls as a multiple of the history's rate (a what-if of demand).")  # fmt: skip
@click.option("--mutual-aid-after", type=click.FloatRange(min=0), default=15.0, show_default=True,
              help="Minutes a call waits for a unit before mutual aid is sent.")  # fmt: skip
@click.option("--add", "add", multiple=True, callback=_extra_units, metavar="STATION:TYPE:N",
              help="What-if: N more units of TYPE at STATION (code, e.g. F05, or id); repeatable.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON instead of a table.")
@click.option("--save", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Also write the result (figures, chart) to this file for `geo112 report --simulation`.")  # fmt: skip
@click.pass_context
def simulate(
    ctx: click.Context,
    policy: str,
    compare: str | None,
    days: int,
    replications: int,
    seed: int,
    load: float,
    mutual_aid_after: float,
    add: list[ExtraUnits],
    as_json: bool,
    save: Path | None,
) -> None:
    """Simulate the demo fleet over DAYS of calls fitted from the incident history; print late arrivals per
    unit type and priority (95 % intervals over replications) and, with --compare, the paired difference."""
    settings = settings_of(ctx)
    began = time.process_time()
    roads = network.network_for(settings)
    names = [policy] if compare is None else [policy, compare]
    with session_scope(settings.database_url) as session:
        inputs = from_database(session, roads, data_dir=settings.data_dir, add_units=add)
        outcome = compare_policies(inputs, names, days, replications, seed, load, mutual_aid_after * 60.0)
        if save is not None:
            save.write_text(json.dumps(result_document(session, outcome), ensure_ascii=False), encoding="utf-8")
    if as_json:
        echo_json(outcome.as_dict() | {"cpu_s": round(time.process_time() - began, 2)})
        return
    _table(outcome, load, mutual_aid_after)
    click.echo(f"minutes (mean, p90) of response from the call; cpu {time.process_time() - began:.1f} s")
