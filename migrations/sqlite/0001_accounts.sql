-- Accounts, sessions, calendars and the e-mail outbox (SQLite). Same tables as
-- migrations/mysql/0001_accounts.sql; instants are INTEGER milliseconds since the Unix epoch (UTC).
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    first_name TEXT NOT NULL,
    last_name TEXT NULL,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    password_version INTEGER NOT NULL DEFAULT 0,
    profile_picture_name TEXT NOT NULL,
    country_code TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    email_verified BOOLEAN NOT NULL DEFAULT FALSE,
    confirmation_reminded_at INTEGER NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX users_unverified_idx ON users (email_verified, created_at);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE refresh_nonces (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    nonce TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    replaced_at INTEGER NULL
);
CREATE INDEX refresh_nonces_session_idx ON refresh_nonces (session_id);
CREATE INDEX refresh_nonces_created_idx ON refresh_nonces (created_at);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email_key TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX login_failures_key_idx ON login_failures (email_key, created_at);

CREATE TABLE uploads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NULL REFERENCES users (id) ON DELETE SET NULL,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
CREATE INDEX uploads_user_idx ON uploads (user_id);

CREATE TABLE calendars (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    creator_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX calendars_creator_idx ON calendars (creator_id);

CREATE TABLE calendar_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    calendar_id INTEGER NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    calendar_type TEXT NOT NULL,
    role TEXT NOT NULL,
    color TEXT NOT NULL,
    is_visible BOOLEAN NOT NULL DEFAULT TRUE,
    is_confirmed BOOLEAN NOT NULL DEFAULT FALSE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (calendar_id, user_id)
);
CREATE INDEX calendar_members_user_idx ON calendar_members (user_id, is_confirmed);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    html_body TEXT NOT NULL,
    text_body TEXT NOT NULL,
    links TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at INTEGER NULL,
    failed_at INTEGER NULL,
    last_error TEXT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX outbox_pending_idx ON outbox (sent_at, failed_at, next_attempt_at);
