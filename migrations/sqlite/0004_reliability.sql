-- Issue 8: what concurrent requests need to stay within the contract (see the MySQL twin).

-- One row per e-mail key that tried to log in; a login locks it to count and record its attempt
-- atomically (contract 3.5).
CREATE TABLE login_throttle_keys (
    email_key TEXT NOT NULL PRIMARY KEY,
    updated_at INTEGER NOT NULL
);

-- Set when an unreferenced upload is replaced by a newer one; the row stays for the quota.
ALTER TABLE uploads ADD COLUMN deleted_at INTEGER NULL;
CREATE INDEX uploads_user_created_idx ON uploads (user_id, created_at);
