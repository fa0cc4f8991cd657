-- The two PostgreSQL roles of Qingqian (issue 15; README "Rules that hold on every path").
-- Run once by a DBA (psql -U postgres -f deploy/postgres-roles.sql), with real passwords.
--
-- qingqian_owner owns the database and every object in it; only `manage.py migrate`, `flush`
-- and `restore` connect as it (MIGRATE_DATABASE_URL).
-- qingqian_app is what web, worker and beat connect as (DATABASE_URL). It owns nothing and gets
-- its privileges from `manage.py migrate` (or `manage.py grant_app_role`), run as the owner:
-- SELECT/INSERT/UPDATE/DELETE on ordinary tables, no TRUNCATE/TRIGGER/REFERENCES anywhere, no
-- UPDATE or DELETE on the append-only tables, of the authorisation only the consuming columns.
CREATE ROLE qingqian_owner LOGIN PASSWORD 'change-me' NOSUPERUSER NOCREATEROLE NOCREATEDB;
CREATE ROLE qingqian_app LOGIN PASSWORD 'change-me' NOSUPERUSER NOCREATEROLE NOCREATEDB NOINHERIT;
CREATE DATABASE qingqian OWNER qingqian_owner ENCODING 'UTF8' TEMPLATE template0;
\connect qingqian
ALTER SCHEMA public OWNER TO qingqian_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
