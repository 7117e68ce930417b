from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from walkback.accounts.emails import normalize_email
from walkback.accounts.languages import clinic_language, language_choices, speaking_to
from walkback.accounts.limits import ADDRESS_MAX, CLOSED_DAYS_MAX, MESSAGE_REPLY_DAYS
from walkback.accounts.models import TIME_ZONE_CHOICES, Clinic, Role, User
from walkback.accounts.passwords import (
    AGAIN_LABEL,
    NEW_PASSWORD_LABEL,
    PASSWORD_MISMATCH,
    password_help,
)
from walkback.accounts.selectors import physios_for
from walkback.accounts.throttle import hit
from walkback.accounts.two_step import RECOVERY_CODE_LENGTH, recovery_code_normalise
from walkback.audit.middleware import client_ip
from walkback.core.forms import SubmissionTokenMixin
from walkback.core.validators import validate_single_line

# Marked here, translated where it is shown (tests compare the English constant).
PHONE_INVALID = gettext_noop(
    "That is not a phone number we can use. Type it as you would dial it, for example "
    "0412 345 678, or with the country code, +61 412 345 678."
)


def phone_field() -> PhoneNumberField:
    """The one phone field of every form: optional, Australian unless a country code is given
    (``PHONENUMBER_DEFAULT_REGION``), cleaned to E.164."""
    return PhoneNumberField(
        label=_("Phone number"),
        required=False,
        error_messages={"invalid": _(PHONE_INVALID)},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text=_("Optional. Used by the clinic for phone sessions."),
    )


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    keep_signed_in = forms.BooleanField(
        label=_("Keep me signed in on this phone"),
        required=False,
    )
    error_messages = {
        "invalid_login": _(
            "That e-mail address and password do not match an account. Check them and try again."
        ),
        "inactive": _("This account has been turned off. Ask your clinic for help."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days = settings.DEVICE_SESSION_DAYS
        self.fields["keep_signed_in"].help_text = ngettext(
            "For patients, for %(days)s day. Only on your own phone. Clinic staff are always "
            "signed out after a while without activity.",
            "For patients, for %(days)s days. Only on your own phone. Clinic staff are always "
            "signed out after a while without activity.",
            days,
        ) % {"days": days}

    def clean_username(self):
        return normalize_email(self.cleaned_data["username"])


class EmailPasswordResetForm(PasswordResetForm):
    """Django's reset form, with a limit on the e-mails it sends: per address (nobody's inbox
    is flooded) and per client (nobody sprays every address). Over a limit nothing is sent,
    and the page says the same as always, so it tells nobody whether an account exists."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("Type a whole e-mail address, like name@example.com.")},
    )

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        """The e-mail in the account holder's own language, whatever the page's."""
        with speaking_to(context.get("user")):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)

    # Django's signature, passed through; PasswordResetView gives every argument by keyword.
    def save(self, *args: Any, **kwargs: Any) -> None:
        request = kwargs.get("request")
        window = settings.PASSWORD_RESET_LIMIT_SECONDS
        # Both counters always count, whether or not the address has an account.
        by_address = hit(
            "reset-address",
            self.cleaned_data["email"],
            limit=settings.PASSWORD_RESET_LIMIT_PER_ADDRESS,
            seconds=window,
        )
        by_client = hit(
            "reset-client",
            (request and client_ip(request)) or "unknown",
            limit=settings.PASSWORD_RESET_LIMIT_PER_CLIENT,
            seconds=window,
        )
        if by_address and by_client:
            super().save(*args, **kwargs)


class SetPasswordForm(forms.Form):
    """The first password, from an invitation (the reset and change forms are Django's, in the
    same words: ``walkback.accounts.passwords``)."""

    password1 = forms.CharField(
        label=NEW_PASSWORD_LABEL,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=AGAIN_LABEL,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = password_help()

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean() returns
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", gettext(PASSWORD_MISMATCH))
        elif p1:
            try:
                password_validation.validate_password(p1, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class StaffInviteForm(SubmissionTokenMixin, forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, validators=[validate_single_line]
    )
    email = forms.EmailField(label=_("E-mail address"))
    phone = phone_field()
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(Role.PHYSIO, Role.PHYSIO.label), (Role.CLINIC_ADMIN, Role.CLINIC_ADMIN.label)],
        initial=Role.PHYSIO,
    )


class PhoneForm(forms.Form):
    phone = phone_field()


class LanguageForm(forms.Form):
    """The language a person reads WalkBack in. Each language is offered in its own name, so
    someone who cannot read the current page still finds theirs."""

    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("Your pages, e-mails, text messages and reminders come in this language."),
        error_messages={"invalid_choice": _("Choose a language from the list.")},
    )

    def __init__(self, *args, clinic: Clinic | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        own_names = dict(language_choices())
        if clinic is not None:
            clinics = gettext("Clinic's language (%(language)s)") % {
                "language": own_names.get(clinic_language(clinic), "")
            }
        else:
            clinics = gettext("Clinic's language")
        field = cast("forms.ChoiceField", self.fields["language"])
        field.choices = [("", clinics), *language_choices()]


class OTPTokenForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError(gettext("The code is 6 digits, numbers only."))
        return token


class OTPVerifyForm(forms.Form):
    """At login: a code from the phone, or one of the recovery codes shown at set-up."""

    token = forms.CharField(
        label=_("6-digit code from your authenticator app, or a recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none"}),
    )

    def clean_token(self):
        code = recovery_code_normalise(self.cleaned_data["token"])
        if code.isdigit() and len(code) == 6:
            return code
        if len(code) != RECOVERY_CODE_LENGTH:
            raise forms.ValidationError(
                gettext(
                    "Type the 6 digits from your app, or one recovery code (8 letters and numbers)."
                )
            )
        return code


class PasswordConfirmForm(forms.Form):
    """Asks for the password again before a change that weakens the account's protection."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(gettext("That is not your password. Type it again."))
        return password


class PatientReassignForm(forms.Form):
    """Move a patient to another active physiotherapist of the admin's clinic."""

    physiotherapist: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=_("Move to"),
        queryset=None,
        error_messages={
            "required": _("Choose the physiotherapist to move the patient to."),
            "invalid_choice": _("Choose an active physiotherapist of your clinic."),
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # self.fields is typed dict[str, Field]; this one is the ModelChoiceField above.
        field = cast("forms.ModelChoiceField[User]", self.fields["physiotherapist"])
        field.queryset = physios_for(user).filter(is_active=True)


CLOSED_DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


class DateListField(forms.CharField):
    """Dates typed one a line (2026-12-25 or 25/12/2026), as a sorted list without repeats.
    Blank lines are skipped; a line that is not a date is named in the message."""

    widget = forms.Textarea

    def to_python(self, value: Any) -> list[dt.date]:  # type: ignore[override]
        text = super().to_python(value) or ""
        days: set[dt.date] = set()
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if line:
                days.add(self._day(number, line))
        if len(days) > CLOSED_DAYS_MAX:
            raise forms.ValidationError(
                gettext("List at most %(max)s closed days at a time.") % {"max": CLOSED_DAYS_MAX}
            )
        return sorted(days)

    @staticmethod
    def _day(number: int, line: str) -> dt.date:
        for pattern in CLOSED_DAY_FORMATS:
            try:
                return dt.datetime.strptime(line, pattern).date()
            except ValueError:
                continue
        raise forms.ValidationError(
            gettext(
                "Line %(number)s (“%(line)s”) is not a date. Write one date a line, like "
                "25/12/2026 or 2026-12-25."
            )
            % {"number": number, "line": line[:30]}
        )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(f"{day:%d/%m/%Y}" for day in value)
        return value


class ClinicSettingsForm(forms.Form):
    """The clinic admin's settings of their clinic (``clinic_settings_update``)."""

    name = forms.CharField(
        label=_("Clinic name"),
        max_length=Clinic._meta.get_field("name").max_length,
        validators=[validate_single_line],
        help_text=_("Patients see it on every page, and it is the sender of the clinic's e-mails."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=TIME_ZONE_CHOICES,
        help_text=_("Sessions are booked and shown on this clock."),
    )
    contact_phone = PhoneNumberField(
        label=_("Contact phone"),
        required=False,
        help_text=_("The number patients call. A number without a country code is Australian."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=ADDRESS_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
        help_text=_("Shown to patients with the phone number, and at the foot of e-mails."),
    )
    message_reply_days = forms.IntegerField(
        label=_("Usual reply time to a patient's message (working days)"),
        min_value=MESSAGE_REPLY_DAYS.low,
        max_value=MESSAGE_REPLY_DAYS.high,
        # Left empty, the clinic's current value stays (older forms and scripts send none).
        required=False,
        help_text=_(
            "Patients read “We usually reply within this many working days” on their messages page."
        ),
    )
    closed_days = DateListField(
        label=_("Closed days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Public holidays and other days the clinic is closed, one date a line "
            "(25/12/2026). New programmes book no session on them: it moves to the next "
            "open day."
        ),
    )
    # The diary's working hours (docs/diary.md): optional here, so a form that leaves them out
    # keeps what the clinic has.
    diary_day_starts = forms.TimeField(
        label=_("Sessions start from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("The first free time the diary offers when a session is moved."),
    )
    diary_day_ends = forms.TimeField(
        label=_("Sessions end by"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    diary_weekends = forms.BooleanField(
        label=_("Offer Saturday and Sunday times in the diary"), required=False
    )
    import_hiking = forms.BooleanField(
        label=_("Hikes imported from a phone or watch count as walks"),
        required=False,
        help_text=_("Off: patients see their hikes in an import, marked “not a walk”."),
    )


class ClinicCreateForm(SubmissionTokenMixin, forms.Form):
    """The site superuser's new clinic (``coaching.services.clinics.clinic_create``)."""

    name = forms.CharField(
        label=_("Clinic name"),
        max_length=Clinic._meta.get_field("name").max_length,
        validators=[validate_single_line],
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=TIME_ZONE_CHOICES, initial="Australia/Sydney"
    )
    admin_name = forms.CharField(
        label=_("First admin's full name"), max_length=150, validators=[validate_single_line]
    )
    admin_email = forms.EmailField(
        label=_("First admin's e-mail address"),
        help_text=_("They get an invitation to choose a password."),
    )
