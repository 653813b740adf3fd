-- Issue 10: event reminders (contract 6.3). Each (event, offset) keeps its next trigger, which
-- every write of the event recomputes and each fire advances, so a sweep reads only what is due.
CREATE TABLE event_triggers (
    event_id BIGINT NOT NULL,
    offset_minutes INT NOT NULL,
    next_at BIGINT NOT NULL,
    PRIMARY KEY (event_id, offset_minutes),
    KEY event_triggers_due_idx (next_at),
    CONSTRAINT event_triggers_event_fk FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per reminder e-mail queued: (event, occurrence, user, offset) at most once, even with
-- several sweeps at once (insert-first). Kept 30 days (6.2), after the event too.
CREATE TABLE reminder_deliveries (
    event_id BIGINT NOT NULL,
    occurrence_start BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    offset_minutes INT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (event_id, occurrence_start, user_id, offset_minutes),
    KEY reminder_deliveries_created_idx (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Events stored before this migration get their triggers from the sweep, in id order up to
-- the newest event at migration time (later ones get them when they are written).
CREATE TABLE job_cursors (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    position BIGINT NOT NULL,
    until_id BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO job_cursors (name, position, until_id)
    SELECT 'trigger-backfill', 0, COALESCE(MAX(id), 0) FROM events;
