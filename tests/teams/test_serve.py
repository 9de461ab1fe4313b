"""`alliance-bot serve` with only Teams configured: POST /api/messages is served, guarded by the token check."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

TEAMS = {
    "TEAMS_APP_ID": "0b0b0b0b-1111-4111-8111-111111111111",
    "TEAMS_APP_PASSWORD": "a-client-secret",
    "TEAMS_TENANT_ID": "a1a1a1a1-0000-4000-8000-00000000ac3e",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, method: str, path: str, body: bytes | None = None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, path, body=body, headers={"Content-Type": "application/json"})
        return connection.getresponse().status
    finally:
        connection.close()


def test_serve_with_teams_alone_answers_on_api_messages(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        **TEAMS,
        "TEAMS_PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = _get(port, "GET", "/healthz")
                break
            except OSError:
                assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
                assert time.monotonic() < deadline, "serve did not listen within a minute"
                time.sleep(0.2)
        assert health == 200
        # No Bot Framework token: refused before anything is read or stored.
        assert _get(port, "POST", "/api/messages", b'{"type": "message"}') == 401
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
