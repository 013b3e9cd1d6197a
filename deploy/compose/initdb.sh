#!/bin/sh
# Run once by the postgres image when its volume is new: the two roles of docs/journal-protection.md,
# the owner (migrations, grants) and the app (web, worker, beat), and the database the owner owns.
set -eu
psql --no-psqlrc -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$OWNER_DB_PASSWORD" -v app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE concertation_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE concertation_app LOGIN PASSWORD :'app_password';
CREATE DATABASE concertation OWNER concertation_owner;
SQL
