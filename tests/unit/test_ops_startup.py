"""Start-up faults, tried with real processes: each ends in one line, the right status, no token.

A fault must end the process within ``BOT_STARTUP_TIMEOUT_SECONDS`` (3 here); the subprocess
timeout is only a guard against a hang, not a timing assertion.
"""

import http.server
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from tests.conftest import offline_config
from tests.support.emulator import BotAPIEmulator

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:SECRET-startup-token-never-printed"
SECRET = TOKEN.split(":", 1)[1]
HANG_GUARD = 40  # seconds: far beyond the 3 s deadline; reached only if the bot hangs
# A server that does answer (the emulator, a web server) must be told apart from a silent one
# however loaded the machine is: those runs get a deadline they never need to reach.
ANSWERING = {"BOT_STARTUP_TIMEOUT_SECONDS": "20"}


def bot_environment(tmp_path, **values):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    environment.update({"BOT_TOKEN": TOKEN, "BOT_CONFIG": str(offline_config(tmp_path)),
                        "BOT_DATABASE": str(tmp_path / "bot.sqlite3"),
                        "BOT_STARTUP_TIMEOUT_SECONDS": "3",
                        "BOT_API_URL": "http://127.0.0.1:9/bot"})
    environment.update(values)
    return environment


def run_bot(environment, **kwargs):
    return subprocess.run([sys.executable, "-m", "child_report_bot"], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=HANG_GUARD, **kwargs)


def assert_one_line(result, status, *words):
    output = result.stdout + result.stderr
    lines = output.strip().splitlines()
    assert result.returncode == status, output
    assert len(lines) == 1, output
    assert "Traceback" not in output and SECRET not in output
    for word in words:
        assert word in lines[0], lines[0]


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends


def test_a_closed_port_is_an_unreachable_bot_api(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/bot"
    assert_one_line(run_bot(bot_environment(tmp_path, BOT_API_URL=url)), 3, "BOT_API_URL")


@pytest.fixture
def silent_server():
    """A socket that accepts connections and never says a word (a SOCKS proxy gone quiet)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted, stop = [], threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def test_a_silent_socks_proxy_ends_the_start(tmp_path, silent_server):
    environment = bot_environment(tmp_path, BOT_PROXY=f"socks5://127.0.0.1:{silent_server}")
    assert_one_line(run_bot(environment), 3, "BOT_PROXY", "did not answer")


def test_a_socks4_proxy_is_a_wrong_setting(tmp_path):
    environment = bot_environment(tmp_path, BOT_PROXY="socks4://127.0.0.1:1080")
    assert_one_line(run_bot(environment), 2, "BOT_PROXY")


def test_a_rejected_token_is_named_by_its_bot_id_only(tmp_path):
    with BotAPIEmulator(token="999:the-only-token-it-knows") as emu:
        result = run_bot(bot_environment(tmp_path, BOT_API_URL=emu.base_url, **ANSWERING))
    assert_one_line(result, 2, "BOT_TOKEN", "123456")


def test_a_web_server_that_is_not_a_bot_api_is_a_wrong_api_url(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/wrong/bot"
        result = run_bot(bot_environment(tmp_path, BOT_API_URL=url, **ANSWERING),
                         stdin=subprocess.DEVNULL)
    finally:
        server.shutdown()
        server.server_close()
    assert_one_line(result, 2, "BOT_API_URL", "does not answer as a Bot API")


def test_a_file_that_is_not_sqlite(tmp_path):
    database = tmp_path / "bot.sqlite3"
    database.write_bytes(b"these are notes, not a database\n" * 200)
    assert_one_line(run_bot(bot_environment(tmp_path)), 2, "BOT_DATABASE", "not an SQLite")


def test_a_database_under_proc(tmp_path):
    environment = bot_environment(tmp_path, BOT_DATABASE="/proc/child-report/bot.sqlite3")
    assert_one_line(run_bot(environment), 2, "BOT_DATABASE")


def read_only_mount(folder):
    """The bot's command inside a private mount namespace where ``folder`` is mounted read-only."""
    inner = (f"mount --bind -o ro {folder} {folder} && exec {sys.executable} -m child_report_bot")
    return ["unshare", "--mount", "sh", "-c", inner]


def can_mount():
    try:
        return subprocess.run(["unshare", "--mount", "true"], capture_output=True,
                              timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(not can_mount(), reason="needs a private mount namespace (unshare)")
def test_an_existing_database_on_a_read_only_mount():
    folder = Path(tempfile.mkdtemp(prefix="ro-db-"))
    database = folder / "bot.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE t (x)")
    environment = bot_environment(folder, BOT_DATABASE=str(database))
    result = subprocess.run(read_only_mount(folder), cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=HANG_GUARD)
    assert_one_line(result, 2, "BOT_DATABASE", "read-only")


def test_a_misspelled_variable_is_named_with_the_closest_setting(tmp_path):
    result = run_bot(bot_environment(tmp_path, BOT_LOGLEVEL="DEBUG"))
    assert "BOT_LOGLEVEL" in result.stderr and "BOT_LOG_LEVEL" in result.stderr
    assert result.returncode == 3 and "Traceback" not in result.stderr


def test_a_second_instance_on_the_same_database_refuses_to_start(tmp_path):
    with BotAPIEmulator() as emu:
        environment = bot_environment(tmp_path, BOT_API_URL=emu.base_url,
                                      BOT_FILE_URL=emu.file_base_url, **ANSWERING)
        first = subprocess.Popen([sys.executable, "-m", "child_report_bot"], cwd=ROOT,
                                 env=environment, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        try:
            emu.wait_for(lambda call: call.method == "getUpdates", timeout=30)
            second = run_bot(environment)
        finally:
            first.terminate()
            first.wait(timeout=30)
    assert_one_line(second, 2, "BOT_DATABASE", "another instance")


def test_debug_logs_never_hold_the_token(tmp_path):
    with BotAPIEmulator() as emu:
        environment = bot_environment(tmp_path, BOT_API_URL=emu.base_url,
                                      BOT_FILE_URL=emu.file_base_url, BOT_LOG_LEVEL="DEBUG",
                                      BOT_LOG_FORMAT="json", **ANSWERING)
        log = tmp_path / "bot.log"  # a file, not a pipe: DEBUG output would fill a pipe and stall
        with log.open("w") as sink:
            process = subprocess.Popen([sys.executable, "-m", "child_report_bot"], cwd=ROOT,
                                       env=environment, stdout=sink, stderr=subprocess.STDOUT,
                                       text=True)
            try:
                emu.wait_for(lambda call: call.method == "getUpdates", timeout=30)
            finally:
                process.terminate()
                process.wait(timeout=30)
        output = log.read_text()
    assert "getUpdates" in output or "getMe" in output  # DEBUG did log the requests
    assert SECRET not in output
    import json
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert records and {"time", "level", "logger", "message"} <= set(records[0])
