"""The clinic admin's staff forms: deactivating a member of staff, with a physiotherapist's
patients handed to colleagues first (``walkback.reports.staff_services.staff_deactivate``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.models import Patient
from walkback.accounts.models import User


class ColleagueField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


class StaffDeactivateForm(forms.Form):
    """One select per patient and an "all to" select: a patient left on "As for all patients"
    goes to the colleague chosen for all. ``shown`` holds the patients the admin saw, so a
    patient added meanwhile is never moved unseen."""

    all_to = ColleagueField(
        label=gettext_lazy("Move all patients to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("Choose for each patient below"),
        error_messages={
            "invalid_choice": gettext_lazy("Choose an active physiotherapist of your clinic.")
        },
    )
    shown = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, patients: list[Patient], colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.patients = patients
        all_to = self.fields["all_to"]
        all_to.queryset = colleagues  # type: ignore[attr-defined]
        # The colleagues are read once and every select offers that list: a ModelChoiceField
        # queries its queryset each time it renders, once per patient otherwise. Validation
        # still checks each choice against ``colleagues``.
        options = list(all_to.choices)[1:]  # type: ignore[attr-defined]
        all_to.choices = [("", all_to.empty_label), *options]  # type: ignore[attr-defined]
        self.fields["shown"].initial = ",".join(str(p.pk) for p in patients)
        for patient in patients:
            field = ColleagueField(
                label=_("Move %(name)s to") % {"name": patient.full_name},
                queryset=colleagues,
                required=False,
                empty_label=_("As for all patients"),
                error_messages={
                    "invalid_choice": _("Choose an active physiotherapist of your clinic.")
                },
            )
            field.choices = [("", field.empty_label), *options]
            self.fields[self.field_name(patient)] = field

    @staticmethod
    def field_name(patient: Patient) -> str:
        return f"patient_{patient.pk}"

    def rows(self, booked: dict[int, int]):
        """Each patient with the bound field of their select and how many planned sessions
        go with them, for the table."""
        return [
            (patient, self[self.field_name(patient)], booked.get(patient.pk, 0))
            for patient in self.patients
        ]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean() returns
        shown = cleaned.get("shown") or ""
        if sorted(shown.split(",") if shown else []) != sorted(str(p.pk) for p in self.patients):
            raise forms.ValidationError(
                _("The patients changed while you were choosing. Check the list again.")
            )
        all_to = cleaned.get("all_to")
        for patient in self.patients:
            name = self.field_name(patient)
            if name in self.errors or "all_to" in self.errors:
                continue
            if cleaned.get(name) is None and all_to is None:
                self.add_error(
                    name,
                    _(
                        "Choose who takes over %(name)s, "
                        "or choose one colleague for all patients above."
                    )
                    % {"name": patient.full_name},
                )
        return cleaned

    def moves(self) -> dict[int, User]:
        """Patient id to colleague, once valid (``clean`` left no patient without one)."""
        all_to = self.cleaned_data.get("all_to")
        moves = {}
        for patient in self.patients:
            colleague = self.cleaned_data.get(self.field_name(patient)) or all_to
            if colleague is not None:
                moves[patient.pk] = colleague
        return moves
