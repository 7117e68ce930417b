"""Web push under "Me → Reminders" (issue 13): patients only; another patient's browser is a
404. The JSON endpoints answer an empty body with 400 (nothing to subscribe)."""

from tests.access.spec import PATIENT, Route

PATIENTS = frozenset({PATIENT})


def _subscription(patient):
    from coaching.models import PushSubscription

    subscription = PushSubscription.objects.create(
        user=patient.user,
        endpoint=f"https://push.example.test/matrix/{patient.pk}/{PushSubscription.objects.count()}",
        p256dh="B" + "A" * 86,
        auth="A" * 22,
    )
    return {"pk": subscription.pk}


ROUTES = {
    "portal:push-subscribe": Route(roles=PATIENTS, method="post", ok=frozenset({400})),
    "portal:push-unsubscribe": Route(roles=PATIENTS, method="post", ok=frozenset({400})),
    "portal:push-remove": Route(
        roles=PATIENTS, for_patient=_subscription, method="post", ok=frozenset({302})
    ),
}
