from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied

from walkback.accounts.models import Role


def role_required(*roles: str):
    """Let only the given roles in; everyone else logged in gets 403. (Login itself is
    enforced for every URL by ``LoginRequiredMiddleware``.)"""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated or request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


clinic_admin_required = role_required(Role.CLINIC_ADMIN)
physio_required = role_required(Role.PHYSIO)
staff_required = role_required(Role.PHYSIO, Role.CLINIC_ADMIN)
patient_required = role_required(Role.PATIENT)


def superuser_required(view):
    """The site's superuser only (the operator of the installation, not a clinic's staff):
    everyone else logged in gets 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated or not request.user.is_superuser:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
