-- Tenant CRM, step 3: locations, events, tasks, notes, attachments, communications,
-- invoices and payments. Same conventions as 0002 (tenant_id in every key and foreign key,
-- SET NULL (col) for optional references, CASCADE for child rows, text + CHECK enums).

CREATE TABLE crm.locations (
    tenant_id     text        NOT NULL CHECK (char_length(tenant_id) BETWEEN 1 AND 128),
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    name          text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    address_line1 text        CHECK (char_length(address_line1) <= 200),
    address_line2 text        CHECK (char_length(address_line2) <= 200),
    city          text        CHECK (char_length(city) <= 100),
    region        text        CHECK (char_length(region) <= 100),
    postal_code   text        CHECK (char_length(postal_code) <= 20),
    country       text        CHECK (char_length(country) <= 100),
    account_id    uuid,
    CONSTRAINT locations_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT locations_account_fkey FOREIGN KEY (tenant_id, account_id)
        REFERENCES crm.accounts (tenant_id, id) ON DELETE SET NULL (account_id)
);

CREATE TABLE crm.events (
    tenant_id   text        NOT NULL CHECK (char_length(tenant_id) BETWEEN 1 AND 128),
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    name        text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description text        CHECK (char_length(description) <= 10000),
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz,
    account_id  uuid,
    location_id uuid,
    status      text        NOT NULL DEFAULT 'tentative'
                            CHECK (status IN ('tentative', 'confirmed', 'cancelled', 'completed')),
    CONSTRAINT events_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT events_ends_after_starts CHECK (ends_at >= starts_at),
    CONSTRAINT events_account_fkey FOREIGN KEY (tenant_id, account_id)
        REFERENCES crm.accounts (tenant_id, id) ON DELETE SET NULL (account_id),
    CONSTRAINT events_location_fkey FOREIGN KEY (tenant_id, location_id)
        REFERENCES crm.locations (tenant_id, id) ON DELETE SET NULL (location_id)
);

-- Further occurrences of an event (a multi-day fair, a recurring workshop).
CREATE TABLE crm.event_dates (
    tenant_id   text        NOT NULL CHECK (char_length(tenant_id) BETWEEN 1 AND 128),
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    event_id    uuid        NOT NULL,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz,
    CONSTRAINT event_dates_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT event_dates_ends_after_starts CHECK (ends_at >= starts_at),
    CONSTRAINT event_dates_event_fkey FOREIGN KEY (tenant_id, event_id)
        REFERENCES crm.events (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE crm.tasks (
    tenant_id   text        NOT NULL CHECK (char_length(tenant_id) BETWEEN 1 AND 128),
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    title       text        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description text        CHECK (char_length(description) <= 10000),
    status      text        NOT NULL DEFAULT 'open'
                            CHECK (status IN ('open', 'in_progress', 'done')),
    priority    text        NOT NULL DEFAULT 'normal'
                            CHECK (priority IN ('low', 'normal', 'high')),
    due_at      timestamptz,
    account_id  uuid,
    contact_id  uuid,
    CONSTRAINT tasks_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT tasks_account_fkey FOREIGN KEY (tenant_id, account_id)
        REFERENCES crm.accounts (tenant_id, id) ON DELETE SET NULL (account_id),
    CONSTRAINT tasks_contact_fkey FOREIGN KEY (tenant_id, contact_id)
        REFERENCES crm.contacts (tenant_id, id) ON DELETE SET NULL (contact_id)
);

CREATE TABLE crm.notes (
    tenant_id   text        NOT NULL CHECK (char_length(tenant_id) BETWEEN 1 AND 128),
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    title       text        CHECK (char_length(title) <= 200),
    body        text        NOT NULL CHECK (char_length(body) BETWEEN 1 AND 10000),
    account_id  uuid,
    contact_id  uuid,
    CONSTRAINT notes_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT notes_account_fkey FOREIGN KEY (tenant_id, account_id)
        REFERENCES crm.accounts (tenant_id, id) ON DELETE SET NULL (account_id),
    CONSTRAINT notes_contact_fkey FOREIGN KEY (tenant_id, contact_id)
        REFERENCES crm.contacts (tenant_id, id) ON DELETE SET NULL (contact_id)
);

-- Metadata only: the bytes live in object storage under storage_path.
CREATE TABLE crm.attachments (
    tenant_id    text        NOT NULL CHECK (char_length(tenant_id) BETWEEN 1 AND 128),
    id           uuid        NOT NULL DEFAULT gen_random_uuid(),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    file_name    text        NOT NULL CHECK (char_length(file_name) BETWEEN 1 AND 255),
    content_type text        NOT NULL DEFAULT 'application/octet-stream'
                             CHECK (char_length(content_type) BETWEEN 1 AND 255),
    size_bytes   bigint      NOT NULL CHECK (size_bytes >= 0),
    storage_path text        NOT NULL CHECK (char_length(storage_path) BETWEEN 1 AND 1024),
    sha256       text        CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    account_id   uuid,
    CONSTRAINT attachments_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT attachments_account_fkey FOREIGN KEY (tenant_id, account_id)
        REFERENCES crm.accounts (tenant_id, id) ON DELETE SET NULL (account_id)
);

CREATE TABLE crm.communications (
    tenant_id   text        NOT NULL CHECK (char_length(tenant_id) BETWEEN 1 AND 128),
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    channel     text        NOT NULL CHECK (channel IN ('email', 'call', 'meeting', 'sms')),
    direction   text        NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    subject     text        CHECK (char_length(subject) <= 500),
    body        text        CHECK (char_length(body) <= 10000),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    contact_id  uuid,
    account_id  uuid,
    CONSTRAINT communications_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT communications_contact_fkey FOREIGN KEY (tenant_id, contact_id)
        REFERENCES crm.contacts (tenant_id, id) ON DELETE SET NULL (contact_id),
    CONSTRAINT communications_account_fkey FOREIGN KEY (tenant_id, account_id)
        REFERENCES crm.accounts (tenant_id, id) ON DELETE SET NULL (account_id)
);

CREATE TABLE crm.invoices (
    tenant_id   text          NOT NULL CHECK (char_length(tenant_id) BETWEEN 1 AND 128),
    id          uuid          NOT NULL DEFAULT gen_random_uuid(),
    created_at  timestamptz   NOT NULL DEFAULT now(),
    updated_at  timestamptz   NOT NULL DEFAULT now(),
    number      text          NOT NULL CHECK (char_length(number) BETWEEN 1 AND 50),
    account_id  uuid,
    status      text          NOT NULL DEFAULT 'draft'
                              CHECK (status IN ('draft', 'sent', 'paid', 'void')),
    total       numeric(14,2) NOT NULL DEFAULT 0 CHECK (total >= 0),
    -- ISO 4217 alphabetic code. The regex also rejects the blank padding of a short char(3).
    currency    char(3)       NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    issue_date  date,
    due_date    date,
    CONSTRAINT invoices_pkey PRIMARY KEY (tenant_id, id),
    -- Unique per tenant only: two tenants of a shared database may both have invoice 1001.
    CONSTRAINT invoices_tenant_number_key UNIQUE (tenant_id, number),
    CONSTRAINT invoices_account_fkey FOREIGN KEY (tenant_id, account_id)
        REFERENCES crm.accounts (tenant_id, id) ON DELETE SET NULL (account_id)
);

CREATE TABLE crm.payments (
    tenant_id   text          NOT NULL CHECK (char_length(tenant_id) BETWEEN 1 AND 128),
    id          uuid          NOT NULL DEFAULT gen_random_uuid(),
    created_at  timestamptz   NOT NULL DEFAULT now(),
    updated_at  timestamptz   NOT NULL DEFAULT now(),
    invoice_id  uuid          NOT NULL,
    amount      numeric(14,2) NOT NULL CHECK (amount > 0),
    paid_at     timestamptz   NOT NULL DEFAULT now(),
    method      text          CHECK (method IN ('card', 'bank_transfer', 'cash', 'check', 'other')),
    reference   text          CHECK (char_length(reference) <= 200),
    CONSTRAINT payments_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT payments_invoice_fkey FOREIGN KEY (tenant_id, invoice_id)
        REFERENCES crm.invoices (tenant_id, id) ON DELETE CASCADE
);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON crm.locations
    FOR EACH ROW EXECUTE FUNCTION crm.touch_updated_at();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON crm.events
    FOR EACH ROW EXECUTE FUNCTION crm.touch_updated_at();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON crm.event_dates
    FOR EACH ROW EXECUTE FUNCTION crm.touch_updated_at();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON crm.tasks
    FOR EACH ROW EXECUTE FUNCTION crm.touch_updated_at();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON crm.notes
    FOR EACH ROW EXECUTE FUNCTION crm.touch_updated_at();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON crm.attachments
    FOR EACH ROW EXECUTE FUNCTION crm.touch_updated_at();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON crm.communications
    FOR EACH ROW EXECUTE FUNCTION crm.touch_updated_at();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON crm.invoices
    FOR EACH ROW EXECUTE FUNCTION crm.touch_updated_at();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON crm.payments
    FOR EACH ROW EXECUTE FUNCTION crm.touch_updated_at();

-- Indexes: same scheme as 0002 (keyset, filter + keyset, sort + id tie-breaker, every FK).
CREATE INDEX locations_tenant_created_idx ON crm.locations (tenant_id, created_at, id);
CREATE INDEX locations_tenant_account_idx ON crm.locations (tenant_id, account_id);
CREATE INDEX locations_tenant_name_idx    ON crm.locations (tenant_id, name, id);

CREATE INDEX events_tenant_created_idx   ON crm.events (tenant_id, created_at, id);
CREATE INDEX events_tenant_starts_at_idx ON crm.events (tenant_id, starts_at, id);
CREATE INDEX events_tenant_status_idx    ON crm.events (tenant_id, status, created_at, id);
CREATE INDEX events_tenant_account_idx   ON crm.events (tenant_id, account_id);
CREATE INDEX events_tenant_location_idx  ON crm.events (tenant_id, location_id);

CREATE INDEX event_dates_tenant_event_idx     ON crm.event_dates (tenant_id, event_id, starts_at);
CREATE INDEX event_dates_tenant_starts_at_idx ON crm.event_dates (tenant_id, starts_at, id);

CREATE INDEX tasks_tenant_created_idx ON crm.tasks (tenant_id, created_at, id);
CREATE INDEX tasks_tenant_status_idx  ON crm.tasks (tenant_id, status, created_at, id);
CREATE INDEX tasks_tenant_due_at_idx  ON crm.tasks (tenant_id, due_at, id);
CREATE INDEX tasks_tenant_account_idx ON crm.tasks (tenant_id, account_id);
CREATE INDEX tasks_tenant_contact_idx ON crm.tasks (tenant_id, contact_id);

CREATE INDEX notes_tenant_created_idx ON crm.notes (tenant_id, created_at, id);
CREATE INDEX notes_tenant_account_idx ON crm.notes (tenant_id, account_id);
CREATE INDEX notes_tenant_contact_idx ON crm.notes (tenant_id, contact_id);

CREATE INDEX attachments_tenant_created_idx ON crm.attachments (tenant_id, created_at, id);
CREATE INDEX attachments_tenant_account_idx ON crm.attachments (tenant_id, account_id);

CREATE INDEX communications_tenant_created_idx     ON crm.communications (tenant_id, created_at, id);
CREATE INDEX communications_tenant_occurred_at_idx ON crm.communications (tenant_id, occurred_at, id);
CREATE INDEX communications_tenant_contact_idx     ON crm.communications (tenant_id, contact_id);
CREATE INDEX communications_tenant_account_idx     ON crm.communications (tenant_id, account_id);

-- (tenant_id, number) is served by invoices_tenant_number_key.
CREATE INDEX invoices_tenant_created_idx  ON crm.invoices (tenant_id, created_at, id);
CREATE INDEX invoices_tenant_status_idx   ON crm.invoices (tenant_id, status, created_at, id);
CREATE INDEX invoices_tenant_due_date_idx ON crm.invoices (tenant_id, due_date, id);
CREATE INDEX invoices_tenant_account_idx  ON crm.invoices (tenant_id, account_id);

CREATE INDEX payments_tenant_created_idx ON crm.payments (tenant_id, created_at, id);
CREATE INDEX payments_tenant_invoice_idx ON crm.payments (tenant_id, invoice_id, paid_at);
