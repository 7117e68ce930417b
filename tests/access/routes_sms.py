"""Issue 13's SMS URLs. The provider's webhooks are public (Twilio calls them, with no login)
and answer 403 to everyone without Twilio's signature, logged in or not (the signed cases
are in tests/reminders/test_sms_webhooks.py). The number check is the patient's own."""

from tests.access.spec import PATIENT, Route

SIGNED_ONLY = Route(public=True, method="post", public_ok=frozenset({403}))

ROUTES = {
    "reminders:sms-incoming": SIGNED_ONLY,
    "reminders:sms-status": SIGNED_ONLY,
    "portal:phone-verify": Route(roles=frozenset({PATIENT})),
    # Without a number on file the page answers at once with what to do (200); with one, a
    # code is sent and the page redirects (302).
    "portal:phone-code-send": Route(
        roles=frozenset({PATIENT}), method="post", ok=frozenset({200, 302})
    ),
}
