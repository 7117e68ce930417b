"""Answering questionnaires: the schedule, all-or-nothing saves with plain messages next to the
field, audit, the clinic's choice, the staff page with the STarT Back risk group and the chart."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from coaching.proms.models import QuestionnaireResponse
from coaching.proms.schedule import LAST_OPEN_DAYS, open_timepoint
from coaching.proms.selectors import questionnaires_due
from coaching.proms.services import questionnaire_settings_set, questionnaire_submit
from walkback.audit.models import AuditAction, AuditEvent

HIGH_RISK = {
    "leg_pain": "agree",
    "shoulder_neck": "disagree",
    "walked_short": "agree",
    "dressed_slowly": "disagree",
    "not_safe": "agree",
    "worrying": "agree",
    "never_better": "agree",
    "not_enjoyed": "disagree",
    "bothersome": "very_much",
}


def _started(patient, days_ago: int):
    patient.programme_start = patient.today() - dt.timedelta(days=days_ago)
    patient.save()
    return patient


# --- the schedule (pure) -------------------------------------------------------------------
START = dt.date(2026, 1, 5)
WEEKS = [0, 12, 26, 52]


@pytest.mark.parametrize(
    ("today", "week"),
    [
        (START - dt.timedelta(days=3), 0),  # enrolled, start date ahead: the baseline is open
        (START + dt.timedelta(weeks=12, days=-1), 0),  # the day before week 12 is due
        (START + dt.timedelta(weeks=12), 12),
        (START + dt.timedelta(weeks=26), 26),
        (START + dt.timedelta(weeks=52, days=LAST_OPEN_DAYS - 1), 52),  # the last day of the last
        (START + dt.timedelta(weeks=52, days=LAST_OPEN_DAYS), None),
    ],
)
def test_which_timepoint_is_open(today, week):
    point = open_timepoint(WEEKS, START, today)
    assert (point.week if point else None) == week


def test_before_the_programme_starts_only_enrolment_is_open():
    point = open_timepoint(WEEKS, None, START)
    assert point is not None and point.week == 0 and point.closes_on is None
    assert open_timepoint([12, 26], None, START) is None


# --- saving -------------------------------------------------------------------------------
def test_a_patient_answers_and_the_score_is_saved_with_an_audit_row(world):
    patient = world.patient_a
    response = questionnaire_submit(
        patient=patient,
        by=patient.user,
        instrument_key="peg",
        answers={"pain": 6, "enjoyment": 7, "activity": 8},
        today=patient.today(),
    )
    response.refresh_from_db()
    assert (response.week, response.version, response.score) == (0, 1, Decimal("7.00"))
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(response.pk))
    assert event.patient_id == patient.pk
    assert "pain" not in str(event.detail)  # the audit says what was answered, not the answers
    due = questionnaires_due(patient, today=patient.today())
    assert due is not None and "peg" in due.answered
    assert "peg" not in [i.key for i in due.instruments]


def test_startback_at_enrolment_gives_the_risk_group(world):
    patient = world.patient_a
    response = questionnaire_submit(
        patient=patient,
        by=world.physio_a,
        instrument_key="startback",
        answers=HIGH_RISK,
        today=patient.today(),
    )
    assert (response.score, response.subscales, response.band) == (
        Decimal("6.00"),
        {"psychosocial": "4.00"},
        "high",
    )
    assert response.answered_by == world.physio_a


def test_a_missing_answer_saves_nothing(world):
    patient = world.patient_a
    with pytest.raises(ValidationError) as raised:
        questionnaire_submit(
            patient=patient,
            by=patient.user,
            instrument_key="peg",
            answers={"pain": 6, "activity": 11},
            today=patient.today(),
        )
    assert raised.value.message_dict == {
        "enjoyment": ["Please answer this question."],
        "activity": ["Pick a number from 0 to 10."],
    }
    assert not QuestionnaireResponse.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CREATE).exists()


def test_answering_twice_is_refused(world):
    patient = world.patient_a
    kwargs = {
        "patient": patient,
        "by": patient.user,
        "instrument_key": "nprs",
        "today": patient.today(),
    }
    questionnaire_submit(answers={"pain": 5}, **kwargs)
    with pytest.raises(ValidationError, match="already answered"):
        questionnaire_submit(answers={"pain": 2}, **kwargs)
    assert QuestionnaireResponse.objects.get().score == 5


def test_startback_is_not_asked_after_enrolment(world):
    patient = _started(world.patient_a, days_ago=7 * 12 + 2)
    due = questionnaires_due(patient, today=patient.today())
    assert due is not None and due.timepoint.week == 12
    assert [i.key for i in due.instruments] == ["nprs", "peg", "psfs"]
    with pytest.raises(ValidationError, match="not one to answer now"):
        questionnaire_submit(
            patient=patient,
            by=patient.user,
            instrument_key="startback",
            answers=HIGH_RISK,
            today=patient.today(),
        )


def test_nothing_to_answer_between_timepoints(world):
    patient = _started(world.patient_a, days_ago=7 * 60)  # week 60: the last closed at 60
    assert questionnaires_due(patient, today=patient.today()) is None
    with pytest.raises(ValidationError, match="no questionnaire to answer today"):
        questionnaire_submit(
            patient=patient,
            by=patient.user,
            instrument_key="nprs",
            answers={"pain": 1},
            today=patient.today(),
        )


def test_the_database_refuses_a_score_out_of_bounds(world):
    row = {
        "patient": world.patient_a,
        "instrument": "nprs",
        "version": 1,
        "answers": {},
        "completed_at": timezone.now(),
    }
    for bad in (
        {"score": Decimal("100.01"), "week": 0},
        {"score": -1, "week": 0},
        {"score": 1, "week": 261},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            QuestionnaireResponse.objects.create(**row, **bad)


# --- the clinic's choice -------------------------------------------------------------------
def test_a_clinic_chooses_instruments_and_weeks(world):
    questionnaire_settings_set(
        clinic=world.clinic_a, by=world.admin_a, instrument_keys=["nprs"], weeks=[0, 6, 6, 20]
    )
    patient = _started(world.patient_a, days_ago=7 * 6)
    due = questionnaires_due(patient, today=patient.today())
    assert due is not None and due.timepoint.week == 6
    assert [i.key for i in due.instruments] == ["nprs"]
    # The other clinic keeps the defaults.
    other = questionnaires_due(world.patient_b, today=world.patient_b.today())
    assert other is not None and len(other.instruments) == 4


@pytest.mark.parametrize(
    ("keys", "weeks", "field", "message"),
    [
        ([], [0, 12], "instruments", "Choose at least one questionnaire."),
        (["odi"], [0, 12], "instruments", "Choose from the questionnaires listed."),
        (["nprs"], [12, 26], "weeks", "Include week 0 (enrolment)"),
        (["nprs"], [0, 300], "weeks", "Weeks run from 0 to 260."),
    ],
)
def test_bad_settings_are_refused(world, keys, weeks, field, message):
    with pytest.raises(ValidationError) as raised:
        questionnaire_settings_set(
            clinic=world.clinic_a, by=world.admin_a, instrument_keys=keys, weeks=weeks
        )
    assert message in raised.value.message_dict[field][0]


# --- pages ---------------------------------------------------------------------------------
def test_the_patient_answers_on_one_page_and_bad_input_is_shown_next_to_the_field(
    world, client_for
):
    client = client_for(world.patient_a.user)
    listing = client.get(reverse("proms_portal:list"))
    assert b"Pain, enjoyment and activity (PEG)" in listing.content
    url = reverse("proms_portal:answer", args=["peg"])
    page = client.post(url, {"pain": "6", "activity": "11"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Nothing has been saved yet" in html
    assert 'id="id_activity_error"' in html and "Pick a number from 0 to 10." in html
    assert 'id="id_enjoyment_error"' in html and "Please answer this question." in html
    assert not QuestionnaireResponse.objects.exists()
    done = client.post(url, {"pain": "6", "enjoyment": "7", "activity": "8"})
    assert done.status_code == 302
    assert QuestionnaireResponse.objects.get().score == Decimal("7.00")
    # Answered: the page is gone, and the list says so.
    assert client.get(url).status_code == 404


def test_psfs_offers_the_same_activities_again(world, client_for):
    patient = world.patient_a
    questionnaire_submit(
        patient=patient,
        by=patient.user,
        instrument_key="psfs",
        answers={
            "activity_1": "Putting on socks",
            "rating_1": 3,
            "activity_2": "Gardening",
            "rating_2": 2,
            "activity_3": "Walking to the shops",
            "rating_3": 4,
        },
        today=patient.today(),
    )
    _started(patient, days_ago=7 * 12)
    page = client_for(patient.user).get(reverse("proms_portal:answer", args=["psfs"]))
    assert b'value="Putting on socks"' in page.content


def test_the_staff_page_shows_risk_change_and_chart(world, client_for):
    patient = world.patient_a
    questionnaire_submit(
        patient=patient,
        by=world.physio_a,
        instrument_key="startback",
        answers=HIGH_RISK,
        today=patient.today(),
    )
    QuestionnaireResponse.objects.bulk_create(
        [
            QuestionnaireResponse(
                patient=patient,
                instrument="nprs",
                version=1,
                week=week,
                answers={"pain": pain},
                score=pain,
                completed_at=timezone.now(),
            )
            for week, pain in ((0, 7), (12, 5), (26, 3))
        ]
    )
    page = client_for(world.physio_a).get(reverse("proms:patient", args=[patient.pk]))
    html = page.content.decode()
    assert "STarT Back at enrolment: <strong>High risk</strong>" in html
    assert "psychological" in html  # what the group means for the programme
    assert "better by 4" in html and "an important improvement" in html
    assert 'class="outcome-chart"' in html and "Important change (2)" in html
    assert "Scores: At enrolment 7, Week 12 5, Week 26 3." in html  # the chart's description
    assert AuditEvent.objects.filter(
        patient=patient, action=AuditAction.READ, detail__view="questionnaire-scores"
    ).exists()


def test_the_physio_enters_startback_for_the_patient(world, client_for):
    client = client_for(world.physio_a)
    url = reverse("proms:enter", args=[world.patient_a.pk, "startback"])
    assert client.post(url, HIGH_RISK).status_code == 302
    assert QuestionnaireResponse.objects.get(instrument="startback").band == "high"


def test_the_clinic_admin_changes_the_settings_page(world, client_for):
    client = client_for(world.admin_a)
    url = reverse("proms:settings")
    bad = client.post(url, {"instruments": ["nprs"], "weeks": "0, twelve"})
    assert "Use whole week numbers" in bad.content.decode()
    ok = client.post(url, {"instruments": ["nprs", "peg"], "weeks": "0, 8, 16"})
    assert ok.status_code == 302
    assert world.clinic_a.questionnaire_settings.weeks == [0, 8, 16]


def test_the_patients_own_download_holds_their_answers(world, client_for):
    patient = world.patient_a
    questionnaire_submit(
        patient=patient,
        by=world.physio_a,
        instrument_key="startback",
        answers=HIGH_RISK,
        today=patient.today(),
    )
    client = client_for(patient.user)
    data = client.get(reverse("portal:data-json")).json()
    (row,) = data["questionnaires"]
    assert (row["instrument"], row["score"], row["band"]) == ("startback", "6.00", "high")
    assert row["answers"]["bothersome"] == "very_much"
    assert row["answered_by"] == world.physio_a.full_name
    csv_text = client.get(reverse("portal:data-csv")).content.decode()
    assert "questionnaires,1,band,high" in csv_text
