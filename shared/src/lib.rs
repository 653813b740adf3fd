//! Chronos shared library: everything two functions would otherwise both write.
//!
//! `config` (environment), `db` (MySQL or SQLite, repositories), `domain` (rules that are not SQL),
//! `auth` (passwords, tokens, CSRF, sessions), `http` (errors, extractors, middleware), `mail`
//! (templates and the `Mailer` port), `jobs` (the outbox and its delivery), `storage` (avatars),
//! `data` (countries shipped with the binary).

pub mod accounts;
pub mod auth;
pub mod clock;
pub mod config;
pub mod data;
pub mod db;
pub mod domain;
pub mod http;
pub mod jobs;
pub mod mail;
pub mod state;
pub mod storage;
#[cfg(feature = "testing")]
pub mod testing;

pub use state::AppState;

/// Every Chronos binary allocates through mimalloc. A month view (M7) decodes and renders some
/// 40 strings per item; with glibc's malloc, allocation and free were a quarter of the
/// request's CPU (perf, issue 11). Declared here, in the crate every binary links, so no
/// binary can forget it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Installs the tracing subscriber used by every binary (JSON lines on Lambda, text locally).
pub fn init_tracing(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json {
        builder.json().without_time().try_init()
    } else {
        builder.try_init()
    };
}

/// Configuration variables with every secret set (unit tests).
#[cfg(test)]
pub(crate) fn testing_vars() -> std::collections::BTreeMap<String, String> {
    config::SECRET_NAMES
        .iter()
        .enumerate()
        .map(|(i, k)| (k.to_string(), format!("{i}-secret-{}", "x".repeat(40))))
        .collect()
}
