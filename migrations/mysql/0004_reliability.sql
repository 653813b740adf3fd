-- Issue 8: what concurrent requests need to stay within the contract on MySQL.

-- One row per e-mail key that tried to log in. A login locks its key's row to count and record
-- its attempt atomically before the password is checked (contract 3.5), so parallel attempts
-- cannot all pass the count. Rows are tiny; the cleanup job may drop keys without failures.
CREATE TABLE login_throttle_keys (
    email_key VARCHAR(255) NOT NULL PRIMARY KEY,
    updated_at BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- An upload replaced by a newer one of the same user before it was ever referenced: its file is
-- deleted at once, its row stays (until cleanup) so the per-user upload quota can count it.
ALTER TABLE uploads ADD COLUMN deleted_at BIGINT NULL;
CREATE INDEX uploads_user_created_idx ON uploads (user_id, created_at);
