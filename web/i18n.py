"""User-interface text in Bahasa Indonesia (the dispatchers' language) and English.

The language comes from ``?lang=`` (remembered in the session); Indonesian
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
    "home_console": {
        "id": "Peta, penerimaan panggilan, unit dan insiden",
        "en": "Map, call intake, units and incidents",
    },
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
    "intake_hint": {
        "id": "Klik peta, cari desa atau jalan, atau ketik koordinat.",
        "en": "Click the map, search a desa or street, or type coordinates.",
    },
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
    "change_status": {"id": "Ubah status", "en": "Change status"},
    "position_stale": {"id": "Posisi sudah lama (AVL tidak diperbarui)", "en": "Position is stale (no recent AVL fix)"},
    "details": {"id": "Rincian", "en": "Details"},
    "timeline": {"id": "Linimasa", "en": "Timeline"},
    "recommend": {"id": "Rekomendasi unit", "en": "Recommend units"},
    "recommendations": {"id": "Rekomendasi", "en": "Recommendations"},
    "assign": {"id": "Tugaskan", "en": "Assign"},
    "assigned": {"id": "Sudah ditugaskan", "en": "Assigned"},
    "optional": {"id": "opsional", "en": "optional"},
    "not_proposed": {"id": "Lebih dekat tapi tidak diusulkan", "en": "Nearer but not proposed"},
    "no_unit_available": {
        "id": "Tidak ada unit tersedia yang dapat mencapai lokasi.",
        "en": "No available unit can reach the location.",
    },
    "no_requirements": {"id": "Kategori ini tidak memerlukan unit.", "en": "This category needs no unit."},
    "responder_link": {"id": "Tautan petugas", "en": "Responder link"},
    "assign_held": {
        "id": "{unit} sudah ditugaskan ke insiden #{incident}.",
        "en": "{unit} is already assigned to incident #{incident}.",
    },
    "assign_unavailable": {
        "id": "{unit} tidak tersedia (status: {status}).",
        "en": "{unit} is not available (status: {status}).",
    },
    "status_refused": {
        "id": "{unit} berstatus {status}, tidak bisa menjadi {new}.",
        "en": "{unit} is {status} and cannot become {new}.",
    },
    "status_failed": {
        "id": "Status {unit} gagal diubah: {detail}",
        "en": "Could not change the status of {unit}: {detail}",
    },
    "copy": {"id": "Salin", "en": "Copy"},
    "copied": {"id": "Tersalin", "en": "Copied"},
    "gap_summary": {
        "id": "{km} km jalan ({pct}%) di luar jangkauan dari {n} unit tersedia.",
        "en": "{km} km of road ({pct}%) beyond reach of {n} available units.",
    },
    "reason_busy": {"id": "sedang bertugas", "en": "busy"},
    "reason_out_of_service": {"id": "tidak beroperasi", "en": "out of service"},
    "reason_stale_position": {"id": "posisi usang", "en": "stale position"},
    "reason_off_road": {"id": "jauh dari jalan", "en": "far from any road"},
    "reason_assigned_here": {"id": "sudah ditugaskan ke sini", "en": "already assigned here"},
    "reason_no_position": {"id": "posisi tidak diketahui", "en": "no known position"},
    "reason_unreachable": {"id": "tidak ada jalan ke lokasi", "en": "no road to the location"},
    "event_assignment.acknowledged": {"id": "Petugas menerima tugas", "en": "Responder acknowledged"},
    "phase_received": {"id": "Diterima", "en": "Received"},
    "phase_dispatched": {"id": "Ditugaskan", "en": "Dispatched"},
    "phase_en_route": {"id": "Menuju lokasi", "en": "En route"},
    "phase_on_scene": {"id": "Di lokasi", "en": "On scene"},
    "phase_cleared": {"id": "Selesai di lokasi", "en": "Cleared"},
    "phase_closed": {"id": "Ditutup", "en": "Closed"},
    "status_available": {"id": "Siaga", "en": "Available"},
    "status_dispatched": {"id": "Ditugaskan", "en": "Dispatched"},
    "status_en_route": {"id": "Menuju lokasi", "en": "En route"},
    "status_on_scene": {"id": "Di lokasi", "en": "On scene"},
    "status_transporting": {"id": "Mengantar pasien", "en": "Transporting"},
    "status_returning": {"id": "Kembali", "en": "Returning"},
    "status_out_of_service": {"id": "Tidak beroperasi", "en": "Out of service"},
    "type_ambulance": {"id": "Ambulans", "en": "Ambulance"},
    "type_fire_truck": {"id": "Mobil pemadam", "en": "Fire truck"},
    "type_rescue": {"id": "Rescue BPBD", "en": "BPBD rescue"},
    "type_satpol_pp_patrol": {"id": "Patroli Satpol PP", "en": "Satpol PP patrol"},
    "type_police_patrol": {"id": "Patroli polisi", "en": "Police patrol"},
    "coverage_title": {"id": "Cakupan waktu tempuh", "en": "Travel-time coverage"},
    "threshold": {"id": "Batas waktu T (menit)", "en": "Threshold T (minutes)"},
    "population": {"id": "Penduduk", "en": "Population"},
    "covered": {"id": "Terjangkau", "en": "Covered"},
    "coverage_unavailable": {
        "id": "Analisis cakupan belum tersedia di server ini.",
        "en": "Coverage analysis is not available on this server yet.",
    },
    "coverage_mode": {"id": "Dasar", "en": "Basis"},
    "mode_live": {"id": "Unit tersedia sekarang", "en": "Available units now"},
    "mode_stations": {"id": "Semua unit di pos", "en": "All units at their stations"},
    "uncovered": {"id": "Tidak terjangkau", "en": "Uncovered"},
    "double_coverage": {"id": "Cakupan ganda", "en": "Double coverage"},
    "expected_coverage": {"id": "Cakupan harapan (MEXCLP)", "en": "Expected coverage (MEXCLP)"},
    "export": {"id": "Unduh", "en": "Download"},
    "whatif_title": {"id": "Bagaimana jika", "en": "What if"},
    "whatif_hint": {
        "id": "Klik peta untuk titik pos baru/tujuan pindah.",
        "en": "Click the map for a new or moved post.",
    },
    "whatif_add": {"id": "Tambah pos di titik", "en": "Add post at the point"},
    "whatif_move": {"id": "Pindahkan pos ke titik", "en": "Move station to the point"},
    "whatif_remove": {"id": "Hapus pos", "en": "Remove station"},
    "units_count": {"id": "Jumlah unit", "en": "Units"},
    "station": {"id": "Pos", "en": "Station"},
    "run": {"id": "Hitung", "en": "Run"},
    "before": {"id": "Sebelum", "en": "Before"},
    "after": {"id": "Sesudah", "en": "After"},
    "siting_title": {"id": "Lokasi pos baru", "en": "Siting new posts"},
    "siting_method": {"id": "Metode", "en": "Method"},
    "siting_p": {"id": "Pos baru", "en": "New posts"},
    "candidates_existing": {"id": "Fasilitas yang ada", "en": "Existing facilities"},
    "candidates_planned": {"id": "Pos Damkar rencana", "en": "Planned Damkar posts"},
    "candidates_desa": {"id": "Pusat desa", "en": "Desa centres"},
    "only_here": {"id": "Hanya dijangkau dari sini", "en": "Covered only from here"},
    "action_acknowledged": {"id": "Terima tugas", "en": "Acknowledge"},
    "action_en_route": {"id": "Berangkat", "en": "En route"},
    "action_on_scene": {"id": "Tiba di lokasi", "en": "On scene"},
    "action_transporting": {"id": "Mengantar pasien", "en": "Transporting"},
    "action_cleared": {"id": "Selesai", "en": "Cleared"},
    "assignment_ended": {"id": "Tugas ini sudah selesai.", "en": "This assignment has ended."},
    "navigate": {"id": "Navigasi dengan", "en": "Navigate with"},
    "other_app": {"id": "Aplikasi lain", "en": "Other app"},
    "disposition": {"id": "Hasil penanganan", "en": "Disposition"},
    "close_incident": {"id": "Tutup insiden", "en": "Close incident"},
    "disposition_handled": {"id": "Ditangani", "en": "Handled"},
    "disposition_transported": {"id": "Pasien diantar", "en": "Patient transported"},
    "disposition_no_action_needed": {"id": "Tidak perlu tindakan", "en": "No action needed"},
    "disposition_false_alarm": {"id": "Alarm palsu", "en": "False alarm"},
    "disposition_prank": {"id": "Panggilan iseng", "en": "Prank call"},
    "disposition_ghost_call": {"id": "Panggilan kosong", "en": "Ghost call"},
    "disposition_duplicate": {"id": "Duplikat", "en": "Duplicate"},
    "disposition_handed_off": {"id": "Diserahkan ke 112 lain", "en": "Handed off to another 112"},
    "disposition_cancelled": {"id": "Dibatalkan", "en": "Cancelled"},
    "event_incident.created": {"id": "Insiden dicatat", "en": "Incident recorded"},
    "event_incident.updated": {"id": "Insiden diubah", "en": "Incident edited"},
    "event_incident.closed": {"id": "Insiden ditutup", "en": "Incident closed"},
    "event_assignment.created": {"id": "Unit ditugaskan", "en": "Unit assigned"},
    "event_unit.status": {"id": "Status unit berubah", "en": "Unit status changed"},
    "event_unit.position": {"id": "Posisi unit", "en": "Unit position"},
    # Incident analytics (web/analytics.py)
    "nav_analytics": {"id": "Analisis insiden", "en": "Incident analytics"},
    "analytics_title": {"id": "Analisis riwayat insiden", "en": "Incident history analytics"},
    "analytics_synthetic_banner": {
        "id": "Angka ini memuat riwayat insiden SINTETIS (dibuat untuk demo, bukan panggilan nyata).",
        "en": "These figures include SYNTHETIC incident history (generated for the demo, not real calls).",
    },
    "analytics_only_synthetic": {
        "id": "Belum ada insiden nyata untuk filter ini; insiden sintetis tersedia:",
        "en": "No real incidents match these filters; synthetic incidents available:",
    },
    "analytics_from": {"id": "Dari tanggal", "en": "From"},
    "analytics_to": {"id": "Sampai tanggal", "en": "To"},
    "analytics_all": {"id": "Semua", "en": "All"},
    "analytics_include_synthetic": {"id": "Sertakan riwayat sintetis", "en": "Include synthetic history"},
    "analytics_incidents": {"id": "Insiden", "en": "Incidents"},
    "analytics_synthetic": {"id": "Sintetis", "en": "Synthetic"},
    "analytics_counts": {"id": "Jumlah per", "en": "Counts by"},
    "analytics_intervals": {"id": "Waktu respons", "en": "Response intervals"},
    "analytics_interval": {"id": "Selang", "en": "Interval"},
    "analytics_median": {"id": "Median", "en": "Median"},
    "analytics_p90": {"id": "Persentil 90", "en": "90th percentile"},
    "analytics_compliance": {"id": "Kedatangan unit pertama dalam batas T", "en": "First unit within threshold T"},
    "analytics_travel": {"id": "Perjalanan ≤ T", "en": "Travel ≤ T"},
    "analytics_response": {"id": "Sejak panggilan ≤ T", "en": "From call ≤ T"},
    "analytics_export": {"id": "Unduh CSV", "en": "Download CSV"},
    "analytics_empty": {"id": "Tidak ada insiden untuk filter ini.", "en": "No incidents match these filters."},
    "layer_heat": {"id": "Kepadatan insiden", "en": "Incident density"},
    "interval_call_to_dispatch": {"id": "Panggilan → penugasan", "en": "Call → dispatch"},
    "interval_turnout": {"id": "Penugasan → berangkat", "en": "Dispatch → en route"},
    "interval_travel": {"id": "Perjalanan", "en": "Travel"},
    "interval_dispatch_to_scene": {"id": "Penugasan → tiba", "en": "Dispatch → on scene"},
    "interval_response": {"id": "Panggilan → tiba", "en": "Call → on scene"},
    "interval_on_scene": {"id": "Di lokasi", "en": "On scene"},
    "interval_total": {"id": "Panggilan → ditutup", "en": "Call → closed"},
}


def language() -> str:
    """The language of this request."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
        return chosen
    # Not the browser's preference: the centre's PCs often run English browsers, and the shift speaks Indonesian.
    return session.get("lang") or "id"


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
