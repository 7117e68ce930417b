"""The issue's "done when": the demo's patient imports the sample file the demo ships
(written dated up to the demo's yesterday by ``seed_demo``) and sees the walks appear."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from patients.imports.models import ImportBatch
from patients.models import Patient, WalkLog

pytestmark = pytest.mark.django_db


def test_the_demo_patient_imports_the_demo_sample(settings, tmp_path, client_for):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", verbosity=0)
    samples = tmp_path / "samples"
    assert sorted(path.name for path in samples.iterdir()) == ["export.xml", "morning-walk.gpx"]
    patient = Patient.objects.get(user__email="patient@demo.test")
    typed = WalkLog.objects.filter(patient=patient).count()
    client = client_for(patient.user)
    data = (samples / "export.xml").read_bytes()
    client.post(reverse("portal:import"), {"file": SimpleUploadedFile("export.xml", data)})
    batch = ImportBatch.objects.get(patient=patient)
    counts = batch.preview["counts"]
    # 15 walks in the sample: the days the demo's typed walks cover are offered as matches.
    assert counts["new"] + counts.get("match", 0) == 15 and counts["new"] > 0
    client.post(reverse("portal:import-save", args=[batch.pk]))
    assert WalkLog.objects.filter(patient=patient).count() == typed + counts["new"]
    history = client.get(reverse("portal:history")).content.decode()
    assert "(imported)" in history
