-- Build the index without blocking writes to users.
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);
