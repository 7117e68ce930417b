"""One factory per model of the product, for the tests, the demo and the benchmarks.

A factory builds a valid row with as little as possible given: a patient comes with its own
clinic and login, a walk with its patient, a done session with its completion time. Pass what
a test is about and let the rest default. Rules that the services enforce (a programme's
start, the prescription a session sets) are not faked here: go through the services when the
behaviour matters, as ``walkback.demo.seed`` does. Large data: ``walkback.demo.bulk``.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from coaching.models import (
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
from patients.models import (
    AdverseEvent,
    BodyRegion,
    CheckIn,
    Patient,
    PatientStatus,
    Screening,
    Severity,
    WalkingRelated,
    WalkLog,
)
from walkback.accounts.models import Clinic, Invitation, ProgrammeRulesVersion, Role, User
from walkback.audit.models import AuditAction, AuditEvent
from walkback.core.models import Submission
from walkback.reports.models import Dataset, ExportFormat, ExportJob, FigureSnapshot

PASSWORD = "correct-horse-battery-9"  # noqa: S105 - the password of every factory-made login
NO_PASSWORD = "!"  # as ``password=``: a login that cannot log in with a password

# Sessions 1, 3 and 5 set the prescription; 2, 4 and 6 review it (coaching.services schedule).
PRESCRIBING_SESSIONS = (1, 3, 5)


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")
    time_zone = "Australia/Sydney"


class UserFactory(factory.django.DjangoModelFactory):
    """A physiotherapist unless ``role`` says otherwise; ``password=`` sets another password
    (``NO_PASSWORD``: none that works)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    role = Role.PHYSIO
    clinic = factory.SubFactory(ClinicFactory)

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        if extracted == NO_PASSWORD:
            obj.set_unusable_password()
        else:
            obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class InvitationFactory(factory.django.DjangoModelFactory):
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


class PatientFactory(factory.django.DjangoModelFactory):
    """An active patient of their own clinic, with no physiotherapist and no programme yet."""

    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    user = factory.SubFactory(
        UserFactory, role=Role.PATIENT, clinic=factory.SelfAttribute("..clinic")
    )
    physiotherapist = None
    time_zone = factory.LazyAttribute(lambda o: o.clinic.time_zone)
    status = PatientStatus.ACTIVE


class ScreeningFactory(factory.django.DjangoModelFactory):
    """Answers that make the patient eligible (``patients.services.screening_record`` for the
    rules that follow from them)."""

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


class WalkLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WalkLog

    patient = factory.SubFactory(PatientFactory)
    walked_on = factory.LazyAttribute(lambda o: o.patient.today())
    minutes = 30


class CheckInFactory(factory.django.DjangoModelFactory):
    """An open monthly check-in due today; ``answered=True`` fills the answers of a patient
    without pain."""

    class Meta:
        model = CheckIn

    class Params:
        answered = factory.Trait(completed_at=factory.LazyFunction(timezone.now), any_pain=False)

    patient = factory.SubFactory(PatientFactory)
    month_number = 1
    due_on = factory.LazyAttribute(lambda o: o.patient.today())


class AdverseEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdverseEvent

    patient = factory.SubFactory(PatientFactory)
    occurred_on = factory.LazyAttribute(lambda o: o.patient.today())
    body_region = BodyRegion.KNEE
    severity = Severity.MILD
    related_to_walking = WalkingRelated.YES


class EducationTopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EducationTopic

    clinic = factory.SubFactory(ClinicFactory)
    title = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")
    summary = factory.LazyAttribute(lambda o: f"About {o.title}")
    body = "Walking is safe."


class CoachingSessionFactory(factory.django.DjangoModelFactory):
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

    @factory.post_generation
    def topics(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.topics.set(extracted)


class ProgrammeRulesVersionFactory(factory.django.DjangoModelFactory):
    """The clinic's rules as they are now, as its next version."""

    class Meta:
        model = ProgrammeRulesVersion

    clinic = factory.SubFactory(ClinicFactory)
    number = factory.LazyAttribute(lambda o: o.clinic.rules_version + 1)
    rules = factory.LazyAttribute(lambda o: ProgrammeRules.of(o.clinic).as_json())


class PrescriptionPlanFactory(factory.django.DjangoModelFactory):
    """A plan that steps up, under the clinic's rules, from the programme's start (or today)."""

    class Meta:
        model = PrescriptionPlan

    patient = factory.SubFactory(PatientFactory)
    author = factory.LazyAttribute(lambda o: o.patient.physiotherapist or o.patient.user)
    starts_on = factory.LazyAttribute(lambda o: o.patient.programme_start or o.patient.today())
    rules = factory.LazyAttribute(lambda o: ProgrammeRules.of(o.patient.clinic).as_json())
    rules_version = factory.LazyAttribute(lambda o: o.patient.clinic.rules_version)


class PrescriptionFactory(factory.django.DjangoModelFactory):
    """Five walks of 30 minutes from the programme's start (or today), by the patient's
    physiotherapist."""

    class Meta:
        model = Prescription

    patient = factory.SubFactory(PatientFactory)
    effective_from = factory.LazyAttribute(lambda o: o.patient.programme_start or o.patient.today())
    walks_per_week = 5
    minutes_per_walk = 30
    author = factory.LazyAttribute(lambda o: o.patient.physiotherapist or o.patient.user)


class ReminderFactory(factory.django.DjangoModelFactory):
    """A pending walk reminder to the patient, due now."""

    class Meta:
        model = Reminder

    patient = factory.SubFactory(PatientFactory)
    recipient = factory.LazyAttribute(lambda o: o.patient.user)
    kind = ReminderKind.WALK
    due_at = factory.LazyFunction(timezone.now)
    idempotency_key = factory.Sequence(lambda n: f"factory:{n}")


class ExportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExportJob

    requested_by = factory.SubFactory(UserFactory, role=Role.CLINIC_ADMIN)
    clinic = factory.LazyAttribute(lambda o: o.requested_by.clinic)
    dataset = Dataset.WALKS
    format = ExportFormat.CSV


class FigureSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FigureSnapshot

    clinic = factory.SubFactory(ClinicFactory)
    key = factory.Sequence(lambda n: f"view-{n}")
    computed_at = factory.LazyFunction(timezone.now)
    html = ""


class AuditEventFactory(factory.django.DjangoModelFactory):
    """A row of the audit trail as ``walkback.audit`` writes it (rows are insert-only)."""

    class Meta:
        model = AuditEvent

    actor = factory.SubFactory(UserFactory)
    actor_email = factory.LazyAttribute(lambda o: o.actor.email if o.actor else "")
    clinic = factory.LazyAttribute(lambda o: o.actor.clinic if o.actor else None)
    action = AuditAction.READ
    object_type = "patient"


class SubmissionFactory(factory.django.DjangoModelFactory):
    """A form submission already carried out (``walkback.core.submissions``): what it made."""

    class Meta:
        model = Submission

    user = factory.SubFactory(UserFactory)
    token = factory.Faker("uuid4", cast_to=None)
    action = "education_topic_save"
    object_type = ""
