//! The tokens `login`/`signup` leave behind for later commands.

use crate::error::CliError;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

const FILE_NAME: &str = "credentials.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub url: String,
    pub access_token: String,
    pub refresh_token: String,
    /// Empty for a personal session (a person in no organisation).
    #[serde(default)]
    pub tenant_id: String,
    pub user_id: String,
}

pub struct CredentialStore {
    dir: PathBuf,
}

impl CredentialStore {
    /// `VERSIQII_CONFIG_DIR` wins so tests and multi-account users can isolate state.
    pub fn from_env() -> Result<Self, CliError> {
        let dir = match std::env::var_os("VERSIQII_CONFIG_DIR").filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => dirs::config_dir()
                .map(|d| d.join("versiqii"))
                .ok_or_else(|| {
                    CliError::usage(
                        "cannot find a configuration directory; set VERSIQII_CONFIG_DIR",
                    )
                })?,
        };
        Ok(Self::in_dir(dir))
    }

    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    pub fn load(&self) -> Result<Option<Credentials>, CliError> {
        let path = self.path();
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(local(&path, "cannot read", &e)),
        };
        serde_json::from_str(&text).map(Some).map_err(|e| {
            CliError::usage(format!(
                "credentials file {} is damaged ({e}); delete it and log in again",
                path.display()
            ))
        })
    }

    /// Writes via a private temp file and a rename, so a crash never leaves a
    /// half-written file and the tokens are never readable by other users.
    pub fn save(&self, creds: &Credentials) -> Result<(), CliError> {
        create_private_dir(&self.dir).map_err(|e| local(&self.dir, "cannot create", &e))?;
        let path = self.path();
        let tmp = self.dir.join(format!("{FILE_NAME}.tmp"));
        let json = serde_json::to_vec_pretty(creds)
            .map_err(|e| CliError::failure(format!("cannot encode credentials: {e}")))?;
        write_private(&tmp, &json).map_err(|e| local(&tmp, "cannot write", &e))?;
        fs::rename(&tmp, &path).map_err(|e| local(&path, "cannot write", &e))
    }

    /// Returns whether there was anything to delete.
    pub fn delete(&self) -> Result<bool, CliError> {
        let path = self.path();
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(local(&path, "cannot delete", &e)),
        }
    }
}

fn local(path: &Path, what: &str, e: &io::Error) -> CliError {
    CliError::usage(format!("{what} {}: {e}", path.display()))
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    // The mode above only applies on creation; a stale temp file may be looser.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{SystemTime, UNIX_EPOCH};

    fn temp_store(label: &str) -> (CredentialStore, PathBuf) {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let root = std::env::temp_dir().join(format!(
            "versiqii-cli-test-{label}-{}-{nanos}",
            std::process::id()
        ));
        (CredentialStore::in_dir(root.join("nested")), root)
    }

    fn sample() -> Credentials {
        Credentials {
            url: "http://127.0.0.1:8080".into(),
            access_token: "access".into(),
            refresh_token: "refresh".into(),
            tenant_id: "4f7d3a8e-0000-4000-8000-000000000001".into(),
            user_id: "4f7d3a8e-0000-4000-8000-000000000002".into(),
        }
    }

    #[test]
    fn round_trip_save_load_delete() {
        let (store, root) = temp_store("roundtrip");
        assert_eq!(store.load().unwrap(), None);

        store.save(&sample()).unwrap();
        assert_eq!(store.load().unwrap(), Some(sample()));

        let mut rotated = sample();
        rotated.access_token = "access-2".into();
        store.save(&rotated).unwrap();
        assert_eq!(store.load().unwrap(), Some(rotated));

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(store.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        assert!(store.delete().unwrap());
        assert!(!store.delete().unwrap());
        assert_eq!(store.load().unwrap(), None);
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn damaged_file_is_a_usage_error() {
        let (store, root) = temp_store("damaged");
        create_private_dir(&store.dir).unwrap();
        fs::write(store.path(), "{not json").unwrap();
        let err = store.load().unwrap_err();
        assert_eq!(err.exit_code(), 2);
        fs::remove_dir_all(root).unwrap();
    }
}
