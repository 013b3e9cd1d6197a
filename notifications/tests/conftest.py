"""A local fake SMS gateway (a real HTTP server in a thread): the network edge, not our code."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class FakeGateway:
    def __init__(self):
        self.received: list[dict] = []
        self.answers: list[tuple[int, float]] = []  # (status, delay) per request, then 200
        self.lock = threading.Lock()

    def answer(self, *answers: tuple[int, float]) -> None:
        self.answers.extend(answers)

    def next_answer(self) -> tuple[int, float]:
        with self.lock:
            return self.answers.pop(0) if self.answers else (200, 0.0)


@pytest.fixture
def sms_gateway(settings):
    gateway = FakeGateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, delay = gateway.next_answer()
            with gateway.lock:
                gateway.received.append({"json": json.loads(body), "headers": dict(self.headers), "status": status})
            time.sleep(delay)
            payload = b'{"id": "msg-1"}' if status < 300 else b'{"error": "refused"}'
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_address[1]}/send"
    settings.SMS_GATEWAY_TOKEN = "secret-token"
    settings.SMS_GATEWAY_TIMEOUT = 5
    yield gateway
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser_context_args(browser_context_args):
    """A browser in Brussels that asks for French, like the ACs' phones."""
    return {**browser_context_args, "locale": "fr-BE", "timezone_id": "Europe/Brussels"}
