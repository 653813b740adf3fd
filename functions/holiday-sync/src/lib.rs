//! The daily holiday sync (contract 6.5): for every distinct `countryCode` of existing users and
//! for the current and the next UTC year, `GET {HOLIDAY_API_BASE_URL}/api/v3/PublicHolidays/
//! {year}/{countryCode}` (Nager.Date-compatible) with a 10 s timeout. A 200 with a JSON array
//! whose public, global entries leave at least one holiday replaces that country's and year's
//! synced rows in one transaction; any other outcome keeps what is stored.

use std::collections::HashSet;

use chrono::{DateTime, Datelike};
use serde::Deserialize;
use shared::AppState;
use shared::db::holidays::{self, NewHoliday, source};
use shared::db::users;

/// What one run did, per (country, year).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Synced rows replaced.
    pub replaced: usize,
    /// Kept as they were: an empty or filtered-out answer, or any error.
    pub kept: usize,
}

/// One entry of the API's answer (fields we do not use are ignored).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiHoliday {
    pub date: String,
    pub local_name: Option<String>,
    pub name: String,
    #[serde(default)]
    pub global: bool,
    #[serde(default)]
    pub types: Vec<String>,
}

/// Syncs every country of existing users for the UTC year of `now` and the next.
pub async fn run(state: &AppState, now: i64) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let Some(base) = state.config.holiday_api_base_url.as_deref() else {
        tracing::info!("holiday sync: no HOLIDAY_API_BASE_URL, nothing to do");
        return Ok(report);
    };
    let client = reqwest::Client::builder()
        .timeout(state.config.holiday_api_timeout)
        .build()?;
    let countries = {
        let mut c = state.db.acquire().await?;
        users::country_codes(&mut c).await?
    };
    let year = DateTime::from_timestamp_millis(now)
        .unwrap_or_default()
        .year();
    for country in &countries {
        for y in [year, year + 1] {
            match sync_one(state, &client, base, country, y, now).await {
                Ok(true) => report.replaced += 1,
                Ok(false) => report.kept += 1,
                Err(e) => {
                    report.kept += 1;
                    tracing::warn!(country = %country, year = y, error = %format!("{e:#}"),
                        "holiday sync kept the stored data");
                }
            }
        }
    }
    tracing::info!(?report, countries = countries.len(), "holiday sync");
    Ok(report)
}

/// Fetches and stores one (country, year); `Ok(false)` when the answer leaves nothing to store.
async fn sync_one(
    state: &AppState,
    client: &reqwest::Client,
    base: &str,
    country: &str,
    year: i32,
    now: i64,
) -> anyhow::Result<bool> {
    let url = format!("{base}/api/v3/PublicHolidays/{year}/{country}");
    let res = client.get(&url).send().await?;
    if res.status() != reqwest::StatusCode::OK {
        anyhow::bail!("{url} answered {}", res.status());
    }
    let entries: Vec<ApiHoliday> = res.json().await?;
    let kept = public_holidays(&entries, year);
    if kept.is_empty() {
        return Ok(false);
    }
    let mut tx = state.db.begin().await?;
    holidays::delete_year(&mut tx, country, year, source::SYNC).await?;
    holidays::insert(&mut tx, country, source::SYNC, &kept, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// The entries 6.5 keeps: `Public` among the types, `global`, of that year, one per (date,
/// name), in the answer's order.
pub fn public_holidays(entries: &[ApiHoliday], year: i32) -> Vec<NewHoliday<'_>> {
    let prefix = format!("{year}-");
    let mut seen = HashSet::new();
    entries
        .iter()
        .filter(|h| h.global && h.types.iter().any(|t| t == "Public"))
        .filter(|h| h.date.starts_with(&prefix) && is_date(&h.date))
        .filter(|h| seen.insert((h.date.as_str(), h.name.as_str())))
        .map(|h| NewHoliday {
            date: &h.date,
            name: &h.name,
            local_name: h.local_name.as_deref(),
            types: "Public",
            global: true,
        })
        .collect()
}

fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok_and(|_| s.len() == 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(date: &str, name: &str, global: bool, types: &[&str]) -> ApiHoliday {
        ApiHoliday {
            date: date.into(),
            local_name: Some(format!("{name} (local)")),
            name: name.into(),
            global,
            types: types.iter().map(|t| t.to_string()).collect(),
        }
    }

    #[test]
    fn only_public_global_entries_of_the_year_are_kept_once() {
        let entries = [
            entry("2026-01-01", "New Year", true, &["Public"]),
            entry("2026-01-01", "New Year", true, &["Public", "Bank"]),
            entry("2026-03-08", "Women's Day", false, &["Public"]),
            entry("2026-05-01", "Labour Day", true, &["Observance"]),
            entry("2027-01-01", "New Year", true, &["Public"]),
            entry("2026-13-01", "Nonsense", true, &["Public"]),
            entry("2026-08-24", "Independence Day", true, &["Bank", "Public"]),
        ];
        let kept = public_holidays(&entries, 2026);
        let names: Vec<(&str, &str)> = kept.iter().map(|h| (h.date, h.name)).collect();
        assert_eq!(
            names,
            [
                ("2026-01-01", "New Year"),
                ("2026-08-24", "Independence Day")
            ]
        );
    }
}
