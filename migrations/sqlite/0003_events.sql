-- Events, tasks, participations and per-occurrence overrides; same tables as
-- migrations/mysql/0003_events.sql.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    calendar_id INTEGER NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
    creator_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NULL,
    category TEXT NOT NULL,
    event_type TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER NOT NULL,
    start_date TEXT NULL,
    end_date TEXT NULL,
    time_zone TEXT NOT NULL,
    all_day BOOLEAN NOT NULL DEFAULT FALSE,
    recurrence TEXT NULL,
    reminders TEXT NOT NULL,
    color TEXT NOT NULL,
    range_end INTEGER NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX events_calendar_idx ON events (calendar_id);
CREATE INDEX events_created_idx ON events (created_at, id);
CREATE INDEX events_creator_idx ON events (creator_id);

CREATE TABLE tasks (
    event_id INTEGER PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    is_completed BOOLEAN NOT NULL DEFAULT FALSE,
    priority TEXT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE event_participations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    calendar_member_id INTEGER NOT NULL REFERENCES calendar_members (id) ON DELETE CASCADE,
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    color TEXT NOT NULL,
    response_status TEXT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (calendar_member_id, event_id)
);
CREATE INDEX event_participations_event_idx ON event_participations (event_id);

CREATE TABLE event_overrides (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    original_start INTEGER NOT NULL,
    fields TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (event_id, original_start)
);
