-- Issue 11: the listing copies of migrations/mysql/0007_listing_copies.sql (see there). SQLite's
-- lower() folds ASCII only, so only ASCII names are keyed here; `Db::migrate` keys the others.
ALTER TABLE event_participations ADD COLUMN event_created_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE event_participations ADD COLUMN event_started_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE event_participations ADD COLUMN event_range_end INTEGER NULL;
ALTER TABLE event_participations ADD COLUMN event_long BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE event_participations ADD COLUMN event_type TEXT NOT NULL DEFAULT '';
ALTER TABLE event_participations ADD COLUMN event_recurring BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE event_participations ADD COLUMN event_name_key TEXT NULL;

UPDATE event_participations SET
    (event_created_at, event_started_at, event_range_end, event_long, event_type,
     event_recurring, event_name_key) = (
        SELECT e.created_at, e.started_at, e.range_end,
            (e.range_end IS NULL OR e.range_end - e.started_at > 86400000), e.event_type,
            (e.recurrence IS NOT NULL),
            CASE WHEN length(CAST(e.name AS BLOB)) = length(e.name) THEN lower(e.name) END
        FROM events e WHERE e.id = event_participations.event_id);

CREATE INDEX event_participations_window_idx ON event_participations
    (calendar_member_id, event_long, event_started_at, event_range_end, response_status, event_id);
CREATE INDEX event_participations_search_idx ON event_participations
    (calendar_member_id, event_created_at, event_id, event_type, event_recurring,
     event_started_at, event_range_end, response_status, event_name_key);
