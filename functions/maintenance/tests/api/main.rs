//! The maintenance jobs (contract 6.1, 6.2) driven by the injected clock, on SQLite and MariaDB.

mod cleanup;
mod unverified;

use shared::db::Backend;
use shared::testing::TestApp;

/// A fresh app (the auth routes, for logins) on `backend`.
pub async fn spawn(backend: Backend) -> Option<TestApp> {
    TestApp::spawn(backend, auth::router).await
}
