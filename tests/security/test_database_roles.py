"""Issue 12, medium: the app's database role owned the audit table (and was the container's
superuser in docker-compose), so ``ALTER TABLE ... DISABLE TRIGGER`` and ``TRUNCATE`` emptied
the trail. Production now runs as ``walkback_app``, which owns nothing. This test creates the
roles in the test database with the very SQL production runs (``walkback/core/db_roles.sql``),
logs in as the app role and tries.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
import yaml
from django.core.management import call_command
from psycopg import errors

from walkback.core.db_roles import SQL

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_role(postgres, world, settings):
    # As the migrate service does: migrate with WALKBACK_DB_GRANTS on, which runs
    # db_roles.sql after the migrations (committed: these tests are transactional, so the
    # new login sees it). The superuser here also creates the roles, as the db container's
    # init script does.
    settings.WALKBACK_DB_GRANTS = True
    call_command("migrate", verbosity=0)
    params = postgres.get_connection_params()
    params = {k: params[k] for k in ("host", "port", "dbname") if params.get(k)}
    with psycopg.connect(**params, user="walkback_app", autocommit=True) as conn:
        yield conn


def refused(conn, statement, params=None):
    with pytest.raises(errors.InsufficientPrivilege):
        conn.execute(statement, params)


@pytest.mark.django_db(transaction=True)
def test_the_app_role_cannot_change_or_empty_the_audit_trail(app_role, world):
    conn = app_role
    assert conn.execute("SELECT current_user").fetchone() == ("walkback_app",)
    # It writes and reads the trail as the application does.
    conn.execute(
        "INSERT INTO audit_auditevent (at, action, object_type, object_id, detail)"
        " VALUES (now(), 'read', 'patients.Patient', '1', '{}')"
    )
    rows = conn.execute("SELECT count(*) FROM audit_auditevent").fetchone()[0]
    assert rows >= 1
    # ... and nothing else.
    refused(conn, "UPDATE audit_auditevent SET object_id = 'someone-else'")
    refused(conn, "DELETE FROM audit_auditevent")
    refused(conn, "TRUNCATE audit_auditevent")
    refused(conn, "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL")
    refused(conn, "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_no_update_delete")
    refused(conn, "DROP TABLE audit_auditevent")
    refused(conn, "CREATE TABLE public.shadow (id int)")
    assert conn.execute("SELECT count(*) FROM audit_auditevent").fetchone()[0] == rows


@pytest.mark.django_db(transaction=True)
def test_the_app_role_does_the_applications_ordinary_writes(app_role, world):
    conn = app_role
    clinic = world.clinic_a.pk
    conn.execute("UPDATE accounts_clinic SET name = 'Alpha Physio Two' WHERE id = %s", [clinic])
    conn.execute(
        "INSERT INTO django_session (session_key, session_data, expire_date)"
        " VALUES ('k' || md5(random()::text), 'x', now() + interval '1 hour')"
    )
    conn.execute("DELETE FROM django_session")
    new_id = conn.execute(
        "INSERT INTO accounts_clinic (name, time_zone, goal_walks_per_week, goal_minutes_per_walk,"
        " goal_week, check_in_months, nudge_after_days, screening_extra_conditions, created_at)"
        " VALUES ('Gamma', 'UTC', 5, 30, 26, 12, 4, '', now()) RETURNING id"
    ).fetchone()[0]
    assert new_id > clinic
    refused(conn, "TRUNCATE accounts_clinic CASCADE")


def test_compose_runs_the_app_as_the_app_role_and_migrates_as_the_owner():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    db = services["db"]
    assert db["environment"]["POSTGRES_USER"] == "postgres"  # the superuser is not the app's
    assert db["env_file"] == ".env.db"
    mounts = " ".join(db["volumes"])
    # The db container's first start runs the very file this test ran.
    assert f"./{SQL.relative_to(ROOT)}:/walkback/db_roles.sql" in mounts
    assert "./deploy/postgres:/docker-entrypoint-initdb.d" in mounts
    init = (ROOT / "deploy/postgres/10-walkback-roles.sh").read_text()
    assert "-f /walkback/db_roles.sql" in init
    migrate = services["migrate"]
    assert migrate["env_file"] == [".env", ".env.db"]
    assert migrate["environment"]["WALKBACK_DB_GRANTS"] == "true"
    assert 'DATABASE_URL="$$MIGRATE_DATABASE_URL"' in migrate["command"][-1]
    for name in ("web", "worker", "worker-reports", "beat"):
        assert services[name]["env_file"] == ".env", name  # never the owner's credentials
    assert "DATABASE_URL=postgres://walkback_app:" in (ROOT / ".env.example").read_text()
    db_example = (ROOT / ".env.db.example").read_text()
    assert "MIGRATE_DATABASE_URL=postgres://walkback_owner:" in db_example
