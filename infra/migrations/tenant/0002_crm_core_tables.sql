-- Tenant CRM, step 2: accounts, contacts, leads, opportunities and their child tables.
--
-- Every table carries tenant_id (dedicated databases too) so one schema serves every
-- placement mode and moving a tenant is a copy of its rows. Primary keys are
-- (tenant_id, id): logical replication row filters need the tenant in the replica identity.
-- Foreign keys include tenant_id, so a row can only ever reference a row of its own tenant.
-- Optional references use ON DELETE SET NULL (col), which nulls only the reference column,
-- never tenant_id. Enums are text + CHECK (simpler to evolve than PostgreSQL enum types).
-- Length checks make the database the last wall behind the API's validation.
-- Row-level security and grants follow in 0004, in their own step.

CREATE TABLE crm.accounts (
    tenant_id             text        NOT NULL CHECK (char_length(tenant_id) BETWEEN 1 AND 128),
    id                    uuid        NOT NULL DEFAULT gen_random_uuid(),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    name                  text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    industry              text        CHECK (char_length(industry) <= 100),
    website               text        CHECK (char_length(website) <= 2048),
    phone                 text        CHECK (char_length(phone) <= 50),
    email                 text        CHECK (char_length(email) <= 320),
    description           text        CHECK (char_length(description) <= 10000),
    billing_address_line1 text        CHECK (char_length(billing_address_line1) <= 200),
    billing_address_line2 text        CHECK (char_length(billing_address_line2) <= 200),
    billing_city          text        CHECK (char_length(billing_city) <= 100),
    billing_region        text        CHECK (char_length(billing_region) <= 100),
    billing_postal_code   text        CHECK (char_length(billing_postal_code) <= 20),
    billing_country       text        CHECK (char_length(billing_country) <= 100),
    CONSTRAINT accounts_pkey PRIMARY KEY (tenant_id, id)
);

CREATE TABLE crm.contacts (
    tenant_id   text        NOT NULL CHECK (char_length(tenant_id) BETWEEN 1 AND 128),
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    first_name  text        NOT NULL CHECK (char_length(first_name) BETWEEN 1 AND 200),
    last_name   text        NOT NULL CHECK (char_length(last_name) BETWEEN 1 AND 200),
    email       text        CHECK (char_length(email) <= 320),
    phone       text        CHECK (char_length(phone) <= 50),
    title       text        CHECK (char_length(title) <= 200),
    account_id  uuid,
    CONSTRAINT contacts_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT contacts_account_fkey FOREIGN KEY (tenant_id, account_id)
        REFERENCES crm.accounts (tenant_id, id) ON DELETE SET NULL (account_id)
);

-- Many-to-many: a contact may work with several accounts, each in a role.
CREATE TABLE crm.contact_accounts (
    tenant_id   text        NOT NULL CHECK (char_length(tenant_id) BETWEEN 1 AND 128),
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    contact_id  uuid        NOT NULL,
    account_id  uuid        NOT NULL,
    role        text        CHECK (char_length(role) <= 100),
    is_primary  boolean     NOT NULL DEFAULT false,
    CONSTRAINT contact_accounts_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT contact_accounts_contact_account_key UNIQUE (tenant_id, contact_id, account_id),
    CONSTRAINT contact_accounts_contact_fkey FOREIGN KEY (tenant_id, contact_id)
        REFERENCES crm.contacts (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT contact_accounts_account_fkey FOREIGN KEY (tenant_id, account_id)
        REFERENCES crm.accounts (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE crm.leads (
    tenant_id   text        NOT NULL CHECK (char_length(tenant_id) BETWEEN 1 AND 128),
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    first_name  text        CHECK (char_length(first_name) <= 200),
    last_name   text        NOT NULL CHECK (char_length(last_name) BETWEEN 1 AND 200),
    company     text        CHECK (char_length(company) <= 200),
    email       text        CHECK (char_length(email) <= 320),
    phone       text        CHECK (char_length(phone) <= 50),
    title       text        CHECK (char_length(title) <= 200),
    source      text        CHECK (char_length(source) <= 100),
    status      text        NOT NULL DEFAULT 'new'
                            CHECK (status IN ('new', 'contacted', 'qualified', 'unqualified', 'converted')),
    CONSTRAINT leads_pkey PRIMARY KEY (tenant_id, id)
);

CREATE TABLE crm.opportunities (
    tenant_id   text          NOT NULL CHECK (char_length(tenant_id) BETWEEN 1 AND 128),
    id          uuid          NOT NULL DEFAULT gen_random_uuid(),
    created_at  timestamptz   NOT NULL DEFAULT now(),
    updated_at  timestamptz   NOT NULL DEFAULT now(),
    name        text          NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    account_id  uuid,
    stage       text          NOT NULL DEFAULT 'prospecting'
                              CHECK (stage IN ('prospecting', 'qualification', 'proposal', 'negotiation', 'won', 'lost')),
    amount      numeric(14,2) CHECK (amount >= 0),
    close_date  date,
    probability smallint      CHECK (probability BETWEEN 0 AND 100),
    description text          CHECK (char_length(description) <= 10000),
    CONSTRAINT opportunities_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT opportunities_account_fkey FOREIGN KEY (tenant_id, account_id)
        REFERENCES crm.accounts (tenant_id, id) ON DELETE SET NULL (account_id)
);

CREATE TABLE crm.opportunity_line_items (
    tenant_id      text          NOT NULL CHECK (char_length(tenant_id) BETWEEN 1 AND 128),
    id             uuid          NOT NULL DEFAULT gen_random_uuid(),
    created_at     timestamptz   NOT NULL DEFAULT now(),
    updated_at     timestamptz   NOT NULL DEFAULT now(),
    opportunity_id uuid          NOT NULL,
    product_name   text          NOT NULL CHECK (char_length(product_name) BETWEEN 1 AND 200),
    description    text          CHECK (char_length(description) <= 10000),
    quantity       numeric(14,3) NOT NULL DEFAULT 1 CHECK (quantity > 0),
    unit_price     numeric(14,2) NOT NULL DEFAULT 0 CHECK (unit_price >= 0),
    sort_order     integer       NOT NULL DEFAULT 0 CHECK (sort_order >= 0),
    CONSTRAINT opportunity_line_items_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT opportunity_line_items_opportunity_fkey FOREIGN KEY (tenant_id, opportunity_id)
        REFERENCES crm.opportunities (tenant_id, id) ON DELETE CASCADE
);

-- updated_at follows every UPDATE.
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON crm.accounts
    FOR EACH ROW EXECUTE FUNCTION crm.touch_updated_at();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON crm.contacts
    FOR EACH ROW EXECUTE FUNCTION crm.touch_updated_at();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON crm.contact_accounts
    FOR EACH ROW EXECUTE FUNCTION crm.touch_updated_at();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON crm.leads
    FOR EACH ROW EXECUTE FUNCTION crm.touch_updated_at();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON crm.opportunities
    FOR EACH ROW EXECUTE FUNCTION crm.touch_updated_at();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON crm.opportunity_line_items
    FOR EACH ROW EXECUTE FUNCTION crm.touch_updated_at();

-- Indexes. (tenant_id, created_at, id) serves the default keyset pagination of each list.
-- Equality filters on enums also carry (created_at, id) so "filter + default order + cursor"
-- is a single index range scan. Sortable columns carry id as the keyset tie-breaker.
-- Every foreign key column is indexed as (tenant_id, fk) for filters and ON DELETE actions;
-- where a unique constraint already leads with (tenant_id, fk), that index serves.
CREATE INDEX accounts_tenant_created_idx  ON crm.accounts (tenant_id, created_at, id);
CREATE INDEX accounts_tenant_name_idx     ON crm.accounts (tenant_id, name, id);
CREATE INDEX accounts_tenant_industry_idx ON crm.accounts (tenant_id, industry, created_at, id);

CREATE INDEX contacts_tenant_created_idx   ON crm.contacts (tenant_id, created_at, id);
CREATE INDEX contacts_tenant_account_idx   ON crm.contacts (tenant_id, account_id);
CREATE INDEX contacts_tenant_email_idx     ON crm.contacts (tenant_id, email);
CREATE INDEX contacts_tenant_last_name_idx ON crm.contacts (tenant_id, last_name, id);

-- (tenant_id, contact_id) is served by contact_accounts_contact_account_key.
CREATE INDEX contact_accounts_tenant_account_idx ON crm.contact_accounts (tenant_id, account_id);

CREATE INDEX leads_tenant_created_idx ON crm.leads (tenant_id, created_at, id);
CREATE INDEX leads_tenant_status_idx  ON crm.leads (tenant_id, status, created_at, id);
CREATE INDEX leads_tenant_email_idx   ON crm.leads (tenant_id, email);

CREATE INDEX opportunities_tenant_created_idx    ON crm.opportunities (tenant_id, created_at, id);
CREATE INDEX opportunities_tenant_account_idx    ON crm.opportunities (tenant_id, account_id);
CREATE INDEX opportunities_tenant_stage_idx      ON crm.opportunities (tenant_id, stage, created_at, id);
CREATE INDEX opportunities_tenant_close_date_idx ON crm.opportunities (tenant_id, close_date, id);

CREATE INDEX opportunity_line_items_tenant_opportunity_idx
    ON crm.opportunity_line_items (tenant_id, opportunity_id, sort_order);
