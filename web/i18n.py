"""User-interface text in Bahasa Indonesia (the dispatchers' language) and English.

The language comes from ``?lang=`` (remembered in the session), then the browser's preference; Indonesian
is the default. Templates call ``t("key")``; a missing key shows the key itself, which tests catch.
"""

from __future__ import annotations

from flask import Flask, request, session

LANGUAGES = ("id", "en")

TEXT: dict[str, dict[str, str]] = {
    "login": {"id": "Masuk", "en": "Log in"},
    "logout": {"id": "Keluar", "en": "Log out"},
    "username": {"id": "Nama pengguna", "en": "Username"},
    "password": {"id": "Kata sandi", "en": "Password"},
    "login_failed": {"id": "Nama pengguna atau kata sandi salah.", "en": "Wrong username or password."},
    "synthetic_network": {
        "id": "Jaringan jalan SINTETIS (bukan OpenStreetMap): waktu tempuh hanya untuk demo.",
        "en": "SYNTHETIC road network (not OpenStreetMap): travel times are for demonstration only.",
    },
    "home": {"id": "Beranda", "en": "Home"},
    "home_title": {"id": "Layar kerja", "en": "Screens"},
    "home_console": {"id": "Peta, penerimaan panggilan, unit dan insiden", "en": "Map, call intake, units and incidents"},
    "home_planner": {"id": "Cakupan waktu tempuh per jenis unit", "en": "Travel-time coverage per unit type"},
    "nav_console": {"id": "Konsol dispatcher", "en": "Dispatcher console"},
    "nav_planner": {"id": "Perencanaan", "en": "Planning"},
    # Map layers
    "layer_desa": {"id": "Batas desa/kelurahan", "en": "Desa/kelurahan boundaries"},
    "layer_kecamatan": {"id": "Batas kecamatan", "en": "Kecamatan boundaries"},
    "layer_enclave": {"id": "Kota Mojokerto (enklave, 112 sendiri)", "en": "Kota Mojokerto (enclave, own 112)"},
    "layer_gap": {"id": "Celah cakupan", "en": "Coverage gap"},
    "layer_incidents": {"id": "Insiden terbuka", "en": "Open incidents"},
    "layer_units": {"id": "Unit", "en": "Units"},
    "layer_intake": {"id": "Lokasi panggilan baru", "en": "New call location"},
    "layer_coverage": {"id": "Cakupan", "en": "Coverage"},
    "layer_stations": {"id": "Pos/markas", "en": "Stations"},
    "layer_route": {"id": "Rute", "en": "Route"},
    "layer_incident": {"id": "Lokasi insiden", "en": "Incident location"},
    "layer_unit": {"id": "Posisi unit", "en": "Unit position"},
    "layer_tiles": {"id": "Peta dasar", "en": "Base map"},
    # Console
    "tab_intake": {"id": "Panggilan baru", "en": "New call"},
    "tab_incidents": {"id": "Insiden", "en": "Incidents"},
    "tab_units": {"id": "Unit", "en": "Units"},
    "location": {"id": "Lokasi", "en": "Location"},
    "intake_hint": {"id": "Klik peta, cari desa atau jalan, atau ketik koordinat.",
                    "en": "Click the map, search a desa or street, or type coordinates."},
    "search_placeholder": {"id": "Cari desa, kecamatan atau jalan…", "en": "Search desa, kecamatan or street…"},
    "latitude": {"id": "Lintang", "en": "Latitude"},
    "longitude": {"id": "Bujur", "en": "Longitude"},
    "go": {"id": "Tempatkan", "en": "Place"},
    "desa": {"id": "Desa/kelurahan", "en": "Desa/kelurahan"},
    "kecamatan": {"id": "Kecamatan", "en": "Kecamatan"},
    "jurisdiction": {"id": "Wilayah 112", "en": "112 jurisdiction"},
    "road_distance": {"id": "Jarak ke jalan terdekat", "en": "Distance to nearest road"},
    "outside": {"id": "di luar wilayah", "en": "outside the area"},
    "nearest_desa": {"id": "terdekat", "en": "nearest"},
    "handoff": {"id": "Serahkan ke", "en": "Hand off to"},
    "call": {"id": "Panggilan", "en": "Call"},
    "category": {"id": "Kategori", "en": "Category"},
    "priority": {"id": "Prioritas", "en": "Priority"},
    "priority_1": {"id": "nyawa terancam", "en": "life at risk"},
    "priority_2": {"id": "mendesak", "en": "urgent"},
    "priority_3": {"id": "tidak mendesak", "en": "not urgent"},
    "caller_name": {"id": "Nama penelepon", "en": "Caller name"},
    "caller_phone": {"id": "Nomor penelepon", "en": "Caller phone"},
    "address": {"id": "Alamat/patokan", "en": "Address/landmark"},
    "notes": {"id": "Catatan", "en": "Notes"},
    "save_incident": {"id": "Simpan insiden", "en": "Save incident"},
    "clear": {"id": "Kosongkan", "en": "Clear"},
    "need_location": {"id": "Tentukan lokasi dulu.", "en": "Place the incident first."},
    "bad_coordinates": {"id": "Koordinat tidak valid.", "en": "Invalid coordinates."},
    "no_results": {"id": "Tidak ditemukan.", "en": "Nothing found."},
    "street": {"id": "jalan", "en": "street"},
    "show_closed": {"id": "Tampilkan yang sudah ditutup", "en": "Show closed"},
    "agency": {"id": "Instansi", "en": "Agency"},
    "unit_type": {"id": "Jenis unit", "en": "Unit type"},
    "all": {"id": "Semua", "en": "All"},
    "unit": {"id": "Unit", "en": "Unit"},
    "status": {"id": "Status", "en": "Status"},
    "since": {"id": "Sejak", "en": "Since"},
    "incident": {"id": "Insiden", "en": "Incident"},
    "minutes": {"id": "menit", "en": "minutes"},
    "show": {"id": "Tampilkan", "en": "Show"},
    "live_ok": {"id": "Langsung", "en": "Live"},
    "live_lost": {"id": "Koneksi terputus, mencoba lagi…", "en": "Connection lost, retrying…"},
}


def language() -> str:
    """The language of this request."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
        return chosen
    return session.get("lang") or request.accept_languages.best_match(LANGUAGES) or "id"


def translate(key: str) -> str:
    """The text for ``key`` in the request's language."""
    entry = TEXT.get(key)
    return entry.get(language(), entry["id"]) if entry else key


def ui_texts() -> dict[str, str]:
    """Every text in the request's language, for the pages' scripts (embedded as JSON)."""
    lang = language()
    return {key: entry.get(lang, entry["id"]) for key, entry in TEXT.items()}


def init_app(app: Flask) -> None:
    """Make ``t()``, ``ui_texts()`` and ``lang`` available in templates."""
    app.jinja_env.globals["t"] = translate
    app.jinja_env.globals["ui_texts"] = ui_texts
    app.context_processor(lambda: {"lang": language()})
