"""The authentication backend: Django's ModelBackend, with a leaner per-request user load."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_totp.models import TOTPDevice

from walkback.accounts.models import User


class UserBackend(ModelBackend):
    """Logs in exactly as ModelBackend does. Loading the logged-in user on each request also
    joins their clinic (every staff page names it in the header) and says whether they have a
    confirmed TOTP device (``SecondFactorMiddleware`` asks that on every request of a user who
    has not passed the second factor, i.e. every patient request): one query instead of three.
    """

    def get_user(self, user_id):
        try:
            user = (
                User._default_manager.select_related("clinic")
                .annotate(
                    has_totp_device=Exists(
                        TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
                    )
                )
                .get(pk=user_id)
            )
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
