-- Tenant CRM, step 1: schema, application group role, shared trigger function.
--
-- These scripts run, each in one transaction, as the database owner (not a superuser in
-- production) on every kind of tenant database: dedicated, shared, shard, and the catalog
-- database of a single-database install. Several databases of one cluster may be migrated
-- at the same time, and roles are cluster-wide, so nothing here may assume it is alone:
-- no ALTER ROLE / COMMENT ON ROLE / GRANT role TO role (they update shared catalog rows
-- and fail with "tuple concurrently updated" under concurrency).
--
-- Conventions for every later migration that adds a table to crm:
--   tenant_id text NOT NULL, id uuid DEFAULT gen_random_uuid(), created_at, updated_at,
--   PRIMARY KEY (tenant_id, id), foreign keys that include tenant_id, the touch_updated_at
--   trigger, ENABLE + FORCE ROW LEVEL SECURITY with the tenant_isolation policy, and
--   GRANT SELECT, INSERT, UPDATE, DELETE to crm_app (see 0004, which also asserts all this).

CREATE SCHEMA IF NOT EXISTS crm;

-- crm_app: the NOLOGIN group role that the application's login roles are members of.
-- It owns nothing and must never bypass row-level security.
DO $$
DECLARE
    may_create boolean;
    app record;
BEGIN
    IF to_regrole('crm_app') IS NULL THEN
        SELECT r.rolsuper OR r.rolcreaterole INTO may_create
        FROM pg_catalog.pg_roles r WHERE r.rolname = current_user;

        IF NOT coalesce(may_create, false) THEN
            RAISE EXCEPTION USING
                ERRCODE = 'insufficient_privilege',
                MESSAGE = format('role "crm_app" does not exist and the migrating role %I lacks CREATEROLE, so it cannot create it', current_user),
                HINT = 'An administrator must run: CREATE ROLE crm_app NOLOGIN  (once per PostgreSQL cluster), then re-run the migrations.';
        END IF;

        BEGIN
            CREATE ROLE crm_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT;
        EXCEPTION
            -- A concurrent migration of another database in this cluster created it first:
            -- duplicate_object if it had committed already, unique_violation if we waited on it.
            WHEN duplicate_object OR unique_violation THEN
                NULL;
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION USING
                    ERRCODE = 'insufficient_privilege',
                    MESSAGE = format('role "crm_app" does not exist and the migrating role %I may not create it', current_user),
                    HINT = 'An administrator must run: CREATE ROLE crm_app NOLOGIN  (once per PostgreSQL cluster), then re-run the migrations.';
        END;
    END IF;

    -- Row-level security is the backstop behind the application's own tenant filter; a
    -- crm_app that bypasses it would silently turn the backstop off. Refuse, do not fix
    -- (only a superuser could, and ALTER ROLE is not safe under concurrent migrations).
    SELECT r.rolsuper, r.rolbypassrls INTO app FROM pg_catalog.pg_roles r WHERE r.rolname = 'crm_app';
    IF FOUND AND (app.rolsuper OR app.rolbypassrls) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'insufficient_privilege',
            MESSAGE = 'role "crm_app" has SUPERUSER or BYPASSRLS, so row-level security would not apply to the application',
            HINT = 'An administrator must run: ALTER ROLE crm_app NOSUPERUSER NOBYPASSRLS';
    END IF;
END
$$;

-- Keeps updated_at current on every UPDATE, whatever the statement sets it to.
-- pg_catalog.now() is schema-qualified so no search_path can substitute another function.
CREATE OR REPLACE FUNCTION crm.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at := pg_catalog.now();
    RETURN NEW;
END
$$;
