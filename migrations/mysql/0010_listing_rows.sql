-- Issue 11: each participation carries the whole row of its event and of the event's task, so
-- the month view (M7) reads the participations of one membership and nothing else: no lookup
-- into `events` or `tasks` per item. On MariaDB those two joins were a third of the view's
-- time (76 items, 10,000 events: 0.25 ms of 0.8). Migration 0007 copied the columns the
-- listings filter by; these are the columns they return. `db::participations::copy_rows`
-- rewrites them, in the same transaction, after every write of an event or its task.
ALTER TABLE event_participations
    ADD COLUMN event_calendar_id BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN event_creator_id BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN event_name VARCHAR(100) NOT NULL DEFAULT '',
    ADD COLUMN event_description VARCHAR(255) NULL,
    ADD COLUMN event_category VARCHAR(8) NOT NULL DEFAULT '',
    ADD COLUMN event_ended_at BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN event_start_date CHAR(10) NULL,
    ADD COLUMN event_end_date CHAR(10) NULL,
    ADD COLUMN event_time_zone VARCHAR(64) NOT NULL DEFAULT '',
    ADD COLUMN event_all_day BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN event_recurrence TEXT NULL,
    ADD COLUMN event_reminders VARCHAR(64) NOT NULL DEFAULT '[]',
    ADD COLUMN event_color CHAR(7) NOT NULL DEFAULT '',
    ADD COLUMN event_version BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN event_updated_at BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN task_is_completed BOOLEAN NULL,
    ADD COLUMN task_priority VARCHAR(8) NULL,
    ADD COLUMN task_created_at BIGINT NULL,
    ADD COLUMN task_updated_at BIGINT NULL;

UPDATE event_participations p JOIN events e ON e.id = p.event_id
    LEFT JOIN tasks t ON t.event_id = e.id SET
    p.event_calendar_id = e.calendar_id, p.event_creator_id = e.creator_id,
    p.event_name = e.name, p.event_description = e.description, p.event_category = e.category,
    p.event_type = e.event_type, p.event_started_at = e.started_at, p.event_ended_at = e.ended_at,
    p.event_start_date = e.start_date, p.event_end_date = e.end_date,
    p.event_time_zone = e.time_zone, p.event_all_day = e.all_day,
    p.event_recurrence = e.recurrence, p.event_reminders = e.reminders,
    p.event_color = e.color, p.event_range_end = e.range_end, p.event_version = e.version,
    p.event_created_at = e.created_at, p.event_updated_at = e.updated_at,
    p.task_is_completed = t.is_completed, p.task_priority = t.priority,
    p.task_created_at = t.created_at, p.task_updated_at = t.updated_at;
