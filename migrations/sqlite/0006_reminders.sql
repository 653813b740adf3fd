-- Issue 10: event reminders (contract 6.3); see migrations/mysql/0006_reminders.sql.
CREATE TABLE event_triggers (
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    offset_minutes INTEGER NOT NULL,
    next_at INTEGER NOT NULL,
    PRIMARY KEY (event_id, offset_minutes)
);
CREATE INDEX event_triggers_due_idx ON event_triggers (next_at);

CREATE TABLE reminder_deliveries (
    event_id INTEGER NOT NULL,
    occurrence_start INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    offset_minutes INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (event_id, occurrence_start, user_id, offset_minutes)
);
CREATE INDEX reminder_deliveries_created_idx ON reminder_deliveries (created_at);

CREATE TABLE job_cursors (
    name TEXT NOT NULL PRIMARY KEY,
    position INTEGER NOT NULL,
    until_id INTEGER NOT NULL
);
INSERT INTO job_cursors (name, position, until_id)
    SELECT 'trigger-backfill', 0, COALESCE(MAX(id), 0) FROM events;
