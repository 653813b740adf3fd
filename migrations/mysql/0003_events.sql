-- Events, tasks, participations and per-occurrence overrides (contract 4.8, 4.9).
-- `range_end` is the end of the last occurrence (NULL: unbounded series), used to pre-filter
-- listings by date in SQL before recurring series are expanded in code.
CREATE TABLE events (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    calendar_id BIGINT NOT NULL,
    creator_id BIGINT NOT NULL,
    name VARCHAR(100) NOT NULL,
    description VARCHAR(255) NULL,
    category VARCHAR(8) NOT NULL,
    event_type VARCHAR(16) NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT NOT NULL,
    start_date CHAR(10) NULL,
    end_date CHAR(10) NULL,
    time_zone VARCHAR(64) NOT NULL,
    all_day BOOLEAN NOT NULL DEFAULT FALSE,
    recurrence TEXT NULL,
    reminders VARCHAR(64) NOT NULL,
    color CHAR(7) NOT NULL,
    range_end BIGINT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    KEY events_calendar_idx (calendar_id),
    KEY events_created_idx (created_at, id),
    KEY events_creator_idx (creator_id),
    CONSTRAINT events_calendar_fk FOREIGN KEY (calendar_id) REFERENCES calendars (id) ON DELETE CASCADE,
    CONSTRAINT events_creator_fk FOREIGN KEY (creator_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tasks (
    event_id BIGINT NOT NULL PRIMARY KEY,
    is_completed BOOLEAN NOT NULL DEFAULT FALSE,
    priority VARCHAR(8) NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT tasks_event_fk FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE event_participations (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    calendar_member_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    color CHAR(7) NOT NULL,
    response_status VARCHAR(16) NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE KEY event_participations_member_event_unique (calendar_member_id, event_id),
    KEY event_participations_event_idx (event_id),
    CONSTRAINT event_participations_member_fk FOREIGN KEY (calendar_member_id) REFERENCES calendar_members (id) ON DELETE CASCADE,
    CONSTRAINT event_participations_event_fk FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE event_overrides (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_id BIGINT NOT NULL,
    original_start BIGINT NOT NULL,
    fields TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE KEY event_overrides_event_start_unique (event_id, original_start),
    CONSTRAINT event_overrides_event_fk FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
