"""docs/security.md#input: generated input into the portal's forms and services never raises
anything but a form error, and never leaves a partial row."""

from __future__ import annotations

import contextlib
import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coaching.portal.forms import CheckInForm, WalkForm
from patients.checkins import add_months
from patients.models import CheckIn, WalkLog
from patients.services.check_ins import check_in_submit
from patients.services.walks import walk_log
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

TEXT = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**9), max_value=10**9).map(str),
    st.sampled_from(["", "0", "600", "601", "-1", "1e3", "12.5", "2024-02-30", "yes", "no"]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1)).map(str),
)
FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def patient():
    patient = PatientFactory()
    patient.programme_start = add_months(patient.today(), -1)
    patient.save()
    return patient


@FUZZ
@given(data=st.dictionaries(
    st.sampled_from(["walked_on", "quick_minutes", "minutes", "steps", "pain", "note"]), TEXT
))  # fmt: skip
def test_walk_form_and_service_take_any_input(patient, data):
    before = WalkLog.objects.count()
    form = WalkForm(data, today=patient.today())
    saved = False
    if form.is_valid():
        try:
            walk_log(patient=patient, by=patient.user, **form.walk_values())
            saved = True
        except ValidationError:
            pass
    assert WalkLog.objects.count() == before + (1 if saved else 0)
    if saved:
        walk = WalkLog.objects.latest("id")
        assert 1 <= walk.minutes <= 600 and walk.walked_on <= patient.today()
        assert walk.pain is None or 0 <= walk.pain <= 10


@FUZZ
@given(data=st.dictionaries(st.sampled_from(list(CheckInForm.base_fields)), TEXT))
def test_check_in_form_and_service_take_any_input(patient, data):
    CheckIn.objects.filter(patient=patient).delete()
    form = CheckInForm(data)
    if form.is_valid():
        with contextlib.suppress(ValidationError):
            check_in_submit(patient=patient, by=patient.user, month_number=1, **form.answers())
    row = CheckIn.objects.filter(patient=patient).first()
    if row is not None:
        assert row.completed_at is not None and row.any_pain is not None
        assert row.onset_date is None or row.onset_date <= patient.today()


PHONE_TEXT = st.one_of(
    TEXT,
    st.sampled_from(["0412 345 678", "+61 412 345 678", "+1 202-555-0143", "12", "+", "(02)"]),
    st.text(alphabet="0123456789 +-()", max_size=25),
)


@FUZZ
@given(data=st.dictionaries(st.sampled_from(["full_name", "phone"]), PHONE_TEXT))
def test_own_details_form_and_service_take_any_input(patient, data):
    """docs/security.md#data-rights: whatever is typed, the name and phone are saved whole
    (a phone in E.164 or none) or not at all."""
    from coaching.portal.rights_forms import OwnDetailsForm
    from patients.services.own_details import patient_details_correct
    from walkback.accounts.models import PHONE_E164_SQL, User

    def stored():
        user = User.objects.get(pk=patient.user_id)
        return user.full_name, str(user.phone or "")

    before = stored()
    form = OwnDetailsForm(data)
    changed = None
    if form.is_valid():
        with contextlib.suppress(ValidationError):
            changed = patient_details_correct(patient=patient, **form.cleaned_data)
    name, phone = stored()
    if not changed:
        assert (name, phone) == before
    else:
        assert name == form.cleaned_data["full_name"].strip()
        assert phone == "" or re.fullmatch(PHONE_E164_SQL, phone)
    patient.user.refresh_from_db()
