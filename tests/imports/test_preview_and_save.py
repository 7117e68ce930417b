"""The preview's rules and the all-or-nothing save: new, already imported, matching a walk
typed that day, not a walk, outside a walk's bounds; the patient's zone decides the day;
the same file twice adds nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from patients.imports import preview as preview_module
from patients.imports import services
from patients.imports.models import ImportBatch, ImportState
from patients.models import WalkLog, WalkSource
from tests.factories import WalkLogFactory
from tests.imports.files import SYDNEY, at, export_with, realistic_export
from walkback.audit.models import AuditAction, AuditEvent
from walkback.demo.activity_files import PHONE, WATCH, Workout, gpx_text, step_record_xml

pytestmark = pytest.mark.django_db

DAY = dt.date(2024, 3, 5)


def upload(world, data: bytes, name="export.xml", patient=None) -> ImportBatch:
    patient = patient or world.patient_a
    return services.import_upload(
        patient=patient, by=patient.user, upload=SimpleUploadedFile(name, data)
    )


def statuses(batch) -> list[tuple[str, str, int]]:
    return sorted((row["day"], row["status"], row["minutes"]) for row in batch.preview["rows"])


def test_a_realistic_export_previews_then_saves_its_walk(world):
    batch = upload(world, realistic_export(DAY))
    assert batch.state == ImportState.READY
    assert statuses(batch) == [("2024-03-05", "new", 32), ("2024-03-05", "not_walk", 25)]
    assert not WalkLog.objects.filter(patient=world.patient_a).exists()  # nothing saved yet
    # The watch's steps (the larger source), and the midnight record split in two.
    assert batch.preview["steps_only"] == [{"day": "2024-03-06", "steps": 300}]

    assert services.import_confirm(batch=batch, by=world.patient_a.user) == 1
    walk = WalkLog.objects.get(patient=world.patient_a)
    assert (walk.walked_on, walk.minutes, walk.steps) == (DAY, 32, 3410)
    assert walk.source == WalkSource.IMPORTED and walk.import_source == "apple_health"
    assert walk.source_words == "Imported (Apple Health)"
    event = AuditEvent.objects.get(action=AuditAction.CREATE, patient=world.patient_a)
    assert event.detail == {"event": "walks_imported", "walks": 1}


def test_the_same_file_twice_adds_nothing(world):
    data = realistic_export(DAY)
    services.import_confirm(batch=upload(world, data), by=world.patient_a.user)
    again = upload(world, data)
    assert ("2024-03-05", "imported", 32) in statuses(again)
    assert services.import_confirm(batch=again, by=world.patient_a.user) == 0
    assert WalkLog.objects.filter(patient=world.patient_a).count() == 1
    with pytest.raises(ValidationError):
        services.import_confirm(batch=again, by=world.patient_a.user)  # saved already


def test_two_previews_of_one_file_saved_one_after_the_other_save_once(world):
    data = realistic_export(DAY)
    first, second = upload(world, data), upload(world, data)
    assert services.import_confirm(batch=first, by=world.patient_a.user) == 1
    # The second preview said "new"; judged again at saving, it is already imported.
    assert services.import_confirm(batch=second, by=world.patient_a.user) == 0
    assert WalkLog.objects.filter(patient=world.patient_a).count() == 1


def test_a_walk_typed_that_day_is_offered_as_a_match_not_added(world):
    WalkLogFactory(patient=world.patient_a, walked_on=DAY, minutes=30)
    batch = upload(world, realistic_export(DAY))
    (row,) = [row for row in batch.preview["rows"] if row["status"] == "match"]
    assert "30-minute walk" in row["why"]
    assert services.import_confirm(batch=batch, by=world.patient_a.user) == 0
    assert WalkLog.objects.filter(patient=world.patient_a).count() == 1


def test_one_typed_walk_matches_one_imported_walk(world):
    WalkLogFactory(patient=world.patient_a, walked_on=DAY, minutes=30)
    data = export_with(
        [Workout(start=at(DAY, 7), minutes=30), Workout(start=at(DAY, 17), minutes=20)]
    )
    batch = upload(world, data)
    assert statuses(batch) == [("2024-03-05", "match", 30), ("2024-03-05", "new", 20)]


def test_a_walk_typed_after_the_preview_is_not_doubled_at_saving(world):
    batch = upload(world, realistic_export(DAY))
    WalkLogFactory(patient=world.patient_a, walked_on=DAY, minutes=30)
    assert services.import_confirm(batch=batch, by=world.patient_a.user) == 0
    batch.refresh_from_db()
    assert ("2024-03-05", "match", 32) in statuses(batch)


def test_hikes_count_only_when_the_clinic_says_so(world):
    data = export_with([Workout(start=at(DAY, 9), minutes=90, kind="HKWorkoutActivityTypeHiking")])
    row = upload(world, data).preview["rows"][0]
    assert row["status"] == "not_walk" and "hikes" in row["why"]
    world.clinic_a.import_hiking = True
    world.clinic_a.save()
    world.patient_a.refresh_from_db()
    assert upload(world, data).preview["rows"][0]["status"] == "new"


def test_walks_outside_a_walk_logs_bounds_are_not_imported_with_why(world):
    patient = world.patient_a
    today = patient.today()
    patient.programme_start = today - dt.timedelta(days=30)
    patient.save()
    zone = patient.zone
    data = export_with(
        [
            Workout(start=at(today - dt.timedelta(days=2), 8, zone=zone), minutes=0.4),
            Workout(start=at(today - dt.timedelta(days=3), 6, zone=zone), minutes=700),
            Workout(start=at(today - dt.timedelta(days=40), 8, zone=zone), minutes=30),
            Workout(start=at(today + dt.timedelta(days=2), 8, zone=zone), minutes=30),
            Workout(start=at(today - dt.timedelta(days=1), 8, zone=zone), minutes=30),
        ]
    )
    rows = {row["day"]: row for row in upload(world, data).preview["rows"]}
    why = {day: (row["status"], row["why"]) for day, row in rows.items()}
    assert why[(today - dt.timedelta(days=2)).isoformat()] == (
        "not_imported",
        "Shorter than a minute.",
    )
    assert "Longer than 10 hours" in why[(today - dt.timedelta(days=3)).isoformat()][1]
    assert "Before your programme began" in why[(today - dt.timedelta(days=40)).isoformat()][1]
    assert why[(today + dt.timedelta(days=2)).isoformat()][1] == "The date is in the future."
    assert why[(today - dt.timedelta(days=1)).isoformat()] == ("new", "")


def test_the_patients_zone_decides_the_day(world):
    """The same instant, 22:30 UTC on 4 March, is 5 March in Sydney and 4 March in London."""
    moment = dt.datetime(2024, 3, 4, 22, 30, tzinfo=dt.UTC)
    data = export_with([Workout(start=moment.astimezone(SYDNEY), minutes=30)])
    assert upload(world, data).preview["rows"][0]["day"] == "2024-03-05"
    assert upload(world, data, patient=world.patient_b).preview["rows"][0]["day"] == "2024-03-04"


def test_dst_days_in_the_patients_zone(world):
    # Sydney: clocks forward at 02:00 on 6 Oct 2024, back at 03:00 on 7 Apr 2024.
    forward = dt.datetime(2024, 10, 6, 1, 40, tzinfo=SYDNEY)  # 01:40 AEST to 03:10 AEDT
    back = dt.datetime(2024, 4, 7, 2, 30, fold=0, tzinfo=SYDNEY)  # 02:30 AEDT, 40 real minutes
    late = dt.datetime(2024, 10, 5, 23, 45, tzinfo=SYDNEY)  # over midnight into the DST day
    data = export_with(
        [
            Workout(start=forward, minutes=30),
            Workout(start=back, minutes=40),
            Workout(start=late, minutes=50),
        ]
    )
    assert statuses(upload(world, data)) == [
        ("2024-04-07", "new", 40),
        ("2024-10-05", "new", 50),
        ("2024-10-06", "new", 30),
    ]


def test_step_records_spanning_midnight_are_shared_between_days(world):
    start = at(DAY, 23, 40)
    records = [
        step_record_xml(PHONE, start, start + dt.timedelta(minutes=40), 800),  # 20 + 20 minutes
        step_record_xml(WATCH, at(DAY, 10), at(DAY, 10, 10), 100),
    ]
    steps = upload(world, export_with(records=records)).preview["steps_only"]
    # 5 March: the phone's 400 beat the watch's 100 (one source a day, not the sum).
    assert steps == [{"day": "2024-03-06", "steps": 400}, {"day": "2024-03-05", "steps": 400}]


def test_a_gpx_walk_imports(world):
    batch = upload(world, gpx_text(at(DAY, 16, 10), 28).encode(), "walk.gpx")
    assert statuses(batch) == [("2024-03-05", "new", 28)]
    services.import_confirm(batch=batch, by=world.patient_a.user)
    walk = WalkLog.objects.get(patient=world.patient_a)
    assert walk.import_source == "gpx" and walk.source_words == "Imported (GPX track)"


def test_nothing_is_half_saved_when_the_save_fails(world, monkeypatch):
    data = export_with([Workout(start=at(DAY, 7 + n), minutes=30) for n in range(3)])
    batch = upload(world, data)

    def broken_audit(**kwargs):
        raise RuntimeError("the audit table is gone")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        services.import_confirm(batch=batch, by=world.patient_a.user)
    assert not WalkLog.objects.filter(patient=world.patient_a).exists()
    batch.refresh_from_db()
    assert batch.state == ImportState.READY  # can be saved again


def test_bad_files_are_field_errors_and_leave_nothing(world, settings):
    for data, name, words in [
        (b"", "export.zip", "empty"),
        (b"PK\x03\x04" + b"\0" * 60, "export.zip", "cannot read"),
        (gpx_text(at(DAY, 9), 5, with_times=False).encode(), "walk.gpx", "no times"),
    ]:
        with pytest.raises(ValidationError) as caught:
            upload(world, data, name)
        assert words in " ".join(caught.value.message_dict["file"])
    settings.WALKBACK_IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as caught:
        upload(world, realistic_export(DAY))
    assert "the largest file WalkBack takes is 100 bytes" in caught.value.message_dict["file"][0]
    assert not ImportBatch.objects.exists() and not WalkLog.objects.exists()


def test_a_large_upload_waits_for_a_worker_then_its_file_is_deleted(world, settings, tmp_path):
    settings.WALKBACK_IMPORT_INLINE_BYTES = 0
    settings.MEDIA_ROOT = tmp_path
    batch = upload(world, realistic_export(DAY))
    assert batch.state == ImportState.PENDING and batch.preview == {}
    stored = tmp_path / batch.stored_as
    assert stored.exists() and "imports/" in batch.stored_as
    services.import_batch_run(batch_id=str(batch.pk))
    batch.refresh_from_db()
    assert batch.state == ImportState.READY and batch.percent == 100
    assert statuses(batch)[0] == ("2024-03-05", "new", 32)
    assert not stored.exists() and batch.stored_as == ""
    services.import_batch_run(batch_id=str(batch.pk))  # delivered twice: nothing happens


def test_a_bad_large_file_ends_failed_with_its_message(world, settings, tmp_path):
    settings.WALKBACK_IMPORT_INLINE_BYTES = 0
    settings.MEDIA_ROOT = tmp_path
    data = realistic_export(DAY)
    batch = upload(world, data[: len(data) // 2])
    services.import_batch_run(batch_id=str(batch.pk))
    batch.refresh_from_db()
    assert batch.state == ImportState.FAILED and "damaged or incomplete" in batch.error
    assert not list((tmp_path / "imports").iterdir())


def test_the_constraint_refuses_an_import_id_twice(world):
    from django.db import IntegrityError, transaction

    values = {
        "patient": world.patient_a,
        "walked_on": DAY,
        "minutes": 20,
        "source": WalkSource.IMPORTED,
        "import_source": "gpx",
        "import_source_id": "abc",
    }
    WalkLog.objects.create(**values)
    with pytest.raises(IntegrityError), transaction.atomic():
        WalkLog.objects.create(**values)
    with pytest.raises(IntegrityError), transaction.atomic():
        WalkLog.objects.create(
            patient=world.patient_a, walked_on=DAY, minutes=20, import_source="gpx"
        )


def test_the_preview_module_names_every_status():
    assert set(preview_module.STATUS_WORDS) == {
        "new",
        "imported",
        "match",
        "not_walk",
        "not_imported",
        "steps_only",
    }
