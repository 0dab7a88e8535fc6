-- +goose Up
ALTER TABLE users ADD COLUMN IF NOT EXISTS name text;

-- +goose Down
ALTER TABLE users DROP COLUMN name;
