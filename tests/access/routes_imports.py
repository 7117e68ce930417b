"""Me → Import walks (issue 13): the patient's own uploads only; another patient's is a 404."""

from patients.imports.models import ImportBatch, ImportState
from tests.access.spec import PATIENT, Route

PATIENTS = frozenset({PATIENT})


def _batch(patient) -> dict:
    batch = ImportBatch.objects.create(
        patient=patient,
        created_by=patient.user,
        state=ImportState.READY,
        filename="export.zip",
        size=10,
        bytes_done=10,
        preview={"rows": [], "steps_only": [], "counts": {}},
    )
    return {"pk": batch.pk}


ROUTES = {
    "portal:import": Route(roles=PATIENTS),
    "portal:import-batch": Route(roles=PATIENTS, for_patient=_batch),
    "portal:import-save": Route(
        roles=PATIENTS, for_patient=_batch, method="post", ok=frozenset({302})
    ),
}
