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

-- 0004's assertion checks every table in crm, this one included.
SELECT crm.assert_tenant_isolation();
