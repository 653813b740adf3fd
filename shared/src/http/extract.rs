//! Extractors that reject with `ApiError` and the contract's messages.

use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde_json::{Map, Value};

use super::error::ApiError;
use crate::auth::tokens::TokenKind;
use crate::db::users::{self, User};
use crate::state::AppState;

/// The body limit of JSON routes (1 MiB).
pub const JSON_LIMIT: usize = 1 << 20;

/// The authenticated caller: a valid access token whose user still exists.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: User,
    /// The session (`sid`) the access token belongs to.
    pub session_id: i64,
}

impl CurrentUser {
    /// The caller's id.
    pub fn id(&self) -> i64 {
        self.user.id
    }
}

/// A caller whose access token is valid, before anything is read: a route whose first statement
/// proves the user exists (a row that belongs to them, which their deletion would have removed)
/// saves the lookup [`CurrentUser`] makes, and calls [`Caller::current`] when it has no such row.
#[derive(Clone, Copy, Debug)]
pub struct Caller {
    /// The token's subject: the user it was issued to.
    pub id: i64,
    /// The session (`sid`) the access token belongs to.
    pub session_id: i64,
}

impl Caller {
    /// The caller as [`CurrentUser`] checks them: 401 when the user no longer exists.
    pub async fn current(self, conn: impl crate::db::Connection) -> Result<CurrentUser, ApiError> {
        let user = users::find_by_id(conn, self.id)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        Ok(CurrentUser {
            user,
            session_id: self.session_id,
        })
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(ApiError::unauthorized)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(ApiError::unauthorized)?
            .trim();
        let claims = state
            .tokens
            .verify(TokenKind::Access, token)
            .map_err(|_| ApiError::unauthorized())?;
        let session_id = claims.sid.ok_or_else(ApiError::unauthorized)?;
        Ok(Caller {
            id: claims.sub,
            session_id,
        })
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.current(state.db.acquire().await?).await
    }
}

/// A JSON object body: at most 1 MiB (413), empty counts as `{}`, anything that is not a JSON
/// object is `400 "Invalid JSON body"`. `Content-Type` is not checked.
#[derive(Clone, Debug, Default)]
pub struct JsonBody(pub Map<String, Value>);

impl FromRequest<AppState> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        // A client that declares a body and sends it slowly, or never, is cut off (issue 8).
        let read = axum::body::to_bytes(req.into_body(), JSON_LIMIT);
        let bytes = tokio::time::timeout(state.config.http.body_timeout, read)
            .await
            .map_err(|_| ApiError::request_timeout())?
            .map_err(|_| ApiError::payload_too_large("Payload Too Large"))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBody(Map::new()));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(m)) => Ok(JsonBody(m)),
            _ => Err(ApiError::bad_request("Invalid JSON body")),
        }
    }
}

/// Path parameters that are ids: positive decimal integers 1..2147483647. Parameters named
/// `token`, `anyId`, `name` and `originalStartedAt` are not ids and are skipped here.
#[derive(Clone, Debug, Default)]
pub struct PathIds(Vec<(String, i64)>);

const NOT_IDS: [&str; 4] = ["token", "anyId", "name", "originalStartedAt"];

impl PathIds {
    /// The id named `name`; asking for a name the route does not have is a bug, loud in debug
    /// builds (tests) and 0 (no row has it) in release.
    pub fn get(&self, name: &str) -> i64 {
        debug_assert!(
            self.0.iter().any(|(n, _)| n == name),
            "the route has no id parameter {name:?}"
        );
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0, |(_, v)| *v)
    }
}

/// Parses a path id.
pub fn parse_path_id(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>()
        .ok()
        .filter(|v| (1..=i64::from(i32::MAX)).contains(v))
}

/// The path parameters of the matched route, percent-decoded, with bytes that are not UTF-8
/// read as U+FFFD. A mangled segment (`/api/auth/confirm-email/%FF%FE`) is then refused by the
/// route's own rule, in the contract's JSON (an invalid token, an id that is not a positive
/// integer, a name that is no avatar), never by axum's plain-text `Invalid URL` rejection.
#[derive(Clone, Debug, Default)]
pub struct PathParams(Vec<(String, String)>);

impl PathParams {
    /// The parameter `name` (`""` when the route has none of that name).
    pub fn get(&self, name: &str) -> &str {
        debug_assert!(
            self.0.iter().any(|(n, _)| n == name),
            "the route has no path parameter {name:?}"
        );
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every parameter, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Reads them off the route template and the request path, segment by segment.
    fn of(template: &str, path: &str) -> Self {
        let params = template
            .split('/')
            .zip(path.split('/'))
            .filter_map(|(t, raw)| {
                let name = t.strip_prefix('{')?.strip_suffix('}')?;
                let value = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
                Some((name.to_string(), value.into_owned()))
            })
            .collect();
        PathParams(params)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PathParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let template = parts
            .extensions
            .get::<axum::extract::MatchedPath>()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no matched route")))?;
        Ok(PathParams::of(template.as_str(), parts.uri.path()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PathIds {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let raw = PathParams::from_request_parts(parts, state).await?;
        let mut ids = Vec::new();
        let mut errors = Vec::new();
        for (name, value) in raw.iter() {
            if NOT_IDS.contains(&name) {
                continue;
            }
            match parse_path_id(value) {
                Some(v) => ids.push((name.to_string(), v)),
                None => errors.push(format!("{name} must be a positive integer")),
            }
        }
        if errors.is_empty() {
            Ok(PathIds(ids))
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// The query string, qs-style: keys kept verbatim (`after[id]`), percent-decoding with `+` as
/// space, empty pairs and empty values ignored, the last of a repeated key wins.
#[derive(Clone, Debug, Default)]
pub struct QueryMap(pub HashMap<String, String>);

impl QueryMap {
    /// Parses a raw query string.
    pub fn parse(query: &str) -> Self {
        let mut map = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            if k.is_empty() {
                continue;
            }
            if v.is_empty() {
                map.remove(k.as_ref());
            } else {
                map.insert(k.into_owned(), v.into_owned());
            }
        }
        QueryMap(map)
    }

    /// A parameter's value.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(String::as_str)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryMap {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(QueryMap::parse(parts.uri.query().unwrap_or("")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_are_read_qs_style() {
        let q = QueryMap::parse("name=a+b&after[id]=5&after%5BcreatedAt%5D=x&&empty=&k=1&k=2&");
        assert_eq!(q.get("name"), Some("a b"));
        assert_eq!(q.get("after[id]"), Some("5"));
        assert_eq!(q.get("after[createdAt]"), Some("x"));
        assert_eq!(q.get("empty"), None);
        assert_eq!(q.get("k"), Some("2"));
    }

    #[test]
    fn path_ids_are_positive_32_bit_integers() {
        assert_eq!(parse_path_id("1"), Some(1));
        assert_eq!(parse_path_id("2147483647"), Some(2_147_483_647));
        for bad in [
            "0",
            "-1",
            "2147483648",
            "1.0",
            "abc",
            "",
            " 1",
            "+1",
            "99999999999",
        ] {
            assert_eq!(parse_path_id(bad), None, "{bad}");
        }
    }
}
