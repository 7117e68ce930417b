"""The factories live with the demo that builds on them (``walkback.demo.factories``); this
name stays for the tests that import it."""

from walkback.demo.factories import (  # noqa: F401
    PASSWORD,
    AccountClosingFactory,
    AdverseEventFactory,
    AuditEventFactory,
    CheckInFactory,
    ClinicFactory,
    CoachingSessionFactory,
    EducationTopicFactory,
    EmailChangeFactory,
    ExportJobFactory,
    FigureSnapshotFactory,
    InvitationFactory,
    PatientFactory,
    PrescriptionFactory,
    ReminderFactory,
    RetentionPolicyFactory,
    ScreeningFactory,
    SubmissionFactory,
    UserFactory,
    WalkLogFactory,
)
