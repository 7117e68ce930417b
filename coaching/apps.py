from django.apps import AppConfig


class CoachingConfig(AppConfig):
    name = "coaching"

    def ready(self) -> None:
        from coaching import receivers
        from coaching.reminders import push_checks  # noqa: F401 - registers the VAPID checks
        from patients.signals import patient_records_changed

        # Connected once (dispatch_uid), synchronously: the row is written in the sender's
        # transaction.
        patient_records_changed.connect(
            receivers.caseload_rows_on_records_changed, dispatch_uid="coaching.caseload_rows"
        )
