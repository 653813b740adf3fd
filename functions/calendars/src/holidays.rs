//! K1: the caller's country's public holidays, from stored data only.

use axum::extract::State;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use shared::AppState;
use shared::data::holidays::ensure_loaded;
use shared::db::holidays::{self, Holiday, source};
use shared::domain::validate::Validator;
use shared::http::{ApiError, ApiResult, CurrentUser, QueryMap, ok};

/// One item of K1.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct HolidayJson {
    title: String,
    started_at: String,
    ended_at: String,
    description: Option<String>,
}

fn to_json(h: Holiday) -> Option<HolidayJson> {
    let day = NaiveDate::parse_from_str(&h.holiday_date, "%Y-%m-%d").ok()?;
    let next = day.succ_opt()?;
    let description = h.local_name.filter(|l| *l != h.name);
    Some(HolidayJson {
        title: h.name,
        started_at: day.format("%Y-%m-%d").to_string(),
        ended_at: next.format("%Y-%m-%d").to_string(),
        description,
    })
}

/// GET /api/calendars/holidays (contract: 4.10 K1). Any authenticated user; never calls the network.
pub async fn list_holidays(
    State(state): State<AppState>,
    user: CurrentUser,
    q: QueryMap,
) -> ApiResult<Response> {
    let mut v = Validator::new();
    let year = v
        .param(q.get("year"), "year")
        .parse(
            |s| {
                s.parse::<i64>()
                    .ok()
                    .filter(|_| s.bytes().all(|b| b.is_ascii_digit()))
            },
            |f| format!("{f} must be an integer"),
        )
        .min(1970)
        .max(2100)
        .get();
    v.finish().map_err(ApiError::validation)?;
    let now = state.clock.now();
    let years: Vec<i32> = match year {
        Some(y) => vec![y as i32],
        None => vec![now.year(), now.year() + 1],
    };
    let country = user.user.country_code.clone();
    ensure_loaded(&state.db, &country, state.clock.now_ms()).await?;
    let mut c = state.db.acquire().await?;
    let mut items = Vec::new();
    for y in years {
        let mut rows = holidays::list(&mut c, &country, y, source::SYNC).await?;
        if rows.is_empty() {
            rows = holidays::list(&mut c, &country, y, source::DATASET).await?;
        }
        items.extend(rows.into_iter().filter_map(to_json));
    }
    items.sort_by(|a, b| (&a.started_at, &a.title).cmp(&(&b.started_at, &b.title)));
    Ok(ok(&items))
}
