-- Issue 11: the search index of migrations/mysql/0009_series_first_search_index.sql (see there).
DROP INDEX event_participations_search_idx;
CREATE INDEX event_participations_search_idx ON event_participations
    (calendar_member_id, event_recurring, event_created_at, event_id, event_type,
     event_started_at, event_range_end, response_status, event_name_key);
