"""The simulation in the PDF report: `geo112 simulate --save` writes a result that `geo112 report --simulation`
prints in its Simulasi section, figures as saved; a file that is not such a result is refused."""

from __future__ import annotations

import io
import json

import pypdf
import pytest
from click.testing import CliRunner

from geo112.analytics.report import _share
from geo112.cli import main
from geo112.errors import NotFound
from geo112.simulation.stored import KEPT_RESULTS, kept_result, save_result


def _cli(settings, *args: str):
    return CliRunner().invoke(main, ["--database-url", settings.database_url, "--cache-dir", str(settings.cache_dir),
                                     *args])  # fmt: skip


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_report_prints_the_saved_simulation(history, simulation_settings, tmp_path) -> None:
    saved, out = tmp_path / "sim.json", tmp_path / "report.pdf"
    ran = _cli(simulation_settings, "simulate", "--days", "30", "--replications", "3", "--compare", "closest+moveup",
               "--save", str(saved))  # fmt: skip
    assert ran.exit_code == 0, ran.output
    document = json.loads(saved.read_text())
    made = _cli(simulation_settings, "report", "--from", "2025-01-01", "--to", "2025-01-31",
                "--simulation", str(saved), "-o", str(out))  # fmt: skip
    assert made.exit_code == 0, made.output
    text = " ".join(_text(out.read_bytes()).split())
    assert "Simulasi kebijakan penugasan" in text and "30 hari × 3 replikasi (seed 112)" in text
    assert "2000 kejadian riwayat sintetis" in text
    comparison = document["comparison"]
    assert f"Selisih berpasangan closest+moveup − closest: {_share(comparison['difference'], points=True)}" in text
    ambulance = next(r for r in document["policies"]["closest"] if r["unit_type"] == "ambulance" and
                     r["priority"] == "all")  # fmt: skip
    assert f"Ambulans {round(ambulance['requests']['mean'])} {_share(ambulance['late'])}" in text
    assert "Permintaan terlambat per jenis unit" in text  # the chart


def test_report_refuses_what_is_not_a_result(simulation_settings, tmp_path) -> None:
    bad = tmp_path / "other.json"
    bad.write_text('{"policies": {}}')
    period = ("report", "--from", "2025-01-01", "--to", "2025-01-31")
    refused = _cli(simulation_settings, *period, "--simulation", str(bad))
    assert refused.exit_code == 2 and "not a result of `geo112 simulate --save`" in refused.output
    both = _cli(simulation_settings, *period, "--simulation", str(bad), "--no-simulation")
    assert both.exit_code == 2 and "exclude each other" in both.output


def test_only_the_newest_runs_are_kept_for_the_web_report(session) -> None:
    ids = [save_result(session, {"run": n}, "test-planner") for n in range(KEPT_RESULTS + 2)]
    assert kept_result(session).document == {"run": KEPT_RESULTS + 1}
    assert kept_result(session, ids[2]).id == ids[2]
    for dropped in ids[:2]:
        with pytest.raises(NotFound, match="only the newest"):
            kept_result(session, dropped)
