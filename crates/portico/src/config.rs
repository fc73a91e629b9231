//! Configuration: built-in defaults, then `portico.toml`, then `PORTICO_*`
//! environment variables, then command-line flags — each overriding the one
//! before. Unknown keys and bad values stop start-up with a message naming them.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The settings Portico runs with, after every source is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub listen: SocketAddr,
    pub data: PathBuf,
    /// `sqlite://...` or `postgres://...`; by default a SQLite file in `data`.
    pub database_url: String,
    /// The address people use to reach Portico (for links in mail and the UI).
    pub public_base_url: String,
    /// `smtp://HOST:PORT` or `smtps://USER:PASSWORD@HOST:PORT`; without it mail
    /// is kept in the outbox. May hold a password: print it only through
    /// `portico_store::redact`.
    pub mail_smtp_url: Option<String>,
    /// The `From:` of Portico's mail, e.g. `Portico <wiki@example.com>`.
    pub mail_from: String,
    /// The largest attachment accepted, in bytes (`attachments.max_mib`).
    pub attachment_max_bytes: u64,
    /// How often notices are mailed, in minutes
    /// (`notifications.email_batch_minutes`, default 5).
    pub notification_batch_minutes: u64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("can't read config file `{path}`: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("config file `{path}`: {reason}")]
    Invalid { path: String, reason: String },
    #[error(
        "unknown environment variable `{0}` (known: PORTICO_CONFIG, PORTICO_LISTEN, PORTICO_DATA, PORTICO_DATABASE_URL, PORTICO_PUBLIC_BASE_URL, PORTICO_MAIL_SMTP_URL, PORTICO_MAIL_FROM, PORTICO_ATTACHMENTS_MAX_MIB, PORTICO_NOTIFICATIONS_EMAIL_BATCH_MINUTES)"
    )]
    UnknownVariable(String),
    #[error("invalid `{key}` = `{value}`: {rule}")]
    BadValue {
        key: &'static str,
        value: String,
        rule: &'static str,
    },
}

/// The file's shape. `deny_unknown_fields` turns a typo into an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    data: Option<String>,
    public_base_url: Option<String>,
    database: Option<DatabaseSection>,
    mail: Option<MailSection>,
    attachments: Option<AttachmentsSection>,
    notifications: Option<NotificationsSection>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotificationsSection {
    email_batch_minutes: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttachmentsSection {
    max_mib: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatabaseSection {
    url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MailSection {
    smtp_url: Option<String>,
    from: Option<String>,
}

/// Values given on the command line (they win over everything else).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub listen: Option<String>,
    pub data: Option<PathBuf>,
}

const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_DATA: &str = "./data";
const CONFIG_FILE: &str = "portico.toml";

/// Loads the configuration from the file, the given environment and the flags.
pub fn load(env: &BTreeMap<String, String>, flags: &Overrides) -> Result<Config, ConfigError> {
    let known = [
        "PORTICO_CONFIG",
        "PORTICO_LISTEN",
        "PORTICO_DATA",
        "PORTICO_DATABASE_URL",
        "PORTICO_PUBLIC_BASE_URL",
        "PORTICO_MAIL_SMTP_URL",
        "PORTICO_MAIL_FROM",
        "PORTICO_ATTACHMENTS_MAX_MIB",
        "PORTICO_NOTIFICATIONS_EMAIL_BATCH_MINUTES",
        "PORTICO_LOG",
    ];
    if let Some(unknown) = env
        .keys()
        .find(|key| key.starts_with("PORTICO_") && !known.contains(&key.as_str()))
    {
        return Err(ConfigError::UnknownVariable(unknown.clone()));
    }
    let file_path = flags
        .config
        .clone()
        .or_else(|| env.get("PORTICO_CONFIG").map(PathBuf::from));
    let file = match &file_path {
        Some(path) => read_file(path)?,
        None if Path::new(CONFIG_FILE).exists() => read_file(Path::new(CONFIG_FILE))?,
        None => FileConfig::default(),
    };
    let database_from_file = file.database.and_then(|section| section.url);
    let mail_file = file.mail.unwrap_or_default();
    let attachments_file = file.attachments.unwrap_or_default();
    let notifications_file = file.notifications.unwrap_or_default();

    let listen_text = flags
        .listen
        .clone()
        .or_else(|| env.get("PORTICO_LISTEN").cloned())
        .or(file.listen)
        .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    let listen: SocketAddr = listen_text.parse().map_err(|_| ConfigError::BadValue {
        key: "listen",
        value: listen_text.clone(),
        rule: "expected an address and port such as 127.0.0.1:8080",
    })?;

    let data = flags
        .data
        .clone()
        .or_else(|| env.get("PORTICO_DATA").map(PathBuf::from))
        .or(file.data.map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA));
    if data.as_os_str().is_empty() {
        return Err(ConfigError::BadValue {
            key: "data",
            value: String::new(),
            rule: "must name a folder",
        });
    }

    let database_url = env
        .get("PORTICO_DATABASE_URL")
        .cloned()
        .or(database_from_file)
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data.join("portico.db").display()));
    if portico_store::Backend::from_url(&database_url).is_none() {
        return Err(ConfigError::BadValue {
            key: "database.url",
            value: portico_store::redact(&database_url),
            rule: "expected sqlite://PATH or postgres://USER@HOST/DB",
        });
    }

    let public_base_url = env
        .get("PORTICO_PUBLIC_BASE_URL")
        .cloned()
        .or(file.public_base_url)
        .unwrap_or_else(|| format!("http://{listen}"));
    let public_base_url = public_base_url.trim_end_matches('/').to_owned();
    if !(public_base_url.starts_with("http://") || public_base_url.starts_with("https://")) {
        return Err(ConfigError::BadValue {
            key: "public_base_url",
            value: public_base_url,
            rule: "expected an http:// or https:// address",
        });
    }

    // An empty PORTICO_MAIL_SMTP_URL turns off SMTP set in the file.
    let mail_smtp_url = env
        .get("PORTICO_MAIL_SMTP_URL")
        .cloned()
        .or(mail_file.smtp_url)
        .map(|url| url.trim().to_owned())
        .filter(|url| !url.is_empty());
    if let Some(url) = &mail_smtp_url {
        let host = url
            .strip_prefix("smtp://")
            .or_else(|| url.strip_prefix("smtps://"))
            .map(|rest| rest.rsplit_once('@').map_or(rest, |(_, host)| host));
        if host.is_none_or(|host| host.is_empty() || host.starts_with([':', '/', '?'])) {
            return Err(ConfigError::BadValue {
                key: "mail.smtp_url",
                value: portico_store::redact(url),
                rule: "expected smtp://HOST:PORT or smtps://USER:PASSWORD@HOST:PORT",
            });
        }
    }
    let mail_from = env
        .get("PORTICO_MAIL_FROM")
        .cloned()
        .or(mail_file.from)
        .map(|from| from.trim().to_owned())
        .unwrap_or_else(|| portico_app::Settings::default().mail_from);
    if !mail_from.contains('@') || mail_from.chars().any(char::is_control) {
        return Err(ConfigError::BadValue {
            key: "mail.from",
            value: mail_from,
            rule: "expected an address such as `Portico <wiki@example.com>`",
        });
    }
    let attachment_max_bytes = match env.get("PORTICO_ATTACHMENTS_MAX_MIB") {
        Some(text) => text.trim().parse::<u64>().ok(),
        None => Some(
            attachments_file
                .max_mib
                .unwrap_or(portico_app::Settings::default().attachment_max_bytes / MIB),
        ),
    }
    .filter(|mib| (1..=MAX_ATTACHMENT_MIB).contains(mib))
    .map(|mib| mib * MIB)
    .ok_or_else(|| ConfigError::BadValue {
        key: "attachments.max_mib",
        value: env
            .get("PORTICO_ATTACHMENTS_MAX_MIB")
            .cloned()
            .or(attachments_file.max_mib.map(|mib| mib.to_string()))
            .unwrap_or_default(),
        rule: "expected a whole number of MiB from 1 to 1048576",
    })?;
    let notification_batch_minutes = match env.get("PORTICO_NOTIFICATIONS_EMAIL_BATCH_MINUTES") {
        Some(text) => text.trim().parse::<u64>().ok(),
        None => Some(
            notifications_file
                .email_batch_minutes
                .unwrap_or(DEFAULT_BATCH_MINUTES),
        ),
    }
    .filter(|minutes| (1..=MAX_BATCH_MINUTES).contains(minutes))
    .ok_or_else(|| ConfigError::BadValue {
        key: "notifications.email_batch_minutes",
        value: env
            .get("PORTICO_NOTIFICATIONS_EMAIL_BATCH_MINUTES")
            .cloned()
            .or(notifications_file
                .email_batch_minutes
                .map(|minutes| minutes.to_string()))
            .unwrap_or_default(),
        rule: "expected a whole number of minutes from 1 to 1440",
    })?;
    Ok(Config {
        listen,
        data,
        database_url,
        public_base_url,
        mail_smtp_url,
        mail_from,
        attachment_max_bytes,
        notification_batch_minutes,
    })
}

/// Notices are mailed every five minutes unless configured otherwise.
const DEFAULT_BATCH_MINUTES: u64 = 5;
/// A day: a longer batch is no longer a notification.
const MAX_BATCH_MINUTES: u64 = 24 * 60;

const MIB: u64 = 1024 * 1024;
/// 1 TiB: beyond that a limit is a typo.
const MAX_ATTACHMENT_MIB: u64 = 1024 * 1024;

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|err| ConfigError::Unreadable {
        path: path.display().to_string(),
        reason: err.to_string(),
    })?;
    toml::from_str(&text).map_err(|err| ConfigError::Invalid {
        path: path.display().to_string(),
        reason: err.message().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn with_file(contents: &str) -> (tempfile::TempDir, Overrides) {
        let dir = tempfile::tempdir().unwrap_or_else(|err| unreachable!("tempdir: {err}"));
        let path = dir.path().join("portico.toml");
        std::fs::write(&path, contents).unwrap_or_else(|err| unreachable!("write: {err}"));
        (
            dir,
            Overrides {
                config: Some(path),
                ..Overrides::default()
            },
        )
    }

    #[test]
    fn the_attachment_limit_is_in_mib_with_a_100_mib_default() {
        let flags = Overrides::default();
        let default = load(&env(&[]), &flags).map(|c| c.attachment_max_bytes);
        assert_eq!(default, Ok(100 * MIB));
        let set = load(&env(&[("PORTICO_ATTACHMENTS_MAX_MIB", "5")]), &flags);
        assert_eq!(set.map(|c| c.attachment_max_bytes), Ok(5 * MIB));
        for bad in ["0", "-1", "lots", "99999999999"] {
            let refused = load(&env(&[("PORTICO_ATTACHMENTS_MAX_MIB", bad)]), &flags);
            assert!(
                matches!(
                    refused,
                    Err(ConfigError::BadValue {
                        key: "attachments.max_mib",
                        ..
                    })
                ),
                "{bad}: {refused:?}"
            );
        }
    }

    #[test]
    fn the_notification_batch_is_in_minutes_with_a_5_minute_default() {
        let flags = Overrides::default();
        let default = load(&env(&[]), &flags).map(|c| c.notification_batch_minutes);
        assert_eq!(default, Ok(5));
        let key = "PORTICO_NOTIFICATIONS_EMAIL_BATCH_MINUTES";
        let set = load(&env(&[(key, "15")]), &flags);
        assert_eq!(set.map(|c| c.notification_batch_minutes), Ok(15));
        let (_dir, file) = with_file("[notifications]\nemail_batch_minutes = 30\n");
        let from_file = load(&env(&[]), &file).map(|c| c.notification_batch_minutes);
        assert_eq!(from_file, Ok(30));
        for bad in ["0", "-1", "soon", "1441"] {
            let refused = load(&env(&[(key, bad)]), &flags);
            assert!(
                matches!(
                    refused,
                    Err(ConfigError::BadValue {
                        key: "notifications.email_batch_minutes",
                        ..
                    })
                ),
                "{bad}: {refused:?}"
            );
        }
        let (_dir, typo) = with_file("[notifications]\nemail_batch = 3\n");
        assert!(matches!(
            load(&env(&[]), &typo),
            Err(ConfigError::Invalid { .. })
        ));
    }

    #[test]
    fn defaults_need_no_configuration() {
        let config = load(
            &env(&[]),
            &Overrides {
                config: None,
                ..Overrides::default()
            },
        );
        let config = config.unwrap_or_else(|err| unreachable!("{err}"));
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.data, PathBuf::from("./data"));
        assert!(config.database_url.starts_with("sqlite://"));
        assert_eq!(config.public_base_url, "http://127.0.0.1:8080");
        assert_eq!(config.mail_smtp_url, None);
        assert_eq!(config.mail_from, "Portico <portico@localhost>");
    }

    #[test]
    fn flags_beat_environment_beat_file() {
        let (_dir, mut flags) = with_file(
            "listen = \"127.0.0.1:1000\"\ndata = \"/f\"\n[database]\nurl = \"postgres://u@h/db\"\n",
        );
        let from_file = load(&env(&[]), &flags).unwrap_or_else(|err| unreachable!("{err}"));
        assert_eq!(from_file.listen.port(), 1000);
        assert_eq!(from_file.database_url, "postgres://u@h/db");
        let from_env = load(
            &env(&[("PORTICO_LISTEN", "127.0.0.1:2000"), ("PORTICO_DATA", "/e")]),
            &flags,
        )
        .unwrap_or_else(|err| unreachable!("{err}"));
        assert_eq!(from_env.listen.port(), 2000);
        assert_eq!(from_env.data, PathBuf::from("/e"));
        flags.listen = Some("127.0.0.1:3000".into());
        let from_flags = load(&env(&[("PORTICO_LISTEN", "127.0.0.1:2000")]), &flags)
            .unwrap_or_else(|err| unreachable!("{err}"));
        assert_eq!(from_flags.listen.port(), 3000);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_reported() {
        let (_dir, flags) = with_file("listne = \"x\"\n");
        let err = load(&env(&[]), &flags)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("listne"), "{err}");

        let (_dir, flags) = with_file("[database]\nurl = \"mysql://x\"\n");
        assert!(matches!(
            load(&env(&[]), &flags),
            Err(ConfigError::BadValue {
                key: "database.url",
                ..
            })
        ));

        let (_dir, flags) = with_file("");
        assert_eq!(
            load(&env(&[("PORTICO_LISTN", "x")]), &flags),
            Err(ConfigError::UnknownVariable("PORTICO_LISTN".into()))
        );
        assert!(matches!(
            load(&env(&[("PORTICO_LISTEN", "not-an-address")]), &flags),
            Err(ConfigError::BadValue { key: "listen", .. })
        ));
        assert!(matches!(
            load(
                &env(&[("PORTICO_PUBLIC_BASE_URL", "wiki.example.com")]),
                &flags
            ),
            Err(ConfigError::BadValue {
                key: "public_base_url",
                ..
            })
        ));
    }

    #[test]
    fn database_passwords_are_not_echoed() {
        let (_dir, flags) = with_file("[database]\nurl = \"mysql://u:hunter2@h/db\"\n");
        let err = load(&env(&[]), &flags)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn mail_settings_come_from_file_or_environment() {
        let (_dir, flags) = with_file(
            "[mail]\nsmtp_url = \"smtp://127.0.0.1:2525\"\nfrom = \"Portico <wiki@example.com>\"\n",
        );
        let from_file = load(&env(&[]), &flags).unwrap_or_else(|err| unreachable!("{err}"));
        assert_eq!(
            from_file.mail_smtp_url.as_deref(),
            Some("smtp://127.0.0.1:2525")
        );
        assert_eq!(from_file.mail_from, "Portico <wiki@example.com>");

        let from_env = load(
            &env(&[
                (
                    "PORTICO_MAIL_SMTP_URL",
                    "smtps://wiki:pw@mail.example.com:465",
                ),
                ("PORTICO_MAIL_FROM", "wiki@example.org"),
            ]),
            &flags,
        )
        .unwrap_or_else(|err| unreachable!("{err}"));
        assert_eq!(
            from_env.mail_smtp_url.as_deref(),
            Some("smtps://wiki:pw@mail.example.com:465")
        );
        assert_eq!(from_env.mail_from, "wiki@example.org");

        let switched_off = load(&env(&[("PORTICO_MAIL_SMTP_URL", "")]), &flags)
            .unwrap_or_else(|err| unreachable!("{err}"));
        assert_eq!(switched_off.mail_smtp_url, None);
    }

    #[test]
    fn bad_mail_settings_are_reported_without_passwords() {
        let (_dir, flags) = with_file("");
        for url in [
            "http://wiki:hunter2@mail.example.com",
            "mail.example.com:25",
            "smtp://",
            "smtps://wiki:hunter2@:465",
        ] {
            let result = load(&env(&[("PORTICO_MAIL_SMTP_URL", url)]), &flags);
            assert!(
                matches!(
                    result,
                    Err(ConfigError::BadValue {
                        key: "mail.smtp_url",
                        ..
                    })
                ),
                "{url}: {result:?}"
            );
            let message = result.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(!message.contains("hunter2"), "{message}");
        }
        assert!(matches!(
            load(&env(&[("PORTICO_MAIL_FROM", "Portico")]), &flags),
            Err(ConfigError::BadValue {
                key: "mail.from",
                ..
            })
        ));
        let (_dir, flags) = with_file("[mail]\nsmtp = \"smtp://x\"\n");
        let err = load(&env(&[]), &flags)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("smtp"), "{err}");
    }
}
