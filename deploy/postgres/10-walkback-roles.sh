#!/bin/sh
# Runs once, on the db container's first start (docker-entrypoint-initdb.d), as the superuser:
# creates the owner and app roles (the same SQL the migrate service and the tests run), gives
# them their passwords and hands the database to the owner. The superuser is not used again.
set -eu
: "${WALKBACK_DB_OWNER_PASSWORD:?set WALKBACK_DB_OWNER_PASSWORD in .env}"
: "${WALKBACK_DB_APP_PASSWORD:?set WALKBACK_DB_APP_PASSWORD in .env}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -f /walkback/db_roles.sql
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v owner_password="$WALKBACK_DB_OWNER_PASSWORD" \
    -v app_password="$WALKBACK_DB_APP_PASSWORD" <<'SQL'
ALTER ROLE walkback_owner PASSWORD :'owner_password';
ALTER ROLE walkback_app PASSWORD :'app_password';
ALTER DATABASE :"DBNAME" OWNER TO walkback_owner;
SQL
