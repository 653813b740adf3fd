//! SQL for `holidays` and `holiday_dataset_loads`.

use sqlx::FromRow;

use super::{Connection, DbErrorExt};
use crate::{execute, fetch_all, fetch_scalar};

/// Where a holiday row came from.
pub mod source {
    /// The offline dataset shipped with the code.
    pub const DATASET: &str = "dataset";
    /// The daily HTTP sync.
    pub const SYNC: &str = "sync";
}

/// A stored holiday.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct Holiday {
    pub holiday_date: String,
    pub name: String,
    pub local_name: Option<String>,
}

/// A holiday to store (Nager.Date fields: date, name, localName, types, global).
#[derive(Clone, Debug)]
pub struct NewHoliday<'a> {
    pub date: &'a str,
    pub name: &'a str,
    pub local_name: Option<&'a str>,
    pub types: &'a str,
    pub global: bool,
}

/// The holidays of one country, year and source, by date then name.
pub async fn list(
    mut conn: impl Connection,
    country: &str,
    year: i32,
    source: &str,
) -> sqlx::Result<Vec<Holiday>> {
    fetch_all!(
        conn,
        Holiday,
        "SELECT holiday_date, name, local_name FROM holidays \
         WHERE country_code = ? AND holiday_year = ? AND source = ? ORDER BY holiday_date, name",
        country,
        year,
        source
    )
}

/// Whether the offline data of a country was copied already.
pub async fn dataset_loaded(mut conn: impl Connection, country: &str) -> sqlx::Result<bool> {
    let n: i64 = fetch_scalar!(
        conn,
        i64,
        "SELECT COUNT(*) FROM holiday_dataset_loads WHERE country_code = ?",
        country
    )?;
    Ok(n > 0)
}

/// Marks a country's offline data as loaded; `false` when another worker did it first.
pub async fn mark_dataset_loaded(
    mut conn: impl Connection,
    country: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let res = execute!(
        conn,
        "INSERT INTO holiday_dataset_loads (country_code, loaded_at) VALUES (?, ?)",
        country,
        now
    )
    .map(drop);
    match res {
        Ok(()) => Ok(true),
        Err(e) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Inserts holidays of one country and source (callers ensure no duplicates).
pub async fn insert(
    mut conn: impl Connection,
    country: &str,
    source: &str,
    rows: &[NewHoliday<'_>],
    now: i64,
) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO holidays (country_code, holiday_year, holiday_date, name, \
        local_name, types, is_global, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    for h in rows {
        let year: i32 = h
            .date
            .get(..4)
            .and_then(|y| y.parse().ok())
            .unwrap_or_default();
        execute!(
            conn,
            SQL,
            country,
            year,
            h.date,
            h.name,
            h.local_name,
            h.types,
            h.global,
            source,
            now,
            now
        )
        .map(drop)?;
    }
    Ok(())
}

/// Deletes the rows of one country, year and source (before a sync replaces them).
pub async fn delete_year(
    mut conn: impl Connection,
    country: &str,
    year: i32,
    source: &str,
) -> sqlx::Result<()> {
    execute!(
        conn,
        "DELETE FROM holidays WHERE country_code = ? AND holiday_year = ? AND source = ?",
        country,
        year,
        source
    )
    .map(drop)
}
