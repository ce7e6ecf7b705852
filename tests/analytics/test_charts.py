"""Charts and the report: Vega-Lite specs built from the figures, the reach curve, and the PDF's figures."""

from __future__ import annotations

import io
from datetime import date, datetime

import numpy as np
import pypdf
import vl_convert
from click.testing import CliRunner
from sqlalchemy.orm import Session

from geo112.analytics import charts, figures
from geo112.analytics.report import INTERVAL_NAMES, Period, report_pdf
from geo112.cli import main
from geo112.config import WIB
from geo112.planning.coverage import model
from geo112.planning.coverage import service as coverage
from tests.analytics.test_analytics import ALL

API = "/api/v1/analytics"
HISTORY = "start=2025-01-01&end=2025-12-31&include_synthetic=true"


def _values(spec: dict) -> list[dict]:
    """Every data row a spec carries inline (Altair puts them in ``datasets``)."""
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def test_new_figures_add_up_to_the_incidents(history, session: Session) -> None:
    total = figures.summary(session, ALL)["incidents"]
    assert sum(c["count"] for c in figures.by_hour(session, ALL)) == total
    assert sum(c["count"] for c in figures.kecamatan_categories(session, ALL)) == total
    shares = figures.dispositions(session, ALL)
    assert sum(d["count"] for d in shares) == total and abs(sum(d["share"] for d in shares) - 1) < 1e-9
    arrivals = figures.arrivals(session, ALL)
    by_type = {}
    for a in arrivals:
        by_type[a["unit_type"]] = by_type.get(a["unit_type"], 0) + 1
    compliance = {r["unit_type"]: r["n"] for r in figures.compliance(session, ALL)}
    assert by_type == {t: n for t, n in compliance.items() if n}


def test_every_analytics_chart_renders_with_its_data(history, session: Session) -> None:
    specs = charts.analytics_charts(session, ALL)
    assert set(specs) == {
        "response_distribution",
        "response_over_time",
        "calls_by_hour",
        "kecamatan_categories",
        "dispositions",
        "agency_scores",
    }
    for name, spec in specs.items():
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/"), name
        assert _values(spec), f"{name} carries no data"
        svg = vl_convert.vegalite_to_svg(spec)
        assert "<path" in svg and spec["title"] in svg, name
    heat = _values(specs["calls_by_hour"])
    assert sum(r["count"] for r in heat) == figures.summary(session, ALL)["incidents"]
    assert {r["hari"] for r in heat} <= set(charts.WEEKDAYS)


def test_charts_and_report_of_an_empty_period(history, session: Session, fleet) -> None:
    empty = figures.Filters(since=datetime(1999, 1, 1, tzinfo=WIB), until=datetime(1999, 2, 1, tzinfo=WIB))
    for name, spec in charts.analytics_charts(session, empty).items():
        assert "<svg" in vl_convert.vegalite_to_svg(spec), name
    text = _pdf_text(report_pdf(session, fleet, Period(date(1999, 1, 1), date(1999, 1, 31))))
    assert "Kejadian\n0" in text and "Belum ada tiket OPD" in text
    # Said in words, not drawn as empty frames with a "NaN" legend.
    assert "Tidak ada kejadian dalam periode ini." in text and "Tidak ada unit yang tiba" in text
    assert "Tidak ada interval yang tercatat" in text
    assert "NaN" not in text and "Kejadian per jam dan hari" not in text


def test_report_of_only_real_incidents_says_the_synthetic_history_was_left_out(history, session, fleet) -> None:
    year = Period(date(2025, 1, 1), date(2025, 12, 31))
    text = " ".join(_pdf_text(report_pdf(session, fleet, year, include_synthetic=False)).split())
    assert "Tidak ada kejadian dalam periode ini (riwayat sintetis tidak dimasukkan)." in text
    with_history = " ".join(_pdf_text(report_pdf(session, fleet, year)).split())
    assert "Kejadian per jam dan hari" in with_history and "Tidak ada kejadian" not in with_history


def test_reach_curve_meets_the_coverage_at_the_threshold(history, session: Session, fleet) -> None:
    cov = coverage.coverage_of(session, fleet, "ambulance", 8.0, "stations")
    rows = coverage.reach_rows(session, cov, np.array([0.0, 4.0, 8.0, 30.0, 600.0]))
    shares = [r["share"] for r in rows]
    assert shares == sorted(shares) and shares[0] < 0.01
    assert abs(shares[2] - coverage.totals(cov)["covered"]) < 1e-3
    assert shares[-1] > 0.99


def test_reach_curve_on_constructed_demand() -> None:
    # Two desa of 100 and 300 persons; desa 0 has nodes at 60 s and 600 s, desa 1 one node at 120 s.
    demand = model.Demand(np.array([0, 0, 1]), np.ones(3), np.array([100.0, 300.0]))
    curve = model.reach_curve(np.array([60.0, 600.0, 120.0]), demand, [0, 1, 2, 10])
    np.testing.assert_allclose(curve, [0.0, 50 / 400, 350 / 400, 1.0])


def test_chart_api_answers_specs_and_refuses_a_bad_period(client, login, history) -> None:
    login("planner")
    answer = client.get(f"{API}/charts?{HISTORY}&period=week").get_json()
    assert answer["synthetic_included"] and len(answer["charts"]) == 6
    weeks = {r["period"] for r in _values(answer["charts"]["response_over_time"]) if "period" in r}
    assert len(weeks) > 40
    bad = client.get(f"{API}/charts?period=year")
    assert bad.status_code == 400 and "period must be" in bad.get_json()["detail"]
    cover = client.get("/api/v1/coverage/charts").get_json()["charts"]
    assert set(cover) == {"reach_curves", "covered_by_kecamatan"}
    assert client.get("/api/v1/coverage/charts?mode=dream").status_code == 400


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_report_pdf_holds_the_figures_the_api_gives(client, login, history, settings, tmp_path) -> None:
    login("planner")
    summary = client.get(f"{API}/summary?{HISTORY}").get_json()
    compliance = client.get(f"{API}/compliance?{HISTORY}").get_json()["rows"]
    out = tmp_path / "report.pdf"
    args = [
        "--database-url",
        settings.database_url,
        "--cache-dir",
        str(settings.cache_dir),
        "report",
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "-o",
        str(out),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    text = _pdf_text(out.read_bytes())
    assert len(pypdf.PdfReader(out).pages) >= 3
    assert "Evaluasi Layanan Call Center 112" in text and "sintetis" in text
    # Without a saved simulation the report runs its own: closest idle against closest idle with move-up.
    flowing = " ".join(text.split())
    assert "Simulasi kebijakan penugasan" in flowing and "Selisih berpasangan closest+moveup − closest" in flowing
    assert f"Kejadian\n{summary['incidents']}" in text
    ambulance = next(r for r in compliance if r["unit_type"] == "ambulance")
    assert f"{ambulance['n']} {100 * ambulance['travel_share']:.0f}%" in text
    # The agencies' section: the synthetic tickets of the year, per month, as the scorecard API counts them.
    assert "Tindak lanjut OPD" in text and "(sintetis)" in text
    scores = client.get(
        "/api/v1/agencies/scorecard?period=month&since=2025-01-01T00:00:00%2B07:00&until=2026-01-01T00:00:00%2B07:00"
    ).get_json()["items"]
    assert scores and all(f"{r['received']} {r['acknowledged']} {r['done']} {r['returned']}" in text for r in scores)
    page = client.get(f"{API}/report.pdf?start=2025-01-01&end=2025-12-31&include_synthetic=true")
    assert page.status_code == 200 and page.mimetype == "application/pdf"
    assert f"Kejadian\n{summary['incidents']}" in _pdf_text(page.data)
    refused = CliRunner().invoke(main, [*args[:5], "--from", "2025-03-01", "--to", "2025-02-01"])
    assert refused.exit_code == 2 and "before it starts" in refused.output


def test_chart_and_report_names_say_what_the_console_catalogue_says() -> None:
    # geo112 cannot read web/'s catalogue (dependencies point web → geo112), so its copies are held to it here.
    from web.i18n import TEXT

    for code, name in charts.DISPOSITIONS.items():
        assert TEXT[f"disposition_{code}"]["id"] == name, code
    for interval, name in INTERVAL_NAMES.items():
        assert TEXT[f"interval_{interval}"]["id"] == name, interval


def test_the_report_without_dates_covers_what_the_analytics_page_shows(client, login, history) -> None:
    """Issue 29, fault 13: the page (no dates: every incident) and its report (then: the last 30 days) differed."""
    login("planner")
    shown = client.get(f"{API}/summary?include_synthetic=true").get_json()
    page = client.get(f"{API}/report.pdf?include_synthetic=true")
    assert page.status_code == 200
    first = datetime.fromisoformat(shown["first_received_at"]).astimezone(WIB).date()  # the first local day
    assert f"geo112-laporan-{first}-" in page.headers["Content-Disposition"]
    assert f"Kejadian\n{shown['incidents']}" in _pdf_text(page.data)
