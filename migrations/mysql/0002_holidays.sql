-- Public holidays (contract 4.10, 6.5). Rows come from two sources: the offline dataset shipped
-- with the code (`dataset`, loaded per country on first use) and the daily HTTP sync (`sync`,
-- Nager.Date-style upserts). For a (country, year) with synced rows only those are used.
CREATE TABLE holidays (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    country_code CHAR(2) NOT NULL,
    holiday_year INT NOT NULL,
    holiday_date CHAR(10) NOT NULL,
    name VARCHAR(255) NOT NULL,
    local_name VARCHAR(255) NULL,
    types VARCHAR(255) NOT NULL,
    is_global BOOLEAN NOT NULL DEFAULT TRUE,
    source VARCHAR(16) NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE KEY holidays_natural_unique (source, country_code, holiday_date, name),
    KEY holidays_lookup_idx (country_code, holiday_year, source)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Which countries' offline data has been copied into `holidays` (insert-if-absent marks a load).
CREATE TABLE holiday_dataset_loads (
    country_code CHAR(2) NOT NULL PRIMARY KEY,
    loaded_at BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
