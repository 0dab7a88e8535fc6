-- migrate:up
ALTER TABLE users ADD COLUMN IF NOT EXISTS locale text;

-- migrate:down
ALTER TABLE users DROP COLUMN locale;
