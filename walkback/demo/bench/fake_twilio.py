"""A local stand-in for Twilio's REST API, speaking it as the ``twilio`` library expects:
``POST /2010-04-01/Accounts/<sid>/Messages.json`` with HTTP Basic auth and a form body,
answered with a message resource (201) or Twilio's error JSON. The SMS provider is outside
the project, so the tests and ``reminders_channels_benchmark`` fake it (as for the mail
server); everything of ours is real. (Here rather than in tests/ because the benchmark, a
management command, uses it too.)

A test scripts the next answers (``answer(...)``): a status, headers (``Retry-After``), an
error code, a delay longer than the client's timeout. Unscripted requests are accepted.
Every request that reached the server is in ``requests``; the accepted ones in ``accepted``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlsplit

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-auth-token-for-tests"  # noqa: S105 - a fake provider's fake token
FROM_NUMBER = "+61400000000"


@dataclass
class Answer:
    status: int = 201
    headers: dict = field(default_factory=dict)
    code: int | None = None  # Twilio's error code, for error answers
    delay: float = 0.0


def _client_gone(handler) -> bool:
    """The client closed its connection while we waited (its process was killed)."""
    sock = handler.connection
    try:
        sock.setblocking(False)
        return sock.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False  # still connected, nothing more to read
    except OSError:
        return True
    finally:
        sock.setblocking(True)


class FakeTwilio:
    def __init__(self, *, delay: float = 0.0) -> None:
        # Every answer takes this long (a slow provider: the worker tests kill a worker while
        # it waits). A client gone by then never had its message accepted.
        self.delay = delay
        self.script: list[Answer] = []
        self.requests: list[dict] = []
        self.accepted: list[dict] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):  # noqa: N802 - the http.server API
                fake._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, *answers: Answer) -> None:
        with self.lock:
            self.script.extend(answers)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def delivered(self) -> Counter:
        """How many texts were accepted for each reminder id (from the status callback)."""
        found: Counter = Counter()
        for message in self.accepted:
            callback = message.get("StatusCallback", "")
            if callback:
                found[int(parse_qs(urlsplit(callback).query)["reminder"][0])] += 1
        return found

    def _send(self, handler, status: int, body: dict, headers: dict) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        # The client may have given up already (a timeout test).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.wfile.write(data)

    def _handle(self, handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(handler.rfile.read(length).decode()))
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        with self.lock:
            self.requests.append(form)
            answer = self.script.pop(0) if self.script else Answer()
        if answer.delay or self.delay:
            time.sleep(answer.delay or self.delay)
            if _client_gone(handler):
                return
        path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
        if handler.path != path:
            self._send(handler, 404, {"code": 20404, "message": "not found", "status": 404}, {})
            return
        if handler.headers.get("Authorization") != expected:
            self._send(handler, 401, {"code": 20003, "message": "auth", "status": 401}, {})
            return
        if answer.status >= 400:
            body = {
                "code": answer.code or 20500,
                "message": f"fake error {answer.status}",
                "more_info": "https://www.twilio.com/docs/errors",
                "status": answer.status,
            }
            self._send(handler, answer.status, body, answer.headers)
            return
        sid = "SM" + uuid.uuid4().hex
        with self.lock:
            self.accepted.append({**form, "sid": sid})
        body = {
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "to": form.get("To"),
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body"),
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
        }
        self._send(handler, answer.status, body, answer.headers)


def twilio_settings(fake: FakeTwilio) -> dict[str, str]:
    """The environment a worker needs to send through ``fake``."""
    return {
        "WALKBACK_SMS_CHANNEL": "coaching.reminders.sms.twilio.TwilioSmsChannel",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_API_BASE_URL": fake.url,
    }
