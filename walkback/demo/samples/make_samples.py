"""Write the demo's sample activity files (made up, no one's real data):

    python -m walkback.demo.samples.make_samples [END_DAY]

``export.xml`` (an Apple Health export, three weeks ending END_DAY, default 2026-11-27) and
``morning-walk.gpx``, next to this script. ``manage.py seed_demo`` writes copies dated up to
the demo's today in ``.demo/samples/`` (walkback/demo/seed/imports.py).
"""

from __future__ import annotations

import datetime as dt
import sys
import zoneinfo
from pathlib import Path

from walkback.demo.activity_files import sample_export, sample_gpx

HERE = Path(__file__).resolve().parent
END_DAY = dt.date(2026, 11, 27)
ZONE = zoneinfo.ZoneInfo("Australia/Sydney")


def write_samples(folder: Path, end_day: dt.date, zone: zoneinfo.ZoneInfo = ZONE) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    export, gpx = folder / "export.xml", folder / "morning-walk.gpx"
    export.write_text(sample_export(end_day, zone), encoding="utf-8")
    gpx.write_text(sample_gpx(end_day, zone), encoding="utf-8")
    return [export, gpx]


if __name__ == "__main__":
    end = dt.date.fromisoformat(sys.argv[1]) if len(sys.argv) > 1 else END_DAY
    for path in write_samples(HERE, end):
        print(path)
