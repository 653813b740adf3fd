//! `AppState`: built once per cold start (or once by the local server) and passed as axum state.

use std::sync::Arc;

use anyhow::Context;

use crate::auth::password::Hasher;
use crate::auth::tokens::Tokens;
use crate::clock::Clock;
use crate::config::{Config, Mode};
use crate::db::Db;
use crate::jobs::Delivery;
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
    pub mailer: Arc<dyn Mailer>,
    pub delivery: Delivery,
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
        let delivery = match mode {
            Mode::Lambda => Delivery::Inline,
            Mode::Local => Delivery::Background(Arc::new(tokio::sync::Notify::new())),
        };
        Self::new(config, db, Clock::system(), mailer, delivery)
    }

    /// Assembles the state from its parts.
    pub fn new(
        config: Config,
        db: Db,
        clock: Clock,
        mailer: Arc<dyn Mailer>,
        delivery: Delivery,
    ) -> anyhow::Result<Self> {
        let hasher = Hasher::new(config.argon2)?;
        Ok(AppState {
            tokens: Arc::new(Tokens::new(&config.jwt, clock.clone())),
            hasher: Arc::new(hasher),
            avatars: Avatars::new(config.uploads_dir.clone()),
            db,
            config: Arc::new(config),
            clock,
            mailer,
            delivery,
        })
    }
}
