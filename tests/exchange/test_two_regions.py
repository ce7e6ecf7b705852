"""Two deployments, two region packs, one hand-off each way: Kabupaten Mojokerto (the default pack) and Kabupaten
Jombang (35.17, `region init --synthetic`), each with a database of its own and its own app, exchanging through
their APIs only, as two 112s do: the receiving 112 reads the other's feed of pending hand-offs with an account it
holds there, takes the CAP alert into its own system, and answers the hand-off there."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import select

from geo112.accounts.users import create_user
from geo112.cli import main
from geo112.config import Settings
from geo112.ingest.packs import init_pack
from geo112.region import DEFAULT_PACK, Region, load_region
from geo112.store.db import session_factory
from geo112.store.models import Agency
from tests.conftest import PASSWORD, pack_database
from tests.dispatch.conftest import MOJOSARI

API = "/api/v1"
#: A point in Jombang (Desa Kepatihan, Kec. Jombang).
JOMBANG = (112.2333, -7.5460)


@dataclass
class Deployment:
    """One 112: its pack, its app, and logged-in clients by user name."""

    region: Region
    database: str
    app: object
    clients: dict[str, tuple[FlaskClient, dict[str, str]]]

    def as_user(self, name: str) -> tuple[FlaskClient, dict[str, str]]:
        """A client of this app logged in as ``name`` (dispatcher), with its CSRF headers."""
        if name not in self.clients:
            client = self.app.test_client()  # type: ignore[attr-defined]
            token = client.get(f"{API}/auth/csrf").get_json()["csrf_token"]
            logged = client.post(f"{API}/auth/login", json={"username": name, "password": PASSWORD},
                                 headers={"X-CSRFToken": token})  # fmt: skip
            assert logged.status_code == 200, logged.get_json()
            self.clients[name] = (client, {"X-CSRFToken": logged.get_json()["csrf_token"]})
        return self.clients[name]


def _deployment(pack: Path | str, suffix: str, settings: Settings, users: tuple[str, ...]) -> Deployment:
    """A database of its own loaded from the pack (as `geo112 db upgrade && geo112 data load` do: geography,
    province, agencies, stations and demo fleet), its users
    (dispatchers), and the app serving it with GEO112_REGION set to the pack."""
    region = load_region(pack)
    url = pack_database(suffix, settings.data_dir, region)
    with session_factory(url).begin() as session:
        for name in users:
            create_user(session, name, PASSWORD, "dispatcher")
    from web import create_app

    with pytest.MonkeyPatch.context() as env:
        env.setenv("GEO112_REGION", str(pack))
        app = create_app({"TESTING": True, "GEO112_DATABASE_URL": url, "GEO112_CACHE_DIR": str(settings.cache_dir),
                          "RATELIMIT_ENABLED": False})  # fmt: skip
    return Deployment(region, url, app, {})


@pytest.fixture(scope="module")
def two(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> tuple[Deployment, Deployment]:
    """Kab. Mojokerto (database ``_a``) and Kab. Jombang (``_b``); each 112 holds an account at the other."""
    jombang = tmp_path_factory.mktemp("region_35_17")
    init_pack(settings.data_dir, "35.17", jombang, synthetic=True)
    mojokerto = _deployment(DEFAULT_PACK, "a", settings, ("dispatcher-mojokerto", "112-jombang"))
    return mojokerto, _deployment(jombang, "b", settings, ("dispatcher-jombang", "112-mojokerto"))


def _hand_over(sender: Deployment, sender_user: str, receiver: Deployment, receiver_user: str, exchange_user: str,
               point: tuple[float, float]) -> tuple[dict, dict, dict]:  # fmt: skip
    """A call placed at ``point`` on the sender, handed off; the receiver reads the sender's feed (its account
    there), takes the alert into its own system and accepts there. Returns (sent incident, received, hand-off)."""
    client, headers = sender.as_user(sender_user)
    made = client.post(f"{API}/incidents", headers=headers,
                       json={"category": "kebakaran", "lon": point[0], "lat": point[1], "priority": 1,
                             "description": "rumah terbakar", "caller_phone": "081234567890"})  # fmt: skip
    assert made.status_code == 201, made.get_json()
    incident = made.get_json()
    assert incident["handoff_code"] == receiver.region.code
    handed = client.post(f"{API}/incidents/{incident['id']}/handoff", headers=headers,
                         json={"reason": "lokasi di wilayah tetangga"})  # fmt: skip
    assert handed.status_code == 201, handed.get_json()
    handoff = handed.get_json()

    mine, _ = sender.as_user(exchange_user)  # the receiving 112's account at the sender
    feed = mine.get(f"{API}/cap/feed.atom")
    assert feed.status_code == 200
    (link,) = [m for m in re.findall(rb'href="[^"]*(/api/v1/handoffs/(\d+)/cap\.xml)"', feed.data)
               if int(m[1]) == handoff["id"]]  # fmt: skip
    alert = mine.get(link[0].decode())
    # Addressed to the receiver by its kode wilayah (the name is the sender's record of it).
    assert alert.status_code == 200
    assert (
        f"<cap:valueName>kemendagri:kabupaten</cap:valueName><cap:value>{receiver.region.code}<".encode() in alert.data
    )

    own, own_headers = receiver.as_user(receiver_user)
    received = own.post(f"{API}/cap", data=alert.data, headers={**own_headers, "Content-Type": "application/cap+xml"})
    assert received.status_code == 201, received.get_json()
    accepted = mine.post(f"{API}/handoffs/{handoff['id']}/answer", headers=sender.as_user(exchange_user)[1],
                         json={"outcome": "accepted", "note": "diterima"})  # fmt: skip
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    return incident, received.get_json()["incident"], handoff


def _desa_at(deployment: Deployment, point: tuple[float, float]) -> str:
    """The desa code the deployment's /locate gives a point (another region's desa from the province layer)."""
    client = deployment.app.test_client()  # type: ignore[attr-defined]
    answer = client.get(f"{API}/locate", query_string={"lon": point[0], "lat": point[1]}).get_json()
    return str(answer["desa"]["code"])


@pytest.mark.slow  # two databases with the province loaded: about 100 s
def test_mojokerto_hands_a_call_to_jombang_and_jombang_one_back(two: tuple[Deployment, Deployment]) -> None:
    mojokerto, jombang = two
    assert (mojokerto.region.code, jombang.region.code) == ("35.16", "35.17")

    sent, got, handoff = _hand_over(mojokerto, "dispatcher-mojokerto", jombang, "dispatcher-jombang",
                                    "112-jombang", JOMBANG)  # fmt: skip
    assert handoff["to_code"] == "35.17"
    # Jombang's system places it in the desa the point is in (its own desa now), as its own call, with what
    # Mojokerto recorded; Mojokerto's copy is closed as handed off.
    where = _desa_at(mojokerto, JOMBANG)
    assert where.startswith("35.17.") and got["desa"]["code"] == where and got["handoff"] is None
    assert got["location_match"] == "inside" and got["kecamatan"]["code"] == where[:8]
    assert (got["category"], got["priority"], got["status"]) == ("kebakaran", 1, "open")
    assert "rumah terbakar" in got["description"]
    client, _ = mojokerto.as_user("dispatcher-mojokerto")
    closed = client.get(f"{API}/incidents/{sent['id']}").get_json()
    assert (closed["status"], closed["disposition"]) == ("closed", "handed_off")

    _, returned, handoff_back = _hand_over(jombang, "dispatcher-jombang", mojokerto, "dispatcher-mojokerto",
                                              "112-mojokerto", MOJOSARI)  # fmt: skip
    assert handoff_back["to_code"] == "35.16"
    where = _desa_at(jombang, MOJOSARI)
    assert where.startswith("35.16.") and returned["desa"]["code"] == where and returned["handoff"] is None
    assert returned["kecamatan"]["name"] == "Mojosari" and returned["status"] == "open"
    # Each side's list of hand-offs shows its own, answered by the other 112's account.
    jombang_client, _ = jombang.as_user("dispatcher-jombang")
    (listed,) = jombang_client.get(f"{API}/handoffs").get_json()["items"]
    assert (listed["to_code"], listed["status"], listed["answered_by"]) == ("35.16", "accepted", "112-mojokerto")


@pytest.mark.slow
def test_jombangs_agencies_are_jombangs(two: tuple[Deployment, Deployment]) -> None:
    _, jombang = two
    with session_factory(jombang.database)() as session:
        names = dict(session.execute(select(Agency.code, Agency.name)).all())
    # The codes the migrations seed with Mojokerto's agencies are Jombang's once its pack is loaded.
    assert [n for n in names.values() if "Mojokerto" in n] == [] and names["bpbd"] == "BPBD Kabupaten Jombang"


@pytest.mark.slow
def test_jombangs_report_without_a_census_total(
    two: tuple[Deployment, Deployment], settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, jombang = two
    monkeypatch.setenv("GEO112_REGION", str(jombang.region.directory))
    out = tmp_path / "jombang.pdf"
    made = CliRunner().invoke(main, ["--database-url", jombang.database, "--cache-dir", str(settings.cache_dir),
                                     "report", "--from", "2025-01-01", "--to", "2025-12-31", "--no-simulation",
                                     "-o", str(out)])  # fmt: skip
    assert made.exit_code == 0, made.output
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(out).pages).split())
    # The pack has no population total: no desa has persons, so no share can be given (it crashed the report).
    assert "Evaluasi Layanan Call Center 112 Kabupaten Jombang" in text and "Ambulans 8 mnt 0 – 0" in text
