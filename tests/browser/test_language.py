"""The Indonesian UI shows no English and no raw codes: every page walked in ``id``, its rendered text checked
against the catalogue's English-only texts and for snake_case codes (agency, unit type, status codes)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PHONE, open_map_page
from tests.browser.test_offline import responder_url
from web.i18n import TEXT

# English texts that are not also the Indonesian ones (names such as "BPBD" are both), whole phrases only.
ENGLISH = sorted(
    {v["en"] for v in TEXT.values() if v["en"] != v["id"] and "{" not in v["en"] and len(v["en"].split()) >= 2}
)
RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
#: Names of data sources in the map attribution (a repository is called what it is called).
SOURCES = {"wilayah_boundaries"}
PAGES = [("dispatcher", "/console"), ("planner", "/planner"), ("planner", "/planner/analytics")]


def _assert_indonesian(page, where: str) -> None:
    shown = page.locator("body").inner_text()
    english = [phrase for phrase in ENGLISH if phrase in shown]
    assert english == [], f"English on {where}: {english}"
    codes = [c for c in RAW_CODE.findall(shown) if c not in SOURCES]
    assert codes == [], f"raw codes on {where}: {codes}"


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_map_pages_speak_indonesian(open_session, role: str, path: str) -> None:
    session = open_session(role)
    page = open_map_page(session, path, 30_000)
    if path == "/console":
        for tab in ("incidents", "units"):  # the hidden tabs' texts too
            page.click(f"[data-tab={tab}]")
            page.wait_for_timeout(300)
            _assert_indonesian(page, f"{path} ({tab})")
    _assert_indonesian(page, path)


def test_the_responder_page_speaks_indonesian(open_session) -> None:
    link = responder_url(open_session("dispatcher"))
    page = open_map_page(open_session(None, device=PHONE), link)
    _assert_indonesian(page, "the responder page")
