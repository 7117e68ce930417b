"""The deployment security probe (walkback/demo/security_probe.py) run against a real server
(pytest-django's live server): every check passes on this code, and each check can fail (it
is pointed at a case that must fail)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import PASSWORD, PatientFactory, UserFactory, WalkLogFactory
from walkback.demo import security_probe as probe


@pytest.fixture
def accounts(world, transactional_db):
    patient = world.patient_a
    patient.programme_start = patient.today() - dt.timedelta(days=7)
    patient.status = "active"
    patient.save()
    foreign = WalkLogFactory(patient=world.patient_b, walked_on=world.patient_b.today())
    lockout = PatientFactory(clinic=world.clinic_a, user__email="locked.out@example.test")
    return {
        "patient": (patient.user.email, PASSWORD),
        "foreign_walk_id": foreign.pk,
        "lockout": (lockout.user.email, PASSWORD),
    }


def test_every_check_passes_against_a_running_server(live_server, accounts):
    findings = probe.run_all(live_server.url, **accounts)
    assert [f.check for f in findings if not f.passed] == [], findings
    assert len(findings) == len(probe.CHECKS)


def test_the_checks_can_fail(live_server, accounts, world):
    own_walk = WalkLogFactory(patient=world.patient_a, walked_on=world.patient_a.today())
    # Opening one's own walk "as another clinic's" is found: the id check would say so.
    email, password = accounts["patient"]
    assert not probe.check_cross_patient_id(live_server.url, email, password, own_walk.pk).passed
    # A wrong password never logs in, so zero failures before it leaves the lockout open.
    staff = UserFactory(clinic=world.clinic_a, role="patient", email="open.door@example.test")
    finding = probe.check_lockout_case_variants(live_server.url, staff.email, PASSWORD, limit=0)
    assert not finding.passed
