-- Issue 11: each participation carries the event columns its listings filter and order by, so
-- the month view (M7) and the search (U8/U9) read one index range per membership and join only
-- the rows they return. Every write of an event rewrites its participations' copies in the same
-- transaction (db::events::update); a participation is inserted with them (db::participations).
--
-- `event_long`: the event may overlap a window it starts more than a day before (a series, or a
-- plain event longer than a day). Short events are found by their start alone.
-- `event_name_key`: the name lower-cased by Rust's `str::to_lowercase`, compared byte for byte
-- (`utf8mb4_bin`), so the search's case-insensitive substring test runs in the index. Names
-- stored before this migration are keyed here by LOWER() when they are ASCII (the same result);
-- the others are keyed by `Db::migrate` in Rust right after this migration.
ALTER TABLE event_participations
    ADD COLUMN event_created_at BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN event_started_at BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN event_range_end BIGINT NULL,
    ADD COLUMN event_long BOOLEAN NOT NULL DEFAULT TRUE,
    ADD COLUMN event_type VARCHAR(16) NOT NULL DEFAULT '',
    ADD COLUMN event_recurring BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN event_name_key VARCHAR(400) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL;

UPDATE event_participations p JOIN events e ON e.id = p.event_id SET
    p.event_created_at = e.created_at,
    p.event_started_at = e.started_at,
    p.event_range_end = e.range_end,
    p.event_long = (e.range_end IS NULL OR e.range_end - e.started_at > 86400000),
    p.event_type = e.event_type,
    p.event_recurring = (e.recurrence IS NOT NULL),
    p.event_name_key = CASE WHEN LENGTH(e.name) = CHAR_LENGTH(e.name) THEN LOWER(e.name) END;

-- M7: a membership's participations overlapping a window, short events by start.
CREATE INDEX event_participations_window_idx ON event_participations
    (calendar_member_id, event_long, event_started_at, event_range_end, response_status, event_id);
-- U8/U9: a membership's participations newest event first, with every column the search
-- filters by, so counting the matches reads this index alone.
CREATE INDEX event_participations_search_idx ON event_participations
    (calendar_member_id, event_created_at, event_id, event_type, event_recurring,
     event_started_at, event_range_end, response_status, event_name_key);
