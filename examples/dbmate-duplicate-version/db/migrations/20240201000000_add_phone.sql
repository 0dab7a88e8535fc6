-- migrate:up
ALTER TABLE users ADD COLUMN IF NOT EXISTS phone text;

-- migrate:down
ALTER TABLE users DROP COLUMN phone;
