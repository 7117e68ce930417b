"""Demo questionnaire answers (docs/questionnaires.md): Lena Long has scores at enrolment,
week 12 and week 26 (pain and function improving past the minimal important change, a
medium-risk STarT Back); Theo Turner at enrolment and week 12; Pat Walker (the demo patient)
answered at enrolment except the PEG, which is waiting on their phone. Idempotent: a patient
who has any answer is left alone. Scored by the real scoring functions."""

from __future__ import annotations

import datetime as dt

from coaching.proms.instruments import instruments
from coaching.proms.models import QuestionnaireResponse
from coaching.proms.scoring import score
from patients.models import Patient

STARTBACK_MEDIUM = {
    "leg_pain": "agree",
    "shoulder_neck": "disagree",
    "walked_short": "agree",
    "dressed_slowly": "agree",
    "not_safe": "disagree",
    "worrying": "agree",
    "never_better": "disagree",
    "not_enjoyed": "disagree",
    "bothersome": "very_much",
}
STARTBACK_LOW = STARTBACK_MEDIUM | {"dressed_slowly": "disagree", "bothersome": "moderately"}
ACTIVITIES = {
    "activity_1": "Putting on socks",
    "activity_2": "Gardening",
    "activity_3": "Walking to the shops",
}


def _psfs(a: int, b: int, c: int) -> dict:
    return ACTIVITIES | {"rating_1": a, "rating_2": b, "rating_3": c}


def _peg(p: int, e: int, g: int) -> dict:
    return {"pain": p, "enjoyment": e, "activity": g}


PLANS: dict[str, dict[int, dict[str, dict]]] = {
    "lena.long@demo.test": {
        0: {
            "startback": STARTBACK_MEDIUM,
            "nprs": {"pain": 7},
            "peg": _peg(7, 6, 7),
            "psfs": _psfs(3, 2, 4),
        },
        12: {"nprs": {"pain": 5}, "peg": _peg(5, 4, 5), "psfs": _psfs(5, 4, 6)},
        26: {"nprs": {"pain": 3}, "peg": _peg(3, 2, 3), "psfs": _psfs(7, 6, 8)},
    },
    "theo.turner@demo.test": {
        0: {"startback": STARTBACK_LOW, "nprs": {"pain": 5}, "peg": _peg(5, 5, 4)},
        12: {"nprs": {"pain": 4}, "peg": _peg(4, 3, 3)},
    },
    "patient@demo.test": {
        0: {"startback": STARTBACK_LOW, "nprs": {"pain": 6}, "psfs": _psfs(4, 3, 5)},
    },
}


def seed_questionnaires(context: dict) -> None:
    available = instruments()
    for email, plan in PLANS.items():
        patient = Patient.objects.select_related("user").filter(user__email=email).first()
        if patient is None or patient.programme_start is None:
            continue
        if QuestionnaireResponse.objects.filter(patient=patient).exists():
            continue
        rows = []
        for week, answered in plan.items():
            day = patient.programme_start + dt.timedelta(weeks=week)
            for key, answers in answered.items():
                instrument = available[key]
                result = score(instrument, answers)
                rows.append(
                    QuestionnaireResponse(
                        patient=patient,
                        instrument=key,
                        version=instrument.version,
                        week=week,
                        answers=answers,
                        score=result.score,
                        subscales={k: str(v) for k, v in result.subscales.items()},
                        band=result.band.key if result.band else "",
                        answered_by=patient.user,
                        completed_at=dt.datetime.combine(day, dt.time(18), tzinfo=patient.zone),
                    )
                )
        QuestionnaireResponse.objects.bulk_create(rows)
