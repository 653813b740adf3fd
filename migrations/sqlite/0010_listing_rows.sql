-- Issue 11: the listing rows of migrations/mysql/0010_listing_rows.sql (see there).
ALTER TABLE event_participations ADD COLUMN event_calendar_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE event_participations ADD COLUMN event_creator_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE event_participations ADD COLUMN event_name TEXT NOT NULL DEFAULT '';
ALTER TABLE event_participations ADD COLUMN event_description TEXT NULL;
ALTER TABLE event_participations ADD COLUMN event_category TEXT NOT NULL DEFAULT '';
ALTER TABLE event_participations ADD COLUMN event_ended_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE event_participations ADD COLUMN event_start_date TEXT NULL;
ALTER TABLE event_participations ADD COLUMN event_end_date TEXT NULL;
ALTER TABLE event_participations ADD COLUMN event_time_zone TEXT NOT NULL DEFAULT '';
ALTER TABLE event_participations ADD COLUMN event_all_day BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE event_participations ADD COLUMN event_recurrence TEXT NULL;
ALTER TABLE event_participations ADD COLUMN event_reminders TEXT NOT NULL DEFAULT '[]';
ALTER TABLE event_participations ADD COLUMN event_color TEXT NOT NULL DEFAULT '';
ALTER TABLE event_participations ADD COLUMN event_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE event_participations ADD COLUMN event_updated_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE event_participations ADD COLUMN task_is_completed BOOLEAN NULL;
ALTER TABLE event_participations ADD COLUMN task_priority TEXT NULL;
ALTER TABLE event_participations ADD COLUMN task_created_at INTEGER NULL;
ALTER TABLE event_participations ADD COLUMN task_updated_at INTEGER NULL;

UPDATE event_participations SET
    (event_calendar_id, event_creator_id, event_name, event_description, event_category,
     event_type, event_started_at, event_ended_at, event_start_date, event_end_date,
     event_time_zone, event_all_day, event_recurrence, event_reminders, event_color,
     event_range_end, event_version, event_created_at, event_updated_at,
     task_is_completed, task_priority, task_created_at, task_updated_at) = (
        SELECT e.calendar_id, e.creator_id, e.name, e.description, e.category, e.event_type,
            e.started_at, e.ended_at, e.start_date, e.end_date, e.time_zone, e.all_day,
            e.recurrence, e.reminders, e.color, e.range_end, e.version, e.created_at,
            e.updated_at, t.is_completed, t.priority, t.created_at, t.updated_at
        FROM events e LEFT JOIN tasks t ON t.event_id = e.id
        WHERE e.id = event_participations.event_id);
