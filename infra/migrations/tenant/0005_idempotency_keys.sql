-- Tenant CRM, step 5: idempotency keys of POST requests.
--
-- A client that retries a POST with the same Idempotency-Key gets the stored response of the
-- first attempt instead of a second row. The key is claimed (INSERT ... ON CONFLICT DO NOTHING)
-- in the same transaction as the row it creates, so a failed request leaves no key behind, and a
-- concurrent retry waits for the first attempt and then sees its outcome. request_hash is the
-- SHA-256 of the resource name and the canonical body: the same key with another body is refused.
-- resource_id and response are written by the same transaction that claims the key; nobody else
-- ever sees them NULL. Same conventions as 0002-0004 (tenant_id in the key, RLS, grants).

CREATE TABLE crm.idempotency_keys (
    tenant_id       text        NOT NULL CHECK (char_length(tenant_id) BETWEEN 1 AND 128),
    id              uuid        NOT NULL DEFAULT gen_random_uuid(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    idempotency_key text        NOT NULL CHECK (char_length(idempotency_key) BETWEEN 1 AND 255),
    resource        text        NOT NULL CHECK (char_length(resource) BETWEEN 1 AND 100),
    request_hash    bytea       NOT NULL CHECK (octet_length(request_hash) = 32),
    resource_id     uuid,
    response        text,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT idempotency_keys_tenant_key_key UNIQUE (tenant_id, idempotency_key)
);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON crm.idempotency_keys
    FOR EACH ROW EXECUTE FUNCTION crm.touch_updated_at();

-- For purging old keys per tenant; (tenant_id, idempotency_key) is served by the unique key.
CREATE INDEX idempotency_keys_tenant_created_idx ON crm.idempotency_keys (tenant_id, created_at, id);

ALTER TABLE crm.idempotency_keys ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON crm.idempotency_keys
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

GRANT SELECT, INSERT, UPDATE, DELETE ON crm.idempotency_keys TO crm_app;

-- The verification block of 0004, unchanged: it checks every table in crm, this one included.
-- Assert the result rather than trust it: every table in crm (including any a later
-- migration forgot to secure) has row-level security enabled and forced, the
-- tenant_isolation policy, exactly the four row privileges for crm_app, and crm_app can
-- neither bypass row-level security nor act as the owner of the schema or a table.
-- Later migrations that add tables should end with a copy of this block.
DO $$
DECLARE
    t record;
    app record;
    problems text[] := '{}';
    privilege text;
    schema_owner oid;
BEGIN
    SELECT r.oid, r.rolsuper, r.rolbypassrls INTO app FROM pg_catalog.pg_roles r WHERE r.rolname = 'crm_app';
    IF NOT FOUND THEN
        problems := problems || 'role crm_app does not exist'::text;
    ELSE
        IF app.rolsuper OR app.rolbypassrls THEN
            problems := problems || 'crm_app has SUPERUSER or BYPASSRLS'::text;
        END IF;
        SELECT n.nspowner INTO schema_owner FROM pg_catalog.pg_namespace n WHERE n.nspname = 'crm';
        IF pg_catalog.pg_has_role(app.oid, schema_owner, 'USAGE') THEN
            problems := problems || 'crm_app has the privileges of the owner of schema crm'::text;
        END IF;
        IF NOT pg_catalog.has_schema_privilege(app.oid, 'crm', 'USAGE')
           OR pg_catalog.has_schema_privilege(app.oid, 'crm', 'CREATE') THEN
            problems := problems || 'crm_app must have USAGE and not CREATE on schema crm'::text;
        END IF;
    END IF;

    FOR t IN
        SELECT c.oid, c.relname, c.relowner, c.relrowsecurity, c.relforcerowsecurity
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'crm' AND c.relkind IN ('r', 'p')
        ORDER BY c.relname
    LOOP
        IF NOT (t.relrowsecurity AND t.relforcerowsecurity) THEN
            problems := problems || format('crm.%I: row-level security is not enabled and forced', t.relname);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy p
                       WHERE p.polrelid = t.oid AND p.polname = 'tenant_isolation') THEN
            problems := problems || format('crm.%I: no tenant_isolation policy', t.relname);
        END IF;
        IF app.oid IS NOT NULL THEN
            IF pg_catalog.pg_has_role(app.oid, t.relowner, 'USAGE') THEN
                problems := problems || format('crm.%I: crm_app has the privileges of its owner', t.relname);
            END IF;
            FOREACH privilege IN ARRAY ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE'] LOOP
                IF NOT pg_catalog.has_table_privilege(app.oid, t.oid, privilege) THEN
                    problems := problems || format('crm.%I: crm_app lacks %s', t.relname, privilege);
                END IF;
            END LOOP;
            FOREACH privilege IN ARRAY ARRAY['TRUNCATE', 'REFERENCES', 'TRIGGER'] LOOP
                IF pg_catalog.has_table_privilege(app.oid, t.oid, privilege) THEN
                    problems := problems || format('crm.%I: crm_app must not have %s', t.relname, privilege);
                END IF;
            END LOOP;
        END IF;
    END LOOP;

    IF cardinality(problems) > 0 THEN
        RAISE EXCEPTION 'tenant schema crm is not secured: %', array_to_string(problems, '; ');
    END IF;

    -- Members of crm_app that bypass row-level security are not this migration's to fix
    -- (they are created elsewhere), but they void the backstop: say so loudly.
    FOR t IN
        SELECT r.rolname FROM pg_catalog.pg_auth_members m
        JOIN pg_catalog.pg_roles r ON r.oid = m.member
        WHERE m.roleid = app.oid AND (r.rolsuper OR r.rolbypassrls)
    LOOP
        RAISE WARNING 'role % is a member of crm_app and bypasses row-level security', t.rolname;
    END LOOP;
END
$$;
