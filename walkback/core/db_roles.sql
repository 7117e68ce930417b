-- The two database roles WalkBack runs with (README, "Database roles"). Idempotent: the db
-- container's first start runs it as the superuser (deploy/postgres/10-walkback-roles.sh),
-- the migrate service runs it again after every migration (walkback/core/db_roles.py), and the
-- test suite runs this same file (tests/security/test_database_roles.py).
--
--   walkback_owner  owns the schema and every table; runs migrations; never serves a request.
--   walkback_app    what web, workers and beat log in as: owns nothing; may read and write
--                   the application's rows, but may not change or empty the audit trail,
--                   create or alter tables, or switch triggers off (only an owner can).

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'walkback_owner') THEN
        CREATE ROLE walkback_owner LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'walkback_app') THEN
        CREATE ROLE walkback_app LOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- another session created them at the same moment
END
$$;

-- Nobody but the owner creates anything in the schema.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO walkback_app;

-- Tables and sequences that migrations create later: rows only, never TRUNCATE.
ALTER DEFAULT PRIVILEGES FOR ROLE walkback_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO walkback_app;
ALTER DEFAULT PRIVILEGES FOR ROLE walkback_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO walkback_app;

-- Tables that exist already.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO walkback_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO walkback_app;

-- The audit trail is append-only for the application: insert and read, nothing else.
DO $$
BEGIN
    IF to_regclass('public.audit_auditevent') IS NOT NULL THEN
        REVOKE UPDATE, DELETE, TRUNCATE ON public.audit_auditevent FROM walkback_app;
    END IF;
END
$$;
