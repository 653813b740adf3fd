-- Accounts, sessions, calendars and the e-mail outbox (MySQL 8 / MariaDB 10.11).
-- Instants are BIGINT milliseconds since the Unix epoch (UTC): the same SQL text then works on
-- MySQL and SQLite, comparisons are plain integer comparisons, and precision is exactly the
-- contract's millisecond.
CREATE TABLE users (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    first_name VARCHAR(100) NOT NULL,
    last_name VARCHAR(100) NULL,
    email VARCHAR(255) NOT NULL,
    email_key VARCHAR(255) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    password_version BIGINT NOT NULL DEFAULT 0,
    profile_picture_name VARCHAR(64) NOT NULL,
    country_code CHAR(2) NOT NULL,
    time_zone VARCHAR(64) NOT NULL,
    email_verified BOOLEAN NOT NULL DEFAULT FALSE,
    confirmation_reminded_at BIGINT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE KEY users_email_key_unique (email_key),
    KEY users_unverified_idx (email_verified, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE sessions (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    KEY sessions_user_idx (user_id),
    CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE refresh_nonces (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    session_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    nonce CHAR(32) NOT NULL,
    created_at BIGINT NOT NULL,
    replaced_at BIGINT NULL,
    UNIQUE KEY refresh_nonces_nonce_unique (nonce),
    KEY refresh_nonces_session_idx (session_id),
    KEY refresh_nonces_created_idx (created_at),
    CONSTRAINT refresh_nonces_session_fk FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE login_failures (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    email_key VARCHAR(255) NOT NULL,
    created_at BIGINT NOT NULL,
    KEY login_failures_key_idx (email_key, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE uploads (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT NULL,
    name VARCHAR(64) NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE KEY uploads_name_unique (name),
    KEY uploads_user_idx (user_id),
    CONSTRAINT uploads_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE calendars (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    creator_id BIGINT NOT NULL,
    name VARCHAR(100) NOT NULL,
    description VARCHAR(255) NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    KEY calendars_creator_idx (creator_id),
    CONSTRAINT calendars_creator_fk FOREIGN KEY (creator_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE calendar_members (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    calendar_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    calendar_type VARCHAR(16) NOT NULL,
    role VARCHAR(16) NOT NULL,
    color CHAR(7) NOT NULL,
    is_visible BOOLEAN NOT NULL DEFAULT TRUE,
    is_confirmed BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE KEY calendar_members_calendar_user_unique (calendar_id, user_id),
    KEY calendar_members_user_idx (user_id, is_confirmed),
    CONSTRAINT calendar_members_calendar_fk FOREIGN KEY (calendar_id) REFERENCES calendars (id) ON DELETE CASCADE,
    CONSTRAINT calendar_members_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE outbox (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    dedupe_key VARCHAR(191) NOT NULL,
    kind VARCHAR(32) NOT NULL,
    recipient VARCHAR(255) NOT NULL,
    subject VARCHAR(1000) NOT NULL,
    html_body MEDIUMTEXT NOT NULL,
    text_body MEDIUMTEXT NOT NULL,
    links TEXT NOT NULL,
    attempts INT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    sent_at BIGINT NULL,
    failed_at BIGINT NULL,
    last_error TEXT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE KEY outbox_dedupe_unique (dedupe_key),
    KEY outbox_pending_idx (sent_at, failed_at, next_attempt_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
