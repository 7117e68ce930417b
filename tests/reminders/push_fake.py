"""A local fake of a web push service (FCM, Mozilla autopush, Apple's): an HTTPS server in a
thread that takes what a push service takes and answers what a test tells it to.

It does what a real push service would refuse to do without: reads the VAPID
``Authorization: vapid t=<JWT>, k=<key>`` header and checks the JWT's ES256 signature, its
audience and expiry; requires ``Content-Encoding: aes128gcm`` and a ``TTL``. And what only
the browser could do: it holds each subscription's private key and secret (it made them), so
it decrypts the body (RFC 8291) and records the JSON the phone would get.

The server's certificate is self-signed; ``REQUESTS_CA_BUNDLE`` (which ``requests`` reads)
points at it, so the channel verifies TLS as it does in production.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import os
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import http_ece
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID

SLOW = "slow"  # answers after ``slow_seconds``: longer than the channel waits


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake push service")])
    # Wide validity: tests travel in time (time_machine), OpenSSL checks the real clock.
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "push-cert.pem", folder / "push-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Received:
    token: str
    status: int
    payload: dict | None
    headers: dict
    problems: list[str] = field(default_factory=list)


class FakePushService:
    def __init__(self, folder: Path, vapid_public_key: str):
        self.vapid_public_key = vapid_public_key
        self.cert_path, key_path = _self_signed(folder)
        self.answers: dict[str, object] = {}  # token -> status code or SLOW
        self.keys: dict[str, tuple[ec.EllipticCurvePrivateKey, bytes]] = {}
        self.received: list[Received] = []
        self.slow_seconds = 2.5
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                fake._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, key_path)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.origin = f"https://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def subscription(self, answer: object = 201) -> dict:
        """A browser's subscription (as ``PushSubscription.toJSON()`` gives it) whose pushes
        this fake answers with ``answer``."""
        private = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        token = b64url(os.urandom(12))
        public = private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.keys[token] = (private, auth)
        self.answers[token] = answer
        return {
            "endpoint": f"{self.origin}/push/{token}",
            "keys": {"p256dh": b64url(public), "auth": b64url(auth)},
        }

    def token_of(self, endpoint: str) -> str:
        return endpoint.rsplit("/", 1)[1]

    def delivered(self) -> list[Received]:
        """What reached a phone: the 2xx answers, in order."""
        with self.lock:
            return [r for r in self.received if 200 <= r.status < 300]

    def _check_vapid(self, header: str, problems: list[str]) -> None:
        if not header.startswith("vapid "):
            problems.append(f"no VAPID authorization: {header!r}")
            return
        parts = dict(p.strip().split("=", 1) for p in header[len("vapid ") :].split(","))
        if parts.get("k") != self.vapid_public_key:
            problems.append("VAPID key is not the application server key")
            return
        jwt = parts.get("t", "")
        signed, _, signature = jwt.rpartition(".")
        raw = unb64url(signature)
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(parts["k"]))
        try:
            public.verify(
                encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:])),
                signed.encode(),
                ec.ECDSA(hashes.SHA256()),
            )
        except InvalidSignature:
            problems.append("VAPID signature does not verify")
        claims = json.loads(unb64url(signed.split(".")[1]))
        if claims.get("aud") != self.origin:
            problems.append(f"VAPID audience {claims.get('aud')!r}")
        if not claims.get("exp") or claims["exp"] < time.time():
            problems.append("VAPID token expired")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            problems.append("VAPID subject missing")

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        token = request.path.rsplit("/", 1)[1]
        body = request.rfile.read(int(request.headers.get("Content-Length", 0)))
        headers = {k.lower(): v for k, v in request.headers.items()}
        problems: list[str] = []
        self._check_vapid(headers.get("authorization", ""), problems)
        if headers.get("content-encoding") != "aes128gcm":
            problems.append(f"content encoding {headers.get('content-encoding')!r}")
        if "ttl" not in headers:
            problems.append("no TTL")
        payload = None
        if token in self.keys:
            private, auth = self.keys[token]
            try:
                payload = json.loads(http_ece.decrypt(body, private_key=private, auth_secret=auth))
            except Exception as error:  # noqa: BLE001 - recorded for the test to see
                problems.append(f"cannot decrypt: {error!r}")
        answer = self.answers.get(token, 404)
        if answer == SLOW:
            time.sleep(self.slow_seconds)
            status = 201
        else:
            status = int(answer)  # type: ignore[call-overload]
        if problems:
            status = 400
        with self.lock:
            self.received.append(Received(token, status, payload, headers, problems))
        try:
            request.send_response(status)
            request.send_header("Content-Length", "0")
            request.end_headers()
        except OSError:
            pass  # the channel gave up waiting (the slow answer)
