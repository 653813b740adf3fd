//! `AppState`: built once per cold start (or once by the local server) and passed as axum state.

use std::sync::Arc;

use anyhow::Context;

use crate::auth::password::Hasher;
use crate::auth::tokens::Tokens;
use crate::clock::Clock;
use crate::config::{Config, Mode};
use crate::db::Db;
use crate::db::Tx;
use crate::jobs::{Outbox, Queue};
use crate::mail::{self, Mailer};
use crate::storage::Avatars;

/// Everything a handler needs.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub tokens: Arc<Tokens>,
    pub hasher: Arc<Hasher>,
    /// E-mail: commit with hand-off ([`AppState::commit`]), delivery and its sweeps.
    pub outbox: Outbox,
    pub avatars: Avatars,
}

impl AppState {
    /// Reads the environment, opens the database and runs the migrations.
    pub async fn from_env(mode: Mode) -> anyhow::Result<Self> {
        let config = Config::from_env(mode).context("loading configuration")?;
        let lazy = mode == Mode::Lambda;
        let db = Db::connect(config.database_url(), config.db_max_connections, lazy).await?;
        db.migrate().await?;
        let mailer = mail::from_config(&config)?;
        let queue = match (mode, &config.mail_queue_url) {
            (Mode::Local, _) => Queue::Background(Arc::new(tokio::sync::Notify::new())),
            (Mode::Lambda, Some(url)) => {
                Queue::Sqs(crate::jobs::queue::SqsQueue::from_env(url).await)
            }
            (Mode::Lambda, None) => Queue::Inline,
        };
        Self::new(config, db, Clock::system(), mailer, queue)
    }

    /// Commits a transaction and hands the e-mail it queued to delivery: the one way a handler
    /// ends a transaction that wrote to the outbox (`Tx::commit` refuses one in debug builds).
    pub async fn commit(&self, tx: Tx) -> Result<(), sqlx::Error> {
        self.outbox.commit(tx).await
    }

    /// Assembles the state from its parts.
    pub fn new(
        config: Config,
        db: Db,
        clock: Clock,
        mailer: Arc<dyn Mailer>,
        queue: Queue,
    ) -> anyhow::Result<Self> {
        let hasher = Hasher::new(config.argon2)?;
        Ok(AppState {
            tokens: Arc::new(Tokens::new(&config.jwt, clock.clone())),
            hasher: Arc::new(hasher),
            avatars: Avatars::new(config.uploads_dir.clone()),
            outbox: Outbox::new(db.clone(), mailer, clock.clone(), queue),
            db,
            config: Arc::new(config),
            clock,
        })
    }
}
