"""The SMS gateways: the HTTP adapter against a fake gateway on 127.0.0.1, file and console."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from forlob.notifications.gateways import (
    ConsoleSmsGateway,
    FileSmsGateway,
    HttpSmsGateway,
    PermanentError,
    TransientError,
    sms_gateway,
)


@dataclass
class FakeGateway:
    """What the fake answers next, and every request it received."""

    url: str
    status: int = 200
    body: bytes = b'{"ids": [421332671], "usage": {"countries": {"DK": 1}, "currency": "DKK"}}'
    delay: float = 0.0
    requests: list[dict] = field(default_factory=list)


@pytest.fixture
def fake() -> Iterator[FakeGateway]:
    state = FakeGateway(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            state.requests.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers),
                    "json": json.loads(self.rfile.read(length)),
                }
            )
            if state.delay:
                time.sleep(state.delay)
            try:
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(state.body)))
                self.end_headers()
                self.wfile.write(state.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, *args: object) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/rest/mtsms"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def gateway(fake: FakeGateway, **kwargs: object) -> HttpSmsGateway:
    options: dict = {"url": fake.url, "sender": "Randers", "user": "API-TOKEN", "timeout": 2.0}
    options.update(kwargs)
    return HttpSmsGateway(**options)


def test_success_posts_gatewayapi_json_and_returns_the_id(fake):
    message_id = gateway(fake).send("4512345678", "Påmindelse: kl. 10.00")
    assert message_id == "421332671"
    [request] = fake.requests
    assert request["path"] == "/rest/mtsms"
    assert request["json"] == {
        "sender": "Randers",
        "message": "Påmindelse: kl. 10.00",
        "recipients": [{"msisdn": 4512345678}],
    }
    assert request["headers"]["Content-Type"] == "application/json"
    # GatewayAPI's basic authentication: the token as user name, empty password.
    expected = base64.b64encode(b"API-TOKEN:").decode()
    assert request["headers"]["Authorization"] == f"Basic {expected}"


def test_bearer_token(fake):
    gateway(fake, user="", token="s3cret").send("4512345678", "Hej")
    assert fake.requests[0]["headers"]["Authorization"] == "Bearer s3cret"


@pytest.mark.parametrize("status", [400, 401, 403, 422])
def test_4xx_is_permanent_with_the_gateways_reason(fake, status):
    fake.status = status
    fake.body = b'{"code": "0x0213", "message": "Invalid recipient", "incident_uuid": "x"}'
    with pytest.raises(PermanentError) as exc:
        gateway(fake).send("4512345678", "Hej")
    assert str(exc.value) == f"HTTP {status}: Invalid recipient"


@pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
def test_5xx_and_rate_limits_are_transient(fake, status):
    fake.status = status
    fake.body = b"Service Unavailable"
    with pytest.raises(TransientError) as exc:
        gateway(fake).send("4512345678", "Hej")
    assert str(exc.value) == f"HTTP {status}: Service Unavailable"


def test_timeout_is_transient(fake):
    fake.delay = 1.0
    started = time.monotonic()
    with pytest.raises(TransientError, match=r"no answer within 0\.2 s"):
        gateway(fake, timeout=0.2).send("4512345678", "Hej")
    assert time.monotonic() - started < 0.9


def test_unreachable_gateway_is_transient(fake):
    # A port nobody listens on: bind one, close it, use it.
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TransientError, match="unreachable"):
        gateway(fake, url=f"http://127.0.0.1:{port}/rest/mtsms").send("4512345678", "Hej")


def test_success_without_ids_still_counts_as_sent(fake):
    fake.body = b"OK"
    assert gateway(fake).send("4512345678", "Hej") == ""


def test_only_http_urls():
    with pytest.raises(ValueError):
        HttpSmsGateway(url="file:///etc/passwd", sender="x", token="t")


def test_settings_choose_the_http_gateway(fake, settings):
    settings.FORLOB_SMS_BACKEND = "http"
    settings.FORLOB_SMS_HTTP_URL = fake.url
    settings.FORLOB_SMS_HTTP_USER = ""
    settings.FORLOB_SMS_HTTP_TOKEN = "tok"
    settings.FORLOB_SMS_SENDER = "Kommunen"
    gw = sms_gateway()
    assert isinstance(gw, HttpSmsGateway)
    gw.send("4512345678", "Hej")
    assert fake.requests[0]["json"]["sender"] == "Kommunen"


def test_file_gateway_appends_json_lines(tmp_path, settings):
    settings.FORLOB_SMS_BACKEND = "file"
    settings.FORLOB_OUTBOX_DIR = tmp_path / "outbox"
    gw = sms_gateway()
    first = gw.send("4512345678", "Første")
    second = gw.send("4587654321", "Anden")
    lines = [
        json.loads(line) for line in (tmp_path / "outbox" / "sms.jsonl").read_text().splitlines()
    ]
    assert [(r["id"], r["to"], r["message"]) for r in lines] == [
        (first, "4512345678", "Første"),
        (second, "4587654321", "Anden"),
    ]


def test_file_gateway_unwritable_outbox_is_transient(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(TransientError, match="outbox not writable"):
        FileSmsGateway(directory=blocker / "outbox").send("4512345678", "Hej")


def test_console_gateway_prints_the_sms():
    out = io.StringIO()
    message_id = ConsoleSmsGateway(stream=out).send("4512345678", "Hej")
    assert out.getvalue() == f"[SMS {message_id}] til +4512345678: Hej\n"
