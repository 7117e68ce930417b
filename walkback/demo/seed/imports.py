"""Demo data for activity import (docs/activity-import.md): sample files for the demo patient
to upload on "Me → Import walks", written to ``.demo/samples/`` dated up to the demo's today
(the copies under ``walkback/demo/samples/`` have fixed dates, for the tests). The samples are
made up by ``walkback.demo.activity_files``: no one's real data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings

from walkback.demo.samples.make_samples import write_samples


def seed_imports(context: dict) -> None:
    patient = context["patient"]
    folder = Path(settings.MEDIA_ROOT).parent / "samples"  # .demo/samples in the demo
    # A day before today: the sample's walks are in the past wherever the demo runs.
    yesterday = patient.today() - dt.timedelta(days=1)
    context["import_samples"] = write_samples(folder, yesterday, patient.zone)
