from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from walkback.accounts.emails import normalize_email
from walkback.accounts.models import Role, User
from walkback.accounts.selectors import physios_for
from walkback.accounts.throttle import hit
from walkback.accounts.two_step import RECOVERY_CODE_LENGTH, recovery_code_normalise
from walkback.audit.middleware import client_ip
from walkback.core.forms import SubmissionTokenMixin
from walkback.core.validators import validate_single_line


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-mail address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    keep_signed_in = forms.BooleanField(
        label="Keep me signed in on this phone",
        required=False,
        help_text=f"For patients, for {settings.DEVICE_SESSION_DAYS} days. Only on your own "
        "phone. Clinic staff are always signed out after a while without activity.",
    )
    error_messages = {
        "invalid_login": "That e-mail address and password do not match an account. "
        "Check them and try again.",
        "inactive": "This account has been turned off. Ask your clinic for help.",
    }

    def clean_username(self):
        return normalize_email(self.cleaned_data["username"])


class EmailPasswordResetForm(PasswordResetForm):
    """Django's reset form, with a limit on the e-mails it sends: per address (nobody's inbox
    is flooded) and per client (nobody sprays every address). Over a limit nothing is sent,
    and the page says the same as always, so it tells nobody whether an account exists."""

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])

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
    password1 = forms.CharField(
        label="New password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters. Not a common password, and not only numbers.",
    )
    password2 = forms.CharField(
        label="Type it again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean() returns
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords are different. Type them again.")
        elif p1:
            try:
                password_validation.validate_password(p1, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class StaffInviteForm(SubmissionTokenMixin, forms.Form):
    full_name = forms.CharField(
        label="Full name", max_length=150, validators=[validate_single_line]
    )
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(
        label="Role",
        choices=[(Role.PHYSIO, "Physiotherapist"), (Role.CLINIC_ADMIN, "Clinic admin")],
        initial=Role.PHYSIO,
    )


class OTPTokenForm(forms.Form):
    token = forms.CharField(
        label="6-digit code from your authenticator app",
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError("The code is 6 digits, numbers only.")
        return token


class OTPVerifyForm(forms.Form):
    """At login: a code from the phone, or one of the recovery codes shown at set-up."""

    token = forms.CharField(
        label="6-digit code from your authenticator app, or a recovery code",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none"}),
    )

    def clean_token(self):
        code = recovery_code_normalise(self.cleaned_data["token"])
        if code.isdigit() and len(code) == 6:
            return code
        if len(code) != RECOVERY_CODE_LENGTH:
            raise forms.ValidationError(
                "Type the 6 digits from your app, or one recovery code (8 letters and numbers)."
            )
        return code


class PasswordConfirmForm(forms.Form):
    """Asks for the password again before a change that weakens the account's protection."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password. Type it again.")
        return password


class PatientReassignForm(forms.Form):
    """Move a patient to another active physiotherapist of the admin's clinic."""

    physiotherapist: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label="Move to",
        queryset=None,
        error_messages={
            "required": "Choose the physiotherapist to move the patient to.",
            "invalid_choice": "Choose an active physiotherapist of your clinic.",
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # self.fields is typed dict[str, Field]; this one is the ModelChoiceField above.
        field = cast("forms.ModelChoiceField[User]", self.fields["physiotherapist"])
        field.queryset = physios_for(user).filter(is_active=True)
