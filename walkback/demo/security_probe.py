"""A security probe anyone can run against a running deployment (``manage.py security_probe
URL``): it speaks HTTP only, like an outsider with two ordinary patient logins, and checks what
docs/security.md promises. Each check returns a ``Finding``; nothing here reads the database.

Accounts it needs (create them for the purpose; the probe writes one walk and locks one login
for the lockout period):
- ``patient``: a patient in the programme, who may log a walk today;
- ``other``: a patient of another clinic, whose walk id the probe tries to open as ``patient``;
- ``lockout``: an account that may be locked out for a while (its letter cases are tried).
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass

WRONG_PASSWORD = "not-the-password-" + "x" * 8  # noqa: S105 - a deliberately wrong one


@dataclass(frozen=True)
class Finding:
    check: str
    passed: bool
    detail: str


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie jar and CSRF handling over urllib; redirects are returned, not followed."""

    def __init__(self, base_url: str, timeout: float = 15):
        self.base = base_url.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        self.timeout = timeout

    def request(self, path: str, data: dict | None = None, *, csrf: bool = True) -> Response:
        url = path if path.startswith("http") else self.base + path
        body = None
        headers = {"Referer": self.base + "/", "User-Agent": "walkback-security-probe"}
        if data is not None:
            if csrf:
                data = {"csrfmiddlewaretoken": self.csrf_token(), **data}
            body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=self.timeout) as reply:
                return Response(reply.status, dict(reply.headers), reply.read().decode())
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers), error.read().decode(errors="replace"))

    def get(self, path: str) -> Response:
        return self.request(path)

    def post(self, path: str, data: dict, *, csrf: bool = True) -> Response:
        return self.request(path, data, csrf=csrf)

    def csrf_token(self) -> str:
        for cookie in self.jar:
            if cookie.name == "csrftoken" and cookie.value:
                return cookie.value
        self.get("/accounts/login/")
        return next((c.value for c in self.jar if c.name == "csrftoken" and c.value), "")

    def log_in(self, email: str, password: str) -> Response:
        self.get("/accounts/login/")
        return self.post("/accounts/login/", {"username": email, "password": password})


def _field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    return match.group(1) if match else ""


# --- The checks -------------------------------------------------------------------------------


def check_lockout_case_variants(base: str, email: str, password: str, limit: int) -> Finding:
    """After ``limit`` wrong passwords, no letter case of the address gets in (and the right
    password did get in before them, so a wrong one cannot pass this check by accident)."""
    if Browser(base).log_in(email, password).status != 302:
        return Finding(
            "lockout holds for every letter case of the address",
            False,
            "the lockout account's password did not log in to begin with",
        )
    for _ in range(limit):
        Browser(base).log_in(email, WRONG_PASSWORD)
    variants = [email.upper(), email.title(), " " + email.swapcase() + " "]
    got_in = [v for v in variants if Browser(base).log_in(v, password).status == 302]
    return Finding(
        "lockout holds for every letter case of the address",
        not got_in,
        f"{len(variants)} case variants tried after {limit} failures; got in with: {got_in}",
    )


def check_csrf(base: str, email: str, password: str) -> Finding:
    """A form posted without the CSRF token is refused."""
    browser = Browser(base)
    browser.log_in(email, password)
    response = browser.post("/me/walks/new/", {"minutes": "10"}, csrf=False)
    return Finding(
        "forms refuse a post without the CSRF token",
        response.status == 403,
        f"POST /me/walks/new/ without a token: {response.status}",
    )


def check_open_redirect(base: str, email: str, password: str) -> Finding:
    """``?next=`` to another site is not followed after login."""
    browser = Browser(base)
    browser.get("/accounts/login/")
    target = "https://evil.example/steal"
    response = browser.post(
        "/accounts/login/?next=" + urllib.parse.quote(target),
        {"username": email, "password": password, "next": target},
    )
    location = response.headers.get("Location", "")
    return Finding(
        "login never redirects to another site",
        "evil.example" not in location,
        f"redirected to {location or '(nowhere)'}",
    )


def check_cross_patient_id(base: str, email: str, password: str, foreign_walk_id: int) -> Finding:
    """Another patient's walk, by id, is simply not found."""
    browser = Browser(base)
    browser.log_in(email, password)
    response = browser.get(f"/me/walks/{foreign_walk_id}/")
    return Finding(
        "another clinic's record is not found by id",
        response.status == 404,
        f"GET /me/walks/{foreign_walk_id}/: {response.status}",
    )


def check_cache_headers(base: str, email: str, password: str) -> Finding:
    """Pages with health data are not kept by browsers or proxies."""
    browser = Browser(base)
    browser.log_in(email, password)
    paths = ["/me/", "/me/history/", "/me/data/walkback-data.json"]
    missing = []
    for path in paths:
        value = browser.get(path).headers.get("Cache-Control", "")
        if "no-store" not in value or "private" not in value:
            missing.append(f"{path}: {value!r}")
    return Finding(
        "health-data pages send Cache-Control: no-store, private",
        not missing,
        f"{len(paths)} pages checked; missing on: {missing}",
    )


def _walk_count(browser: Browser) -> int:
    return len(json.loads(browser.get("/me/data/walkback-data.json").body).get("walks", []))


def check_duplicate_submission(base: str, email: str, password: str) -> Finding:
    """The same "Log a walk" form posted three times saves one walk."""
    browser = Browser(base)
    browser.log_in(email, password)
    form = browser.get("/me/walks/new/").body
    token = _field(form, "submission_token") or str(uuid.uuid4())
    data = {"walked_on": _field(form, "walked_on"), "minutes": "17", "submission_token": token}
    before = _walk_count(browser)
    statuses = [browser.post("/me/walks/new/", data).status for _ in range(3)]
    added = _walk_count(browser) - before
    return Finding(
        "a form submitted three times saves once",
        added == 1 and all(status in (200, 302) for status in statuses),
        f"posts answered {statuses}; walks added: {added}",
    )


CHECKS: dict[str, Callable[..., Finding]] = {
    "csrf": check_csrf,
    "open_redirect": check_open_redirect,
    "cache_headers": check_cache_headers,
    "cross_patient_id": check_cross_patient_id,
    "duplicate_submission": check_duplicate_submission,
    "lockout_case_variants": check_lockout_case_variants,
}


def run_all(
    base: str,
    *,
    patient: tuple[str, str],
    foreign_walk_id: int,
    lockout: tuple[str, str],
    lockout_limit: int = 5,
) -> list[Finding]:
    """Every check, the lockout last (it locks its account out for a while)."""
    email, password = patient
    return [
        check_csrf(base, email, password),
        check_open_redirect(base, email, password),
        check_cache_headers(base, email, password),
        check_cross_patient_id(base, email, password, foreign_walk_id),
        check_duplicate_submission(base, email, password),
        check_lockout_case_variants(base, *lockout, limit=lockout_limit),
    ]
