//! Avatar storage. Locally (the only adapter so far) files live under `UPLOADS_DIR/avatars`
//! (default `var/uploads/avatars`); `default-avatar.png` is shipped inside the binary, so it is
//! always present.

use std::path::PathBuf;

use anyhow::Context;

use crate::domain::user::{DEFAULT_AVATAR, is_avatar_name};

/// The default avatar's bytes.
pub const DEFAULT_AVATAR_PNG: &[u8] = include_bytes!("../assets/default-avatar.png");

/// Avatar files on the local disk.
#[derive(Clone, Debug)]
pub struct Avatars {
    dir: PathBuf,
}

impl Avatars {
    /// Files under `uploads_dir/avatars`.
    pub fn new(uploads_dir: PathBuf) -> Self {
        Avatars {
            dir: uploads_dir.join("avatars"),
        }
    }

    fn path(&self, name: &str) -> Option<PathBuf> {
        // Names are checked against the avatar pattern, so no path can escape the folder.
        (is_avatar_name(name) && name != DEFAULT_AVATAR).then(|| self.dir.join(name))
    }

    /// Stores a new file.
    pub async fn save(&self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.path(name).context("not an avatar name")?;
        tokio::fs::create_dir_all(&self.dir)
            .await
            .with_context(|| format!("creating {}", self.dir.display()))?;
        tokio::fs::write(&path, bytes)
            .await
            .with_context(|| format!("writing {}", path.display()))
    }

    /// Reads a stored file (`None` when absent).
    pub async fn read(&self, name: &str) -> anyhow::Result<Option<Vec<u8>>> {
        if name == DEFAULT_AVATAR {
            return Ok(Some(DEFAULT_AVATAR_PNG.to_vec()));
        }
        let Some(path) = self.path(name) else {
            return Ok(None);
        };
        match tokio::fs::read(&path).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Deletes a stored file (absent is fine; the default is never deleted).
    pub async fn delete(&self, name: &str) -> anyhow::Result<()> {
        let Some(path) = self.path(name) else {
            return Ok(());
        };
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("deleting {}", path.display())),
        }
    }
}
