-- Catalog, step 3: what a move verified before its cut-over.
-- Per table: the tenant's row count and an order-independent checksum of its rows on the source and on the target,
-- as a JSON array; a move whose sides differ fails and leaves the tenant where it was.
ALTER TABLE catalog.tenant_moves ADD COLUMN verification jsonb CHECK (verification IS NULL OR jsonb_typeof(verification) = 'array');
