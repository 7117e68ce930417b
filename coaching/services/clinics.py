"""A new clinic, ready to run the programme: ``manage.py clinic_create`` and the site
superuser's page both call ``clinic_create``.

It lives in the programme layer, not in ``walkback.accounts`` beside the ``Clinic`` model,
because a clinic is only ready with its education library, and the library is the programme's
(``coaching.education``); accounts cannot import coaching (README, "Layers"). This is the
lowest layer that can state the whole rule.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_noop

from coaching.education import education_library_seed
from coaching.progression import ProgrammeRules
from walkback.accounts.emails import normalize_email
from walkback.accounts.models import Clinic, ProgrammeRulesVersion, Role, User
from walkback.accounts.services import invitation_create
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record
from walkback.core.submissions import once_per_submission

# Marked for translation, and translated where it is used.
ADMIN_EMAIL_TAKEN = gettext_noop(
    "This e-mail address already has a WalkBack account. Use another address for the "
    "clinic's first admin."
)


@once_per_submission("clinic_create")
def clinic_create(
    *, name: str, time_zone: str, admin_email: str, admin_name: str = "", by: User | None
) -> Clinic:
    """Create a clinic with its default programme settings (rules version 1, recorded as a
    ``ProgrammeRulesVersion`` like every later version), its default education library, and
    its first clinic admin, who is e-mailed an invitation (sent after commit).

    ``by`` is the site's superuser on the page, None from the command line (the operator at
    the server's shell). The page's form carries a ``submission_token``: sent twice, it
    creates one clinic (``once_per_submission``). Bad input is a ``ValidationError`` keyed by
    field, in plain words, and nothing is created: everything is one transaction.
    """
    if by is not None and not by.is_superuser:
        raise ValidationError(gettext("Only the site's superuser can create a clinic."))
    admin_email = normalize_email(admin_email or "")
    admin_name = (admin_name or "").strip() or admin_email.split("@", 1)[0]
    clinic = Clinic(name=(name or "").strip(), time_zone=time_zone)
    errors: dict[str, list[str]] = {}
    try:
        clinic.full_clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        validate_email(admin_email)
    except ValidationError:
        errors["admin_email"] = [
            gettext("Enter the first admin's e-mail address, like jo@clinic.com.")
        ]
    else:
        if User.objects.filter(email=admin_email).exists():
            errors["admin_email"] = [gettext(ADMIN_EMAIL_TAKEN)]
    admin = User(email=admin_email, full_name=admin_name, role=Role.CLINIC_ADMIN)
    try:
        admin.clean_fields(exclude=[f.name for f in User._meta.fields if f.name != "full_name"])
    except ValidationError as error:
        errors["admin_name"] = error.message_dict["full_name"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        clinic.save()
        ProgrammeRulesVersion.objects.create(
            clinic=clinic,
            number=clinic.rules_version,
            rules=ProgrammeRules.of(clinic).as_json(),
            created_by=by,
        )
        education_library_seed(clinic=clinic)
        admin.clinic = clinic
        admin.set_unusable_password()
        try:
            # Another request may have taken the address since the check above: the unique
            # index decides, and the answer is the same message.
            with transaction.atomic():
                admin.save()
        except IntegrityError:
            raise ValidationError({"admin_email": [gettext(ADMIN_EMAIL_TAKEN)]}) from None
        audit_record(
            actor=by,
            action=AuditAction.CREATE,
            obj=clinic,
            clinic=clinic,
            detail={"event": "clinic_created", "admin_id": admin.pk},
        )
        invitation_create(user=admin, by=by)
    return clinic
