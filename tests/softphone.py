"""Scripted SIP phones for the tests, the benchmark and the demo: Debian's baresip, one process per phone.

A phone is an account on the project's Kamailio (``scripts/sip.sh``): an operator's phone registers and answers
when told (or by itself), a caller's phone dials 112 with its number as the SIP user. Each phone has its own
SIP port and a control port (baresip's ``ctrl_tcp``: netstring-framed JSON commands) for scripted answer,
hang-up and dialling. Audio is 8 kHz silence played from a WAV file (``ausine`` only does 48 kHz,
which G.711 cannot carry: ``../shared/notes-sip-on-loopback.md``); what is heard goes to ``/dev/null``.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import wave
from pathlib import Path

BARESIP = "/usr/bin/baresip"
MODULES = ("g711.so", "aufile.so")
APP_MODULES = ("account.so", "ctrl_tcp.so", "menu.so")
#: Seconds of silence a phone sends: baresip ends the call when its source file ends.
SILENCE_S = 60


def free_port() -> int:
    """A port free on 127.0.0.1 for UDP and TCP, with the next one free for TCP too (baresip's TLS)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
        try:
            for kind, number in ((socket.SOCK_STREAM, port), (socket.SOCK_STREAM, port + 1)):
                with socket.socket(socket.AF_INET, kind) as check:
                    check.bind(("127.0.0.1", number))
            return port
        except OSError:
            continue


def _silence(path: Path) -> Path:
    """Ten minutes of 8 kHz mono silence: the phones' microphone."""
    if not path.exists():
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(8000)
            out.writeframes(b"\0\0" * 8000 * SILENCE_S)
    return path


class Softphone:
    """One baresip phone: ``user`` at the SIP server on ``server_port``, listening on ``sip_port``/``ctrl_port``.

    Parameters
    ----------
    user
        The account's user: an operator phone's extension (``op1``) or a caller's number (``081234567890``).
    server_port
        The Kamailio's UDP port on 127.0.0.1.
    sip_port, ctrl_port
        This phone's own ports on 127.0.0.1.
    directory
        Where its configuration goes (one folder per phone).
    register
        True for an operator phone (it registers; calls to it ring it).
    auto_answer
        True: an operator phone answers every call by itself.
    rtp_ports
        The first and last port of its media (two per call); default four from ``sip_port + 1000``.
    """

    def __init__(self, user: str, server_port: int, sip_port: int, ctrl_port: int, directory: Path,
                 register: bool = False, auto_answer: bool = False,
                 rtp_ports: tuple[int, int] | None = None) -> None:  # fmt: skip
        self.user, self.server_port, self.ctrl_port = user, server_port, ctrl_port
        self.directory = directory / f"{user}-{sip_port}"
        self.directory.mkdir(parents=True, exist_ok=True)
        source = _silence(directory / "silence-8k.wav")
        first, last = rtp_ports or (sip_port + 1000, sip_port + 1003)
        modules = "\n".join([f"module {m}" for m in MODULES] + [f"module_app {m}" for m in APP_MODULES])
        (self.directory / "config").write_text(
            f"poll_method epoll\nsip_listen 127.0.0.1:{sip_port}\nmodule_path /usr/lib/baresip/modules\n{modules}\n"
            f"audio_source aufile,{source}\naudio_player aufile,/dev/null\naudio_alert aufile,/dev/null\n"
            f"ctrl_tcp_listen 127.0.0.1:{ctrl_port}\nrtp_ports {first}-{last}\n"
            "sip_trans_def udp\ncall_max_calls 32\n"
        )
        options = ";regint=60" if register else ";regint=0"
        options += ";answermode=auto" if auto_answer else ";answermode=manual"
        (self.directory / "accounts").write_text(f"<sip:{user}@127.0.0.1:{server_port};transport=udp>{options}\n")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> Softphone:
        """Start baresip and wait until its control port answers (and, for an operator, it registered)."""
        log = (self.directory / "baresip.log").open("wb")
        self.process = subprocess.Popen(
            [BARESIP, "-4", "-n", "127.0.0.1", "-f", str(self.directory)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"baresip {self.user} did not start: {(self.directory / 'baresip.log').read_text()}")

    def command(self, command: str, params: str = "") -> dict[str, object]:
        """Send one command (``dial``, ``accept``, ``hangup``, ``reginfo``…) and return baresip's answer."""
        payload = json.dumps({"command": command, "params": params, "token": command}).encode()
        with socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=5) as connection:
            connection.sendall(b"%d:%s," % (len(payload), payload))
            reader = connection.makefile("rb")
            while True:  # events may come first; the answer carries our token
                answer = _read_netstring(reader)
                if answer.get("response") and answer.get("token") == command:
                    return answer

    def dial(self, number: str = "112") -> None:
        """Call ``number`` at the server."""
        self.command("dial", f"sip:{number}@127.0.0.1:{self.server_port}")

    def answer(self) -> None:
        """Take the ringing call."""
        self.command("accept")

    def hang_up(self) -> None:
        """End (or cancel) the current call."""
        self.command("hangup")

    def registered(self) -> bool:
        """Whether the phone's registration is in place (its ``reginfo`` says OK)."""
        return "OK" in str(self.command("reginfo").get("data", ""))

    def stop(self) -> None:
        """Stop the baresip process (by its PID)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def _read_netstring(reader: object) -> dict[str, object]:
    """One netstring-framed JSON message from baresip's control connection."""
    length = b""
    while (byte := reader.read(1)) != b":":  # type: ignore[attr-defined]
        if not byte:
            raise ConnectionError("baresip closed the control connection")
        length += byte
    data = reader.read(int(length))  # type: ignore[attr-defined]
    reader.read(1)  # type: ignore[attr-defined]  # the trailing comma
    answer: dict[str, object] = json.loads(data)
    return answer
