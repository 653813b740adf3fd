//! `Config`: every setting, read once from the environment (`.env` honoured), with local defaults.
//!
//! Nothing else in Chronos reads `std::env`. The Lambda functions load with [`Mode::Lambda`], which
//! requires the secrets; the local server loads with [`Mode::Local`], which generates each missing
//! secret once and keeps it in `var/secrets.env`, so `cargo run` needs no set-up and sessions
//! survive a restart.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jsonwebtoken::Algorithm;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

/// Which binary is loading the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A Lambda function: secrets are required, e-mail is delivered right after commit.
    Lambda,
    /// The local server: secrets are generated under `var/`, a background worker delivers e-mail.
    Local,
}

/// A configuration error names the variable at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("missing required environment variable {0}")]
    Missing(&'static str),
    #[error("invalid value for environment variable {0}: {1}")]
    Invalid(&'static str, String),
    #[error("cannot keep generated secrets in {0}: {1}")]
    Secrets(String, std::io::Error),
}

/// How e-mail leaves the process.
#[derive(Clone, Debug)]
pub enum MailTransport {
    /// Print each message as one `EMAIL {...}` line on stdout (contract 5.3).
    Log,
    /// Send through an SMTP server (`smtp://`, `smtps://` or `smtp://...?tls=required`).
    Smtp(SecretString),
}

/// One token kind's key and lifetime.
#[derive(Clone, Debug)]
pub struct TokenKey {
    pub secret: SecretString,
    pub ttl_secs: i64,
}

/// JWT settings (contract 3.1).
#[derive(Clone, Debug)]
pub struct JwtConfig {
    pub algorithm: Algorithm,
    pub issuer: String,
    pub audience: String,
    pub calendar_issuer: String,
    pub calendar_audience: String,
    pub event_issuer: String,
    pub event_audience: String,
    pub access: TokenKey,
    pub refresh: TokenKey,
    pub confirm_email: TokenKey,
    pub reset_password: TokenKey,
    pub confirm_calendar: TokenKey,
    pub confirm_arrangement: TokenKey,
}

/// Name, description and colour of a calendar created at registration.
#[derive(Clone, Debug)]
pub struct DefaultCalendar {
    pub name: String,
    pub description: String,
    pub color: String,
}

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug)]
pub struct Argon2Params {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// How many hashes run at once (`ARGON2_MAX_CONCURRENT`); the rest wait their turn.
    pub max_concurrent: usize,
}

/// The default bound on concurrent hashes: half the cores (at least one), so a login flood
/// leaves the other half to every other request.
pub fn default_hash_concurrency() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

/// Every setting of Chronos.
#[derive(Clone, Debug)]
pub struct Config {
    pub mode: Mode,
    pub database_url: SecretString,
    pub db_max_connections: u32,
    pub frontend_url: String,
    pub app_name: String,
    pub csrf_secret: SecretString,
    pub cookie_secure: bool,
    pub csrf_cookie_samesite: String,
    pub jwt: JwtConfig,
    pub main_calendar: DefaultCalendar,
    pub holiday_calendar: DefaultCalendar,
    pub mail_transport: MailTransport,
    pub mail_from: String,
    pub holiday_api_base_url: Option<String>,
    /// The SQS queue committed e-mail goes to (`MAIL_QUEUE_URL`; Lambda only). Without it a
    /// function delivers its e-mail itself, right after the commit.
    pub mail_queue_url: Option<String>,
    /// The mail queue's `maxReceiveCount` (`MAIL_MAX_RECEIVES`, 5): on a message's last receive
    /// a failed delivery marks its row failed (the message goes to the dead-letter queue).
    pub mail_max_receives: u32,
    /// Whether `HOLIDAY_API_BASE_URL` was set (non-empty): the local server syncs only then.
    pub holiday_sync_configured: bool,
    /// How often the local server sweeps for due reminders (`REMINDERS_EVERY_MS`, a minute as
    /// on AWS; tests shorten it).
    pub reminders_every: std::time::Duration,
    /// How long one holiday-API request may take (`HOLIDAY_API_TIMEOUT_MS`, 10 s; contract 6.5).
    pub holiday_api_timeout: std::time::Duration,
    pub var_dir: PathBuf,
    pub uploads_dir: PathBuf,
    pub port: u16,
    pub argon2: Argon2Params,
    pub http: HttpLimits,
}

/// What the local server allows a client (issue 8); in Lambda, API Gateway does this job, except
/// the body deadline, which the extractors apply everywhere.
#[derive(Clone, Copy, Debug)]
pub struct HttpLimits {
    /// A connection must deliver a request's headers within this (`HTTP_HEADER_TIMEOUT_MS`,
    /// default 10 s); an idle keep-alive connection is closed after it too.
    pub header_timeout: std::time::Duration,
    /// A request must deliver its whole body within this (`HTTP_BODY_TIMEOUT_MS`, default
    /// 10 s; avatar uploads get three times as long), or it is answered 408.
    pub body_timeout: std::time::Duration,
    /// At most this many connections are open at once (`HTTP_MAX_CONNECTIONS`, default 1024);
    /// further clients wait in the listen backlog until one closes.
    pub max_connections: usize,
}

/// The variables holding secrets (required in Lambda, generated locally).
pub const SECRET_NAMES: [&str; 7] = [
    "CSRF_SECRET",
    "JWT_ACCESS_SECRET",
    "JWT_REFRESH_SECRET",
    "JWT_CONFIRM_EMAIL_SECRET",
    "JWT_RESET_PASSWORD_SECRET",
    "JWT_CONFIRM_CALENDAR_SECRET",
    "JWT_CONFIRM_ARRANGEMENT_SECRET",
];

impl Config {
    /// Reads the process environment (after loading `.env` if present).
    pub fn from_env(mode: Mode) -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        let vars: BTreeMap<String, String> = std::env::vars().collect();
        Self::from_vars(mode, &vars)
    }

    /// Builds the configuration from a set of variables (the environment, or a test's map).
    pub fn from_vars(mode: Mode, vars: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        let get = |k: &str| vars.get(k).filter(|v| !v.is_empty()).cloned();
        let var_dir = PathBuf::from(get("CHRONOS_VAR_DIR").unwrap_or_else(|| "var".into()));

        let mut secrets = BTreeMap::new();
        let missing: Vec<&'static str> = SECRET_NAMES
            .iter()
            .copied()
            .filter(|n| get(n).is_none())
            .collect();
        if !missing.is_empty() {
            if mode == Mode::Lambda {
                return Err(ConfigError::Missing(missing[0]));
            }
            secrets = local_secrets(&var_dir, &missing)?;
        }
        let secret = |k: &'static str| -> Result<SecretString, ConfigError> {
            let v = get(k)
                .or_else(|| secrets.get(k).cloned())
                .ok_or(ConfigError::Missing(k))?;
            if v.len() < 32 {
                return Err(ConfigError::Invalid(k, "must be at least 32 bytes".into()));
            }
            Ok(SecretString::from(v))
        };
        let ttl = |k: &'static str, default: &str| -> Result<i64, ConfigError> {
            let v = get(k).unwrap_or_else(|| default.into());
            parse_duration(&v).ok_or(ConfigError::Invalid(k, v))
        };
        let key = |s: &'static str, t: &'static str, d: &str| -> Result<TokenKey, ConfigError> {
            Ok(TokenKey {
                secret: secret(s)?,
                ttl_secs: ttl(t, d)?,
            })
        };
        let algorithm = match get("JWT_ALGORITHM").as_deref().unwrap_or("HS256") {
            "HS256" => Algorithm::HS256,
            "HS384" => Algorithm::HS384,
            "HS512" => Algorithm::HS512,
            other => return Err(ConfigError::Invalid("JWT_ALGORITHM", other.into())),
        };
        let jwt = JwtConfig {
            algorithm,
            issuer: get("JWT_ISSUER").unwrap_or_else(|| "/api/auth".into()),
            audience: get("JWT_AUDIENCE").unwrap_or_else(|| "chronos".into()),
            calendar_issuer: get("JWT_CALENDAR_ISSUER").unwrap_or_else(|| "/api/calendars".into()),
            calendar_audience: get("JWT_CALENDAR_AUDIENCE").unwrap_or_else(|| "chronos".into()),
            event_issuer: get("JWT_EVENT_ISSUER").unwrap_or_else(|| "/api/events".into()),
            event_audience: get("JWT_EVENT_AUDIENCE").unwrap_or_else(|| "chronos".into()),
            access: key("JWT_ACCESS_SECRET", "JWT_ACCESS_EXPIRES_IN", "15m")?,
            refresh: key("JWT_REFRESH_SECRET", "JWT_REFRESH_EXPIRES_IN", "7d")?,
            confirm_email: key(
                "JWT_CONFIRM_EMAIL_SECRET",
                "JWT_CONFIRM_EMAIL_EXPIRES_IN",
                "24h",
            )?,
            reset_password: key(
                "JWT_RESET_PASSWORD_SECRET",
                "JWT_RESET_PASSWORD_EXPIRES_IN",
                "1h",
            )?,
            confirm_calendar: key(
                "JWT_CONFIRM_CALENDAR_SECRET",
                "JWT_CONFIRM_CALENDAR_EXPIRES_IN",
                "24h",
            )?,
            confirm_arrangement: key(
                "JWT_CONFIRM_ARRANGEMENT_SECRET",
                "JWT_CONFIRM_ARRANGEMENT_EXPIRES_IN",
                "24h",
            )?,
        };

        let frontend_url = get("FRONTEND_URL").unwrap_or_else(|| "http://localhost:5173".into());
        let frontend_url = frontend_url.trim_end_matches('/').to_string();
        url::Url::parse(&frontend_url)
            .map_err(|e| ConfigError::Invalid("FRONTEND_URL", e.to_string()))?;

        let cookie_secure = parse_bool("COOKIE_SECURE", get("COOKIE_SECURE"), false)?;
        let samesite = get("CSRF_COOKIE_SAMESITE").unwrap_or_else(|| "Strict".into());
        let samesite = match samesite.to_ascii_lowercase().as_str() {
            "strict" => "Strict",
            "lax" => "Lax",
            "none" if cookie_secure => "None",
            "none" => {
                return Err(ConfigError::Invalid(
                    "CSRF_COOKIE_SAMESITE",
                    "None requires COOKIE_SECURE=true".into(),
                ));
            }
            _ => return Err(ConfigError::Invalid("CSRF_COOKIE_SAMESITE", samesite)),
        }
        .to_string();

        let mail_transport = match get("MAIL_TRANSPORT").as_deref().unwrap_or("log") {
            "log" => MailTransport::Log,
            "smtp" => MailTransport::Smtp(SecretString::from(
                get("SMTP_URL").ok_or(ConfigError::Missing("SMTP_URL"))?,
            )),
            other => return Err(ConfigError::Invalid("MAIL_TRANSPORT", other.into())),
        };

        let default_cal = |prefix: &str, name: &str, desc: &str, color: &str| DefaultCalendar {
            name: get(&format!("{prefix}_NAME")).unwrap_or_else(|| name.into()),
            description: get(&format!("{prefix}_DESCRIPTION")).unwrap_or_else(|| desc.into()),
            color: get(&format!("{prefix}_COLOR")).unwrap_or_else(|| color.into()),
        };

        let database_url = match get("DATABASE_URL") {
            Some(url) => url,
            None => match get("DB_APP_HOST") {
                Some(host) => mysql_url_from_parts(&host, &get),
                None => format!("sqlite://{}?mode=rwc", var_dir.join("chronos.db").display()),
            },
        };
        let default_conns = if mode == Mode::Lambda { 2 } else { 8 };
        let db_max_connections =
            parse_num("DB_MAX_CONNECTIONS", get("DB_MAX_CONNECTIONS"))?.unwrap_or(default_conns);
        let port = parse_num("PORT", get("PORT"))?.unwrap_or(3000);

        let argon2 = Argon2Params {
            memory_kib: parse_num("ARGON2_MEMORY_KIB", get("ARGON2_MEMORY_KIB"))?.unwrap_or(19_456),
            iterations: parse_num("ARGON2_ITERATIONS", get("ARGON2_ITERATIONS"))?.unwrap_or(2),
            parallelism: parse_num("ARGON2_PARALLELISM", get("ARGON2_PARALLELISM"))?.unwrap_or(1),
            max_concurrent: parse_num("ARGON2_MAX_CONCURRENT", get("ARGON2_MAX_CONCURRENT"))?
                .unwrap_or_else(default_hash_concurrency)
                .max(1),
        };
        if argon2.memory_kib < 19_456 || argon2.iterations < 2 || argon2.parallelism < 1 {
            return Err(ConfigError::Invalid(
                "ARGON2_MEMORY_KIB",
                "argon2id must be at least m=19456 KiB, t=2, p=1 (OWASP)".into(),
            ));
        }

        let ms = |k: &'static str, default: u64| -> Result<std::time::Duration, ConfigError> {
            Ok(std::time::Duration::from_millis(
                parse_num(k, get(k))?.unwrap_or(default).max(1),
            ))
        };
        let http = HttpLimits {
            header_timeout: ms("HTTP_HEADER_TIMEOUT_MS", 10_000)?,
            body_timeout: ms("HTTP_BODY_TIMEOUT_MS", 10_000)?,
            max_connections: parse_num("HTTP_MAX_CONNECTIONS", get("HTTP_MAX_CONNECTIONS"))?
                .unwrap_or(1024)
                .max(1),
        };

        Ok(Config {
            mode,
            database_url: SecretString::from(database_url),
            db_max_connections,
            frontend_url,
            app_name: get("APP_NAME").unwrap_or_else(|| "Chronos".into()),
            csrf_secret: secret("CSRF_SECRET")?,
            cookie_secure,
            csrf_cookie_samesite: samesite,
            jwt,
            main_calendar: default_cal(
                "CALENDAR_DEFAULT_MAIN",
                "Main Calendar",
                "This is the main calendar.",
                "#4285F4",
            ),
            holiday_calendar: default_cal(
                "CALENDAR_DEFAULT_HOLIDAY",
                "Holiday Calendar",
                "This is the holiday calendar.",
                "#FF0000",
            ),
            mail_transport,
            mail_from: get("MAIL_FROM").unwrap_or_else(|| "Chronos <no-reply@localhost>".into()),
            holiday_sync_configured: get("HOLIDAY_API_BASE_URL").is_some(),
            mail_queue_url: get("MAIL_QUEUE_URL"),
            mail_max_receives: parse_num("MAIL_MAX_RECEIVES", get("MAIL_MAX_RECEIVES"))?
                .unwrap_or(5),
            holiday_api_timeout: ms("HOLIDAY_API_TIMEOUT_MS", 10_000)?,
            reminders_every: ms("REMINDERS_EVERY_MS", 60_000)?,
            holiday_api_base_url: match vars.get("HOLIDAY_API_BASE_URL") {
                Some(v) if v.is_empty() => None,
                Some(v) => Some(v.trim_end_matches('/').to_string()),
                None => Some("https://date.nager.at".into()),
            },
            uploads_dir: get("UPLOADS_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| var_dir.join("uploads")),
            var_dir,
            port,
            argon2,
            http,
        })
    }

    /// The database URL (a secret: it may hold a password).
    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
    }
}

fn mysql_url_from_parts(host: &str, get: &impl Fn(&str) -> Option<String>) -> String {
    let enc = |s: String| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let user = enc(get("DB_APP_USER").unwrap_or_else(|| "root".into()));
    let password = get("DB_APP_PASSWORD").map(enc).unwrap_or_default();
    let port = get("DB_APP_PORT").unwrap_or_else(|| "3306".into());
    let db = get("DB_APP_DATABASE")
        .or_else(|| get("DB_APP_NAME"))
        .unwrap_or_else(|| "chronos".into());
    let auth = if password.is_empty() {
        user
    } else {
        format!("{user}:{password}")
    };
    format!("mysql://{auth}@{host}:{port}/{db}")
}

fn parse_bool(name: &'static str, v: Option<String>, default: bool) -> Result<bool, ConfigError> {
    match v.as_deref() {
        None => Ok(default),
        Some("true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(o) => Err(ConfigError::Invalid(name, o.into())),
    }
}

fn parse_num<T: std::str::FromStr>(
    name: &'static str,
    v: Option<String>,
) -> Result<Option<T>, ConfigError> {
    v.map(|s| s.parse().map_err(|_| ConfigError::Invalid(name, s)))
        .transpose()
}

/// Parses `<integer><s|m|h|d|w>` into seconds.
pub fn parse_duration(v: &str) -> Option<i64> {
    let (num, unit) = v.split_at(v.len().checked_sub(1)?);
    let n: i64 = num.parse().ok().filter(|n| *n > 0)?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// Loads `var/secrets.env`, generating (and persisting) every missing secret.
fn local_secrets(
    var_dir: &Path,
    missing: &[&'static str],
) -> Result<BTreeMap<String, String>, ConfigError> {
    let path = var_dir.join("secrets.env");
    let err = |e| ConfigError::Secrets(path.display().to_string(), e);
    let mut kept: BTreeMap<String, String> = match std::fs::read_to_string(&path) {
        Ok(text) => text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
        Err(e) => return Err(err(e)),
    };
    let mut changed = false;
    for name in missing {
        kept.entry((*name).to_string()).or_insert_with(|| {
            changed = true;
            let mut bytes = [0u8; 48];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        });
    }
    if changed {
        std::fs::create_dir_all(var_dir).map_err(err)?;
        let body: String = kept.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        write_private(&path, &body).map_err(err)?;
    }
    Ok(kept)
}

#[cfg(unix)]
fn write_private(path: &Path, body: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(body.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, body: &str) -> std::io::Result<()> {
    std::fs::write(path, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_the_contract_syntax() {
        assert_eq!(parse_duration("15m"), Some(900));
        assert_eq!(parse_duration("7d"), Some(604_800));
        assert_eq!(parse_duration("2w"), Some(1_209_600));
        assert_eq!(parse_duration("24h"), Some(86_400));
        for bad in ["", "m", "15", "0m", "-1h", "1y", "1.5h"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn lambda_mode_requires_every_secret() {
        let err = Config::from_vars(Mode::Lambda, &BTreeMap::new()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "missing required environment variable CSRF_SECRET"
        );
    }

    #[test]
    fn local_mode_generates_secrets_once_and_keeps_them() {
        let dir = std::env::temp_dir().join(format!("chronos-cfg-{}", uuid::Uuid::new_v4()));
        let mut vars = BTreeMap::new();
        vars.insert("CHRONOS_VAR_DIR".to_string(), dir.display().to_string());
        let a = Config::from_vars(Mode::Local, &vars).unwrap();
        let b = Config::from_vars(Mode::Local, &vars).unwrap();
        assert_eq!(
            a.jwt.access.secret.expose_secret(),
            b.jwt.access.secret.expose_secret()
        );
        assert_ne!(
            a.jwt.access.secret.expose_secret(),
            a.jwt.refresh.secret.expose_secret()
        );
        assert!(a.database_url().starts_with("sqlite://"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn db_app_variables_build_a_mysql_url() {
        let mut vars: BTreeMap<String, String> = SECRET_NAMES
            .iter()
            .map(|n| (n.to_string(), "x".repeat(32)))
            .collect();
        vars.insert("DB_APP_HOST".into(), "db.internal".into());
        vars.insert("DB_APP_USER".into(), "app".into());
        vars.insert("DB_APP_PASSWORD".into(), "p@ss".into());
        vars.insert("DB_APP_DATABASE".into(), "chronos".into());
        let c = Config::from_vars(Mode::Lambda, &vars).unwrap();
        assert_eq!(
            c.database_url(),
            "mysql://app:p%40ss@db.internal:3306/chronos"
        );
    }
}
