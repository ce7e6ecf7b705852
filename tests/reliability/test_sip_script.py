"""``scripts/sip.sh``: Kamailio with the project's configuration, started and stopped by its PID; bad settings
are refused with a message before anything starts."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from geo112.config import REPO_ROOT
from tests.softphone import free_port

SIP = REPO_ROOT / "scripts" / "sip.sh"
TOKEN = "sip-script-test-token"


def _sip(command: str, run_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    variables = {"GEO112_RUN_DIR": str(run_dir), "GEO112_PBX_TOKEN": TOKEN, **env}
    environment = {k: v for k, v in (os.environ | variables).items() if v != ""}
    return subprocess.run(["bash", str(SIP), command], env=environment, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GEO112_PBX_TOKEN": ""}, "set GEO112_PBX_TOKEN"),
        ({"GEO112_PBX_TOKEN": "short"}, "set GEO112_PBX_TOKEN"),
        ({"GEO112_PBX_TOKEN": "a token with spaces in it"}, "may hold letters"),
        ({"GEO112_SIP_PORT": "50x"}, "not a port"),
        ({"GEO112_SIP_RPC_PORT": "5071; rm"}, "GEO112_SIP_RPC_PORT is not a port"),
        ({"GEO112_SIP_EVENTS_URL": 'http://x/"; exit;'}, "not an http(s) URL"),
    ],
)
def test_bad_settings_are_refused(tmp_path: Path, env: dict[str, str], message: str) -> None:
    answer = _sip("start", tmp_path, **env)
    assert answer.returncode == 1 and message in answer.stderr
    assert _sip("status", tmp_path).returncode == 3


def test_start_writes_a_private_configuration_and_stop_ends_it(tmp_path: Path) -> None:
    if not Path("/usr/sbin/kamailio").exists():
        pytest.skip("kamailio is not installed (bash scripts/install.sh installs it)")
    port = free_port()
    started = _sip("start", tmp_path, GEO112_SIP_PORT=str(port))
    try:
        assert started.returncode == 0, started.stderr
        assert f"udp:127.0.0.1:{port}" in started.stdout
        assert _sip("start", tmp_path, GEO112_SIP_PORT=str(port)).returncode == 1  # not twice
        config = tmp_path / "sip" / "kamailio.cfg"
        assert stat.S_IMODE(config.stat().st_mode) == 0o600  # it holds the token
        text = config.read_text()
        assert f"Bearer {TOKEN}" in text and "@SIP_PORT@" not in text and "@TOKEN@" not in text
        pid = int((tmp_path / "sip" / "kamailio.pid").read_text())
        assert _sip("status", tmp_path).returncode == 0
    finally:
        stopped = _sip("stop", tmp_path)
    assert stopped.returncode == 0 and _sip("status", tmp_path).returncode == 3
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
