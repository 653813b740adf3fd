-- Issue 10: the indexes the scheduled jobs sweep by (contract 6.1, 6.2, 6.5), so each reads
-- only what is due, never a whole table. Same statements in migrations/mysql and migrations/sqlite.
CREATE INDEX users_country_idx ON users (country_code);
CREATE INDEX sessions_created_idx ON sessions (created_at);
CREATE INDEX login_failures_created_idx ON login_failures (created_at);
CREATE INDEX login_throttle_keys_updated_idx ON login_throttle_keys (updated_at);
CREATE INDEX uploads_created_idx ON uploads (created_at);
