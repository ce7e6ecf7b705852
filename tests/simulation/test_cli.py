"""`geo112 simulate` on the test database: the comparison table, JSON, and the same answer for the same seed."""

from __future__ import annotations

import json

from click.testing import CliRunner

from geo112.cli import main


def _run(settings, *extra: str) -> str:
    args = ["--database-url", settings.database_url, "--cache-dir", str(settings.cache_dir), "simulate"]
    result = CliRunner().invoke(main, [*args, "--days", "30", "--replications", "2", *extra])
    assert result.exit_code == 0, result.output
    return result.output


def test_table_compares_two_policies(history, simulation_settings) -> None:
    out = _run(simulation_settings, "--policy", "closest", "--compare", "mexclp")
    assert "closest late" in out and "mexclp late" in out and "paired difference mexclp − closest" in out
    assert "2000 synthetic history incidents" in out


def test_json_is_reproducible(history, simulation_settings) -> None:
    first = json.loads(_run(simulation_settings, "--json", "--compare", "mexclp-safe"))
    second = json.loads(_run(simulation_settings, "--json", "--compare", "mexclp-safe"))
    first.pop("cpu_s"), second.pop("cpu_s")
    assert first == second
    assert set(first["policies"]) == {"closest", "mexclp-safe"}
    assert 0 <= first["comparison"]["closest"]["mean"] <= 1


def test_what_if_units_and_bad_ones(history, simulation_settings) -> None:
    out = json.loads(_run(simulation_settings, "--json", "--add", "F11:fire_truck:2"))
    assert out["units"] == 65
    settings = simulation_settings
    args = ["--database-url", settings.database_url, "--cache-dir", str(settings.cache_dir), "simulate", "--days", "5"]
    refused = CliRunner().invoke(main, [*args, "--add", "F11fire"])
    assert refused.exit_code == 2 and "STATION:TYPE:N" in refused.output
    unknown = CliRunner().invoke(main, [*args, "--add", "F99:fire_truck:1"])
    assert unknown.exit_code == 2 and "no station 'F99'" in unknown.output
