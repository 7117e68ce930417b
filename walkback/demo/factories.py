"""One factory per model of the product, for the tests, the demo and the benchmarks.

A factory builds a valid row with as little as possible given: a patient comes with its own
clinic and login, a walk with its patient, a done session with its completion time. Pass what
a test is about and let the rest default. Rules that the services enforce (a programme's
start, the prescription a session sets) are not faked here: go through the services when the
behaviour matters, as ``walkback.demo.seed`` does. Large data: ``walkback.demo.bulk``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

import factory
from django.utils import timezone

from coaching.content_models import EducationTopicTranslation, ScreeningConditionsTranslation
from coaching.diary.models import CalendarFeed
from coaching.messaging.models import MessageThread, ThreadMessage, ThreadReadMarker
from coaching.models import (
    CaseloadRow,
    CoachingSession,
    EducationTopic,
    Prescription,
    PrescriptionPlan,
    Reminder,
    ReminderKind,
    SessionMode,
    SessionPurpose,
    SessionStatus,
)
from coaching.progression import ProgrammeRules
from coaching.proms.models import QuestionnaireResponse, QuestionnaireSettings
from coaching.push_models import AUTH_CHARS, P256DH_CHARS, PushSubscription
from coaching.reminders.sms.models import PhoneVerification, SmsOptOut
from coaching.services.status import caseload_rows_refresh
from patients.imports.models import ImportBatch, ImportState
from patients.models import (
    AccountClosing,
    AdverseEvent,
    BodyRegion,
    CheckIn,
    Patient,
    PatientStatus,
    RetentionPolicy,
    Screening,
    Severity,
    WalkingRelated,
    WalkLog,
)
from walkback.accounts.models import (
    Clinic,
    ClosedDay,
    DeviceSession,
    EmailChange,
    Invitation,
    KeptDraft,
    ProgrammeRulesVersion,
    Role,
    User,
)
from walkback.audit.models import AuditAction, AuditEvent
from walkback.core.models import Submission
from walkback.reports.models import (
    Dataset,
    ExportFormat,
    ExportJob,
    FigureRefresh,
    FigureSnapshot,
)

PASSWORD = "correct-horse-battery-9"  # noqa: S105 - the password of every factory-made login
NO_PASSWORD = "!"  # as ``password=``: a login that cannot log in with a password

# Sessions 1, 3 and 5 set the prescription; 2, 4 and 6 review it (coaching.services schedule).
PRESCRIBING_SESSIONS = (1, 3, 5)


class ClinicFactory(factory.django.DjangoModelFactory[Clinic]):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")
    time_zone = "Australia/Sydney"


# Post-generation steps are plain functions of the made object (a method's first argument
# would be typed as the factory).
def _set_password(user: User, create: bool, extracted: str | None, **kwargs) -> None:
    if extracted == NO_PASSWORD:
        user.set_unusable_password()
    else:
        user.set_password(extracted or PASSWORD)
    if create:
        user.save(update_fields=["password"])


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A physiotherapist unless ``role`` says otherwise; ``password=`` sets another password
    (``NO_PASSWORD``: none that works)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    role = Role.PHYSIO
    clinic = factory.SubFactory(ClinicFactory)

    password = factory.PostGeneration(_set_password)


class InvitationFactory(factory.django.DjangoModelFactory[Invitation]):
    """An open invitation whose link carries ``token`` (only its hash is stored)."""

    class Meta:
        model = Invitation

    user = factory.SubFactory(UserFactory)
    invited_by = factory.SubFactory(
        UserFactory, role=Role.CLINIC_ADMIN, clinic=factory.SelfAttribute("..user.clinic")
    )

    class Params:
        token = factory.Sequence(lambda n: f"token-{n}")

    token_hash = factory.LazyAttribute(lambda o: Invitation.hash_token(o.token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))


class PatientFactory(factory.django.DjangoModelFactory[Patient]):
    """An active patient of their own clinic, with no physiotherapist and no programme yet."""

    class Meta:
        model = Patient
        skip_postgeneration_save = True

    clinic = factory.SubFactory(ClinicFactory)
    user = factory.SubFactory(
        UserFactory, role=Role.PATIENT, clinic=factory.SelfAttribute("..clinic")
    )
    physiotherapist = None
    time_zone = factory.LazyAttribute(lambda o: o.clinic.time_zone)
    status = PatientStatus.ACTIVE

    @factory.post_generation
    def caseload_row(obj: Patient, create: bool, extracted, **kwargs) -> None:
        # Every patient has their maintained caseload row, as after the enrolment service.
        if create:
            caseload_rows_refresh(patient_ids=[obj.pk])


# A model with a ``patient``: a row of a patient's record.
_Record = TypeVar("_Record", bound=Any)


class PatientRecordFactory(factory.django.DjangoModelFactory[_Record]):
    """A row of a patient's record: afterwards the patient's maintained caseload row is
    recomputed, as the services do in the same transaction (docs/programme-rules.md)."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    @factory.post_generation
    def caseload_row(obj: Any, create: bool, extracted, **kwargs) -> None:
        if create:
            caseload_rows_refresh(patient_ids=[obj.patient_id])


class ScreeningFactory(PatientRecordFactory[Screening]):
    """Answers that make the patient eligible (``patients.services.enrolment.screening_record``
    for the rules that follow from them)."""

    class Meta:
        model = Screening

    patient = factory.SubFactory(
        PatientFactory,
        status=PatientStatus.SCREENING,
        physiotherapist=factory.SubFactory(UserFactory, clinic=factory.SelfAttribute("..clinic")),
    )
    recovered_in_last_6_months = True
    episode_lasted_24h = True
    able_to_walk = True
    already_active_3_per_week = False
    screened_by = factory.LazyAttribute(lambda o: o.patient.physiotherapist)
    screened_at = factory.LazyFunction(timezone.now)


class WalkLogFactory(PatientRecordFactory[WalkLog]):
    class Meta:
        model = WalkLog

    patient = factory.SubFactory(PatientFactory)
    walked_on = factory.LazyAttribute(lambda o: o.patient.today())
    minutes = 30


class CheckInFactory(PatientRecordFactory[CheckIn]):
    """An open monthly check-in due today; ``answered=True`` fills the answers of a patient
    without pain."""

    class Meta:
        model = CheckIn

    class Params:
        answered = factory.Trait(completed_at=factory.LazyFunction(timezone.now), any_pain=False)

    patient = factory.SubFactory(PatientFactory)
    month_number = 1
    due_on = factory.LazyAttribute(lambda o: o.patient.today())


class AdverseEventFactory(PatientRecordFactory[AdverseEvent]):
    class Meta:
        model = AdverseEvent

    patient = factory.SubFactory(PatientFactory)
    occurred_on = factory.LazyAttribute(lambda o: o.patient.today())
    body_region = BodyRegion.KNEE
    severity = Severity.MILD
    related_to_walking = WalkingRelated.YES


class EducationTopicFactory(factory.django.DjangoModelFactory[EducationTopic]):
    class Meta:
        model = EducationTopic

    clinic = factory.SubFactory(ClinicFactory)
    title = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")
    summary = factory.LazyAttribute(lambda o: f"About {o.title}")
    body = "Walking is safe."


class EducationTopicTranslationFactory(
    factory.django.DjangoModelFactory[EducationTopicTranslation]
):
    class Meta:
        model = EducationTopicTranslation

    topic = factory.SubFactory(EducationTopicFactory)
    language = "zh-hans"
    title = factory.Sequence(lambda n: f"话题 {n}")
    summary = "关于步行"
    body = "步行是安全的。"


class ScreeningConditionsTranslationFactory(
    factory.django.DjangoModelFactory[ScreeningConditionsTranslation]
):
    """The translation of a clinic with the conditions "Diabetes" and "Pregnancy"."""

    class Meta:
        model = ScreeningConditionsTranslation

    clinic = factory.SubFactory(ClinicFactory, screening_extra_conditions="Diabetes\nPregnancy")
    language = "zh-hans"
    conditions = "糖尿病\n怀孕"
    written_for = factory.LazyAttribute(lambda o: o.clinic.screening_extra_conditions)


def _set_topics(session: CoachingSession, create: bool, extracted, **kwargs) -> None:
    if create and extracted:
        session.topics.set(extracted)


class CoachingSessionFactory(PatientRecordFactory[CoachingSession]):
    """A planned in-person session in three days; a done one gets its completion time and a
    video one its link (both database rules). ``topics=[...]`` sets the topics."""

    class Meta:
        model = CoachingSession
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory)
    number = 1
    purpose = factory.LazyAttribute(
        lambda o: (
            SessionPurpose.PRESCRIBE if o.number in PRESCRIBING_SESSIONS else SessionPurpose.REVIEW
        )
    )
    mode = SessionMode.IN_PERSON
    scheduled_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))
    status = SessionStatus.PLANNED
    completed_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == SessionStatus.DONE else None
    )
    video_link = factory.LazyAttribute(
        lambda o: "https://video.example.test/room" if o.mode == SessionMode.VIDEO else ""
    )

    topics = factory.PostGeneration(_set_topics)


class ProgrammeRulesVersionFactory(factory.django.DjangoModelFactory[ProgrammeRulesVersion]):
    """The clinic's rules as they are now, as its next version."""

    class Meta:
        model = ProgrammeRulesVersion

    clinic = factory.SubFactory(ClinicFactory)
    number = factory.LazyAttribute(lambda o: o.clinic.rules_version + 1)
    rules = factory.LazyAttribute(lambda o: ProgrammeRules.of(o.clinic).as_json())


class PrescriptionPlanFactory(factory.django.DjangoModelFactory[PrescriptionPlan]):
    """A plan that steps up, under the clinic's rules, from the programme's start (or today)."""

    class Meta:
        model = PrescriptionPlan

    patient = factory.SubFactory(PatientFactory)
    author = factory.LazyAttribute(lambda o: o.patient.physiotherapist or o.patient.user)
    starts_on = factory.LazyAttribute(lambda o: o.patient.programme_start or o.patient.today())
    rules = factory.LazyAttribute(lambda o: ProgrammeRules.of(o.patient.clinic).as_json())
    rules_version = factory.LazyAttribute(lambda o: o.patient.clinic.rules_version)


class PrescriptionFactory(PatientRecordFactory[Prescription]):
    """Five walks of 30 minutes from the programme's start (or today), by the patient's
    physiotherapist."""

    class Meta:
        model = Prescription

    patient = factory.SubFactory(PatientFactory)
    effective_from = factory.LazyAttribute(lambda o: o.patient.programme_start or o.patient.today())
    walks_per_week = 5
    minutes_per_walk = 30
    author = factory.LazyAttribute(lambda o: o.patient.physiotherapist or o.patient.user)


class ReminderFactory(factory.django.DjangoModelFactory[Reminder]):
    """A pending walk reminder to the patient, due now."""

    class Meta:
        model = Reminder

    patient = factory.SubFactory(PatientFactory)
    recipient = factory.LazyAttribute(lambda o: o.patient.user)
    kind = ReminderKind.WALK
    due_at = factory.LazyFunction(timezone.now)
    idempotency_key = factory.Sequence(lambda n: f"factory:{n}")


class ExportJobFactory(factory.django.DjangoModelFactory[ExportJob]):
    class Meta:
        model = ExportJob

    requested_by = factory.SubFactory(UserFactory, role=Role.CLINIC_ADMIN)
    clinic = factory.LazyAttribute(lambda o: o.requested_by.clinic)
    dataset = Dataset.WALKS
    format = ExportFormat.CSV


class FigureSnapshotFactory(factory.django.DjangoModelFactory[FigureSnapshot]):
    class Meta:
        model = FigureSnapshot

    clinic = factory.SubFactory(ClinicFactory)
    key = factory.Sequence(lambda n: f"view-{n}")
    computed_at = factory.LazyFunction(timezone.now)


class AuditEventFactory(factory.django.DjangoModelFactory[AuditEvent]):
    """A row of the audit trail as ``walkback.audit`` writes it (rows are insert-only)."""

    class Meta:
        model = AuditEvent

    actor = factory.SubFactory(UserFactory)
    clinic = factory.LazyAttribute(lambda o: o.actor.clinic if o.actor else None)
    action = AuditAction.READ
    object_type = "patient"


class CaseloadRowFactory(factory.django.DjangoModelFactory):
    """A patient's maintained caseload row, computed as the services compute it (never typed
    in: the row is what ``caseload_rows_refresh`` makes of the patient's record)."""

    class Meta:
        model = CaseloadRow

    patient = factory.SubFactory(PatientFactory)

    @classmethod
    def _create(cls, model_class, patient, **kwargs):
        caseload_rows_refresh(patient_ids=[patient.pk])
        return model_class.objects.get(patient=patient)


class SubmissionFactory(factory.django.DjangoModelFactory):
    """A form submission already carried out (``walkback.core.submissions``): what it made."""

    class Meta:
        model = Submission

    user = factory.SubFactory(UserFactory)
    token = factory.Faker("uuid4", cast_to=None)
    action = "education_topic_save"
    object_type = ""


class EmailChangeFactory(factory.django.DjangoModelFactory[EmailChange]):
    """A new address waiting for its link (``token``) to be followed."""

    class Meta:
        model = EmailChange

    user = factory.SubFactory(UserFactory)
    new_email = factory.Sequence(lambda n: f"new{n}@example.test")

    class Params:
        token = factory.Sequence(lambda n: f"email-token-{n}")

    token_hash = factory.LazyAttribute(lambda o: Invitation.hash_token(o.token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=48))


class AccountClosingFactory(factory.django.DjangoModelFactory[AccountClosing]):
    """A patient's request to close their account, waiting for the clinic."""

    class Meta:
        model = AccountClosing

    patient = factory.SubFactory(PatientFactory)


class RetentionPolicyFactory(factory.django.DjangoModelFactory[RetentionPolicy]):
    class Meta:
        model = RetentionPolicy

    clinic = factory.SubFactory(ClinicFactory)


class ClosedDayFactory(factory.django.DjangoModelFactory[ClosedDay]):
    """A day the clinic is closed (a public holiday): sessions are not booked on it."""

    class Meta:
        model = ClosedDay

    clinic = factory.SubFactory(ClinicFactory)
    day = factory.Sequence(lambda n: dt.date(2026, 12, 25) + dt.timedelta(days=n))


class DeviceSessionFactory(factory.django.DjangoModelFactory[DeviceSession]):
    """A patient's phone kept signed in for 30 days."""

    class Meta:
        model = DeviceSession

    user = factory.SubFactory(UserFactory, role=Role.PATIENT)
    label = "Chrome on Android"
    last_used_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))


class KeptDraftFactory(factory.django.DjangoModelFactory[KeptDraft]):
    """A form sent after the idle timeout, kept for its author until they log in again."""

    class Meta:
        model = KeptDraft

    user = factory.SubFactory(UserFactory, role=Role.PATIENT)
    path = "/me/walks/new/"
    data = factory.LazyFunction(lambda: {"minutes": ["20"]})
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=4))


class FigureRefreshFactory(factory.django.DjangoModelFactory[FigureRefresh]):
    """A refresh of a clinic's default figures, waiting for a worker."""

    class Meta:
        model = FigureRefresh

    clinic = factory.SubFactory(ClinicFactory)
    key = factory.Sequence(lambda n: f"view-{n}")
    requested_at = factory.LazyFunction(timezone.now)


# --- Issue 13 and 15 models (docs/activity-import.md, docs/web-push.md, docs/reminders.md,
# docs/questionnaires.md, docs/messages.md, docs/diary.md) ---


class ImportBatchFactory(factory.django.DjangoModelFactory[ImportBatch]):
    class Meta:
        model = ImportBatch

    patient = factory.SubFactory(PatientFactory)
    created_by = factory.LazyAttribute(lambda o: o.patient.user)
    state = ImportState.READY
    filename = "export.xml"
    size = 1_000
    bytes_done = 1_000


class PushSubscriptionFactory(factory.django.DjangoModelFactory[PushSubscription]):
    class Meta:
        model = PushSubscription

    user = factory.LazyAttribute(lambda o: PatientFactory().user)
    endpoint = factory.Sequence(lambda n: f"https://push.example.test/send/{n}")
    p256dh = "B" * P256DH_CHARS
    auth = "A" * AUTH_CHARS


class PhoneVerificationFactory(factory.django.DjangoModelFactory[PhoneVerification]):
    class Meta:
        model = PhoneVerification

    user = factory.LazyAttribute(lambda o: PatientFactory().user)


class SmsOptOutFactory(factory.django.DjangoModelFactory[SmsOptOut]):
    class Meta:
        model = SmsOptOut

    phone = factory.Sequence(lambda n: f"+61491570{n % 1000:03d}")
    via = "stop"


class QuestionnaireSettingsFactory(factory.django.DjangoModelFactory[QuestionnaireSettings]):
    class Meta:
        model = QuestionnaireSettings

    clinic = factory.SubFactory(ClinicFactory)


class QuestionnaireResponseFactory(PatientRecordFactory[QuestionnaireResponse]):
    class Meta:
        model = QuestionnaireResponse

    patient = factory.SubFactory(PatientFactory)
    instrument = "nprs"
    version = 1
    week = 0
    answers = factory.LazyFunction(lambda: {"pain": 6})
    score = 6
    completed_at = factory.LazyFunction(timezone.now)


class MessageThreadFactory(factory.django.DjangoModelFactory[MessageThread]):
    class Meta:
        model = MessageThread

    patient = factory.SubFactory(PatientFactory)


class ThreadMessageFactory(factory.django.DjangoModelFactory[ThreadMessage]):
    class Meta:
        model = ThreadMessage

    thread = factory.SubFactory(MessageThreadFactory)
    author = factory.LazyAttribute(lambda o: o.thread.patient.user)
    from_patient = True
    body = "Is it all right to walk on the beach?"


class ThreadReadMarkerFactory(factory.django.DjangoModelFactory[ThreadReadMarker]):
    class Meta:
        model = ThreadReadMarker

    thread = factory.SubFactory(MessageThreadFactory)
    reader = factory.LazyAttribute(lambda o: o.thread.patient.user)
    read_at = factory.LazyFunction(timezone.now)


class CalendarFeedFactory(factory.django.DjangoModelFactory[CalendarFeed]):
    class Meta:
        model = CalendarFeed

    owner = factory.SubFactory(UserFactory)
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
