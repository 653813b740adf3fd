//! Argon2id password hashing, run off the async runtime (`spawn_blocking`), a bounded number at
//! a time.

use std::sync::{Arc, OnceLock};

use anyhow::Context;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::config::Argon2Params;

/// Hashes and verifies passwords with fixed argon2id parameters.
#[derive(Clone, Debug)]
pub struct Hasher {
    params: Params,
    /// A hash of a random password, verified against when the e-mail is unknown so that a login
    /// for an unknown address costs the same time as one for a known address. Computed on first
    /// use, so start-up (and a Lambda cold start) does not pay for it.
    dummy: Arc<OnceLock<String>>,
    /// Hashes in flight. Each costs a core for tens of milliseconds and 19 MiB; without a bound a
    /// login flood would fill the blocking pool and starve every other request of CPU.
    permits: Arc<tokio::sync::Semaphore>,
}

impl Hasher {
    /// Builds a hasher.
    pub fn new(p: Argon2Params) -> anyhow::Result<Self> {
        let params = Params::new(p.memory_kib, p.iterations, p.parallelism, None)
            .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        Ok(Hasher {
            params,
            dummy: Arc::new(OnceLock::new()),
            permits: Arc::new(tokio::sync::Semaphore::new(p.max_concurrent.max(1))),
        })
    }

    fn dummy(&self) -> anyhow::Result<String> {
        if let Some(d) = self.dummy.get() {
            return Ok(d.clone());
        }
        let d = self.hash_blocking(&uuid::Uuid::new_v4().to_string())?;
        Ok(self.dummy.get_or_init(|| d).clone())
    }

    fn argon(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    fn hash_blocking(&self, password: &str) -> anyhow::Result<String> {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        Ok(self
            .argon()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?
            .to_string())
    }

    /// Hashes a password (PHC string).
    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        let _turn = self.permits.acquire().await.context("hasher closed")?;
        let me = self.clone();
        tokio::task::spawn_blocking(move || me.hash_blocking(&password))
            .await
            .context("password hashing task")?
    }

    /// Verifies a password against a stored hash; `None` verifies against the dummy and fails.
    pub async fn verify(&self, password: String, hash: Option<String>) -> anyhow::Result<bool> {
        let _turn = self.permits.acquire().await.context("hasher closed")?;
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            let known = hash.is_some();
            let stored = match hash {
                Some(h) => h,
                None => me.dummy()?,
            };
            let parsed = PasswordHash::new(&stored)
                .map_err(|e| anyhow::anyhow!("stored password hash is malformed: {e}"))?;
            let ok = me
                .argon()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            Ok(ok && known)
        })
        .await
        .context("password verification task")?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_argon2id_with_owasp_parameters() {
        let h = Hasher::new(Argon2Params {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
            max_concurrent: 1,
        })
        .unwrap();
        let hash = h.hash("S3cret!pw".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            h.verify("S3cret!pw".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!h.verify("wrong".into(), Some(hash)).await.unwrap());
        assert!(!h.verify("anything".into(), None).await.unwrap());
    }
}
