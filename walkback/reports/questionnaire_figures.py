"""The dashboard's outcome questionnaire figures (docs/questionnaires.md#clinic-dashboard):
per instrument, the median change from enrolment to each patient's latest answer, how many
patients it is from, and the share whose improvement reached the instrument's minimal
important change. Computed by the background figures refresh only (``compute_figures``),
never in a request (docs/scaling.md).

One query, streamed in id order: a patient's answers arrive together, so only the baseline of
the patient being read is held, plus one number per patient with a change.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from statistics import median

from django.db.models import QuerySet

from coaching.proms.instruments import instruments
from coaching.proms.models import QuestionnaireResponse
from coaching.proms.scoring import change, meets_mic
from patients.models import Patient

# Fewer patients than this with a change: the median is not shown (it would describe one or
# two people, and could identify them on a small clinic's dashboard).
FEWEST = 5


def questionnaire_changes(group: QuerySet[Patient]) -> dict:
    available = instruments()
    changes: dict[str, list[Decimal]] = defaultdict(list)
    rows = (
        QuestionnaireResponse.objects.filter(patient__in=group.values("pk"))
        .order_by("patient_id", "instrument", "week")
        .values_list("patient_id", "instrument", "week", "score")
        .iterator(chunk_size=5000)
    )
    current: tuple[int, str] | None = None
    baseline: Decimal | None = None
    latest: Decimal | None = None

    def close() -> None:
        if current is not None and baseline is not None and latest is not None:
            instrument = available.get(current[1])
            if instrument is not None:
                changes[current[1]].append(change(instrument, baseline, latest))

    for patient_id, key, week, score in rows:
        if (patient_id, key) != current:
            close()
            current, baseline, latest = (patient_id, key), None, None
            if week == 0:
                baseline = score
                continue
        if baseline is not None:
            latest = score
    close()
    result = []
    for key, instrument in available.items():
        if instrument.schedule == "enrolment":
            continue  # a screening tool: no change to follow
        values = changes.get(key, [])
        shown = len(values) >= FEWEST
        reached = [meets_mic(instrument, value) for value in values]
        result.append(
            {
                "key": key,
                "label": instrument.name,
                "better": instrument.better,
                "mic": instrument.mic,
                "patients": len(values),
                "median_change": str(median(values)) if shown else None,
                "reached_mic_percent": (
                    round(100 * sum(1 for r in reached if r) / len(values))
                    if shown and instrument.mic is not None
                    else None
                ),
            }
        )
    return {"instruments": result, "fewest": FEWEST}


def startback_groups(group: QuerySet[Patient]) -> dict[str, int]:
    """How many patients fell in each STarT Back risk group at enrolment."""
    counts: dict[str, int] = defaultdict(int)
    for band in QuestionnaireResponse.objects.filter(
        patient__in=group.values("pk"), instrument="startback", week=0
    ).values_list("band", flat=True):
        counts[band] += 1
    return dict(counts)
