-- Public holidays (contract 4.10, 6.5); same tables as migrations/mysql/0002_holidays.sql.
CREATE TABLE holidays (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    country_code TEXT NOT NULL,
    holiday_year INTEGER NOT NULL,
    holiday_date TEXT NOT NULL,
    name TEXT NOT NULL,
    local_name TEXT NULL,
    types TEXT NOT NULL,
    is_global BOOLEAN NOT NULL DEFAULT TRUE,
    source TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (source, country_code, holiday_date, name)
);
CREATE INDEX holidays_lookup_idx ON holidays (country_code, holiday_year, source);

CREATE TABLE holiday_dataset_loads (
    country_code TEXT NOT NULL PRIMARY KEY,
    loaded_at INTEGER NOT NULL
);
