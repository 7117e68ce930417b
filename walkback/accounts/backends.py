"""The authentication backend: Django's ModelBackend, with the user's clinic joined."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from walkback.accounts.models import User


class UserBackend(ModelBackend):
    """Logs in exactly as ModelBackend does. Loading the logged-in user on each request also
    joins their clinic: every staff page names it in the header and most use its time zone or
    settings, which was a second query on each of them. (Measured, docs/performance.md: the
    join costs about 0.2 ms, the query it saves about 0.4 ms. Folding the "has a TOTP device?"
    check into the same query as a subquery cost more to build than the query it saved.)"""

    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("clinic").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
