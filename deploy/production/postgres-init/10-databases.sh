#!/bin/sh
# Runs once, when the postgres container starts on an empty volume
# (docker-entrypoint-initdb.d). Creates one login role for the services and one
# for Temporal, and their databases: one per service, and Temporal's two
# (auto-setup runs with SKIP_DB_CREATE=true and only applies the schema).
set -eu

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v referee_password="$REFEREE_DB_PASSWORD" \
    -v temporal_password="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE referee LOGIN PASSWORD :'referee_password';
CREATE ROLE temporal LOGIN PASSWORD :'temporal_password';

CREATE DATABASE referee_registration OWNER referee;
CREATE DATABASE referee_dedup OWNER referee;
CREATE DATABASE referee_qualification OWNER referee;
CREATE DATABASE referee_arbitration OWNER referee;
CREATE DATABASE referee_settlement OWNER referee;

CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
SQL
