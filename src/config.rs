//! Settings: built-in defaults (config/guardia.toml) -> user file -> GUARDIA_* env -> flags.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::{Table, Value};

/// The shipped file is the single source of defaults, so documentation and behaviour agree.
const DEFAULTS: &str = include_str!("../config/guardia.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub hub: HubConfig,
    pub console: ConsoleConfig,
    pub urgency: UrgencyConfig,
    pub notify: NotifyConfig,
    pub enroll: EnrollConfig,
    pub limits: LimitsConfig,
    pub retention: RetentionConfig,
    pub watch: WatchConfig,
    pub demo: DemoConfig,
}

/// `[watch]`: watched appointments.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchConfig {
    pub grace_minutes: u32,
    /// For tests: the grace in seconds, used when not 0.
    pub grace_seconds: u32,
}

impl WatchConfig {
    pub fn grace(&self) -> chrono::Duration {
        if self.grace_seconds > 0 {
            chrono::Duration::seconds(i64::from(self.grace_seconds))
        } else {
            chrono::Duration::minutes(i64::from(self.grace_minutes))
        }
    }
}

/// `[retention]`: when a closed case's personal data is erased.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    pub closed_case_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubConfig {
    pub listen: String,
    pub db: PathBuf,
    pub database_url: String,
    pub consulates: String,
    /// The operator's jurisdiction tables (empty: the shipped ones).
    pub jurisdiction_dir: String,
    pub replay_window: u64,
    pub keepalive_seconds: u64,
    pub tls_cert: String,
    pub tls_key: String,
    pub behind_proxy: bool,
    /// The header the proxy names the client in: `x-forwarded-for` or `forwarded`.
    #[serde(default)]
    pub forwarded_header: String,
    pub header_timeout_seconds: u64,
    pub body_timeout_seconds: u64,
    pub idle_timeout_seconds: u64,
    pub staff_token_days: u32,
    pub max_ingest_lag_ms: u64,
    pub key_file: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollConfig {
    pub verify_phone: bool,
}

/// `[limits]`: every one `0` to turn it off.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    pub enroll_per_address_per_minute: u32,
    pub enroll_global_per_second: u32,
    pub failed_auth_per_address_per_minute: u32,
    pub streams_per_token: u32,
    pub connections_per_address: u32,
    pub press_coalesce_seconds: u32,
    pub press_coalesce_after: u32,
    pub surge_per_network_per_minute: u32,
    pub lookups_per_staff_per_minute: u32,
    pub case_reads_per_staff_per_minute: u32,
    pub reports_per_staff_per_minute: u32,
    pub enrollments_per_number_per_day: u32,
    pub locations_per_device_per_minute: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    pub hub: String,
    /// Several hubs to fail over between; when not empty, it is the list and `hub` is unused.
    pub hubs: Vec<String>,
    pub token: String,
    pub language: String,
}

/// The hub list from its settings: each entry may itself be a comma-separated list. Blanks and
/// repeats are dropped (a second copy of a hub is no place to fail over to); order is kept, the
/// first being where the console starts. URLs are kept as written: the first names the outbox
/// file, which must not move when a trailing `/` comes or goes elsewhere in the list.
pub fn hub_list<'a>(entries: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
    let mut list: Vec<String> = Vec::new();
    for url in entries.into_iter().flat_map(|e| e.split(',')) {
        let url = url.trim();
        if !url.is_empty() && !list.iter().any(|u| same(u, url)) {
            list.push(url.to_string());
        }
    }
    list
}

impl ConsoleConfig {
    /// The hubs the console follows, in order: those given as flags (`--hub`, repeated or
    /// comma-separated), else `hubs`, else `hub`. One place decides, so the console, its outbox
    /// file and the one-shot reports agree on which hub comes first.
    pub fn hub_list(&self, flags: &[String]) -> Vec<String> {
        let from_flags = hub_list(flags.iter().map(String::as_str));
        if !from_flags.is_empty() {
            return from_flags;
        }
        let configured = hub_list(self.hubs.iter().map(String::as_str));
        if !configured.is_empty() {
            return configured;
        }
        hub_list([self.hub.as_str()])
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrgencyConfig {
    pub sla_minutes: u32,
    pub offer_minutes: u32,
    pub silence_minutes: u32,
}

impl UrgencyConfig {
    pub fn rules(&self) -> crate::domain::urgency::Rules {
        let minutes = |m: u32| chrono::Duration::minutes(i64::from(m));
        crate::domain::urgency::Rules {
            sla: minutes(self.sla_minutes),
            offer_after: minutes(self.offer_minutes.max(self.sla_minutes)),
            silence: minutes(self.silence_minutes),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    pub webhook_url: String,
    pub webhook_secret: String,
    pub allow_private_targets: bool,
    pub per_host_concurrency: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoConfig {
    pub consulate: String,
    pub registrants: u32,
    pub rate: f64,
    /// A raid: presses come fast and close together (`guardia demo --raid`).
    #[serde(default)]
    pub raid: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: unknown key `{key}`")]
    UnknownKey { path: PathBuf, key: String },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
}

/// The user's config file path (it need not exist).
pub fn user_file() -> Option<PathBuf> {
    directories::ProjectDirs::from("org", "guardia", "guardia")
        .map(|d| d.config_dir().join("guardia.toml"))
}

/// The user's data dir: console logs and, later, the outbox.
pub fn data_dir() -> PathBuf {
    directories::ProjectDirs::from("org", "guardia", "guardia")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join("guardia"))
}

impl Config {
    /// The built-in defaults alone (config/guardia.toml as shipped).
    pub fn defaults() -> Config {
        Self::load_with(None, None, &[]).expect("the built-in defaults parse")
    }

    /// Loads the layers. `explicit` (from `--config`) must exist; the user's file may not.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Self::load_with(explicit, user_file().as_deref(), &env)
    }

    pub fn load_with(
        explicit: Option<&Path>,
        user: Option<&Path>,
        env: &[(String, String)],
    ) -> Result<Config, ConfigError> {
        let builtin = Path::new("(built-in defaults)");
        let mut merged: Table =
            DEFAULTS
                .parse()
                .map_err(|e: toml::de::Error| ConfigError::Parse {
                    path: builtin.into(),
                    message: e.to_string(),
                })?;
        let file = match (explicit, user) {
            (Some(p), _) => Some(p),
            (None, Some(p)) if p.exists() => Some(p),
            _ => None,
        };
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.into(),
                source,
            })?;
            let overrides: Table =
                text.parse()
                    .map_err(|e: toml::de::Error| ConfigError::Parse {
                        path: path.into(),
                        message: e.to_string(),
                    })?;
            merge(&mut merged, overrides, "", path)?;
        }
        apply_env(&mut merged, env)?;
        Value::Table(merged)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Parse {
                path: file.unwrap_or(builtin).into(),
                message: e.to_string(),
            })
    }
}

/// Overlays `over` on `base`; a key `base` does not have is an error naming it.
fn merge(base: &mut Table, over: Table, prefix: &str, path: &Path) -> Result<(), ConfigError> {
    for (key, value) in over {
        let dotted = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match (base.get_mut(&key), value) {
            (None, _) => {
                return Err(ConfigError::UnknownKey {
                    path: path.into(),
                    key: dotted,
                });
            }
            (Some(Value::Table(b)), Value::Table(o)) => merge(b, o, &dotted, path)?,
            (Some(slot), v) => *slot = v,
        }
    }
    Ok(())
}

fn apply_env(merged: &mut Table, env: &[(String, String)]) -> Result<(), ConfigError> {
    let lookup = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    for (section, table) in merged.iter_mut() {
        let Value::Table(table) = table else { continue };
        for (key, slot) in table.iter_mut() {
            let var = format!("GUARDIA_{}_{}", section, key).to_ascii_uppercase();
            let mut raw = lookup(&var);
            if raw.is_none() && section == "console" && key == "token" {
                raw = lookup("GUARDIA_TOKEN");
            }
            let Some(raw) = raw else { continue };
            *slot = match slot {
                Value::Integer(_) => {
                    Value::Integer(raw.trim().parse().map_err(|_| ConfigError::Env {
                        var: var.clone(),
                        message: "must be a whole number".into(),
                    })?)
                }
                Value::Float(_) => {
                    Value::Float(raw.trim().parse().map_err(|_| ConfigError::Env {
                        var: var.clone(),
                        message: "must be a number".into(),
                    })?)
                }
                Value::Boolean(_) => {
                    Value::Boolean(raw.trim().parse().map_err(|_| ConfigError::Env {
                        var: var.clone(),
                        message: "must be true or false".into(),
                    })?)
                }
                // A list in one variable, comma-separated (GUARDIA_CONSOLE_HUBS=URL,URL).
                Value::Array(_) => Value::Array(
                    raw.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| Value::String(s.to_string()))
                        .collect(),
                ),
                _ => Value::String(raw),
            };
        }
    }
    Ok(())
}

/// The consulates CSV shipped with the program.
pub const BUILTIN_CONSULATES: &str = include_str!("../config/consulates.csv");

/// The consulates shipped with the program, read once: for what needs a consulate's time zone
/// away from a hub (an exported record read on its own).
pub fn builtin_consulates() -> &'static [crate::domain::consulate::Consulate] {
    static LIST: std::sync::OnceLock<Vec<crate::domain::consulate::Consulate>> =
        std::sync::OnceLock::new();
    LIST.get_or_init(|| crate::domain::consulate::parse_csv(BUILTIN_CONSULATES).unwrap_or_default())
}

/// US places (GeoNames, CC BY 4.0) for call-center intake; see config/us_places.csv.
pub const BUILTIN_PLACES: &str = include_str!("../config/us_places.csv");

/// The gazetteer, parsed once per process on first use.
pub fn places() -> &'static crate::domain::gazetteer::Gazetteer {
    static PLACES: std::sync::OnceLock<crate::domain::gazetteer::Gazetteer> =
        std::sync::OnceLock::new();
    PLACES.get_or_init(|| {
        // The file is built into the program and checked by a test, so it always parses.
        crate::domain::gazetteer::Gazetteer::parse(BUILTIN_PLACES).unwrap_or_else(|e| {
            tracing::error!(error = %e, "the built-in gazetteer is unreadable");
            crate::domain::gazetteer::Gazetteer::parse("name,state,lat,lon\n")
                .expect("an empty gazetteer parses")
        })
    })
}

impl HubConfig {
    /// The key file that seals the log: the configured one, or `None` for the default beside
    /// the database.
    /// Where the hub keeps its data: `database_url` when set, else `db` (which may itself be a
    /// `postgres://` URL, as `--db` gives it).
    pub fn target(&self) -> crate::hub::store::Target {
        match self.database_url.trim() {
            "" => crate::hub::store::Target::parse(&self.db.to_string_lossy()),
            url => crate::hub::store::Target::parse(url),
        }
    }

    /// [`Self::target`] with `db` (a path or URL from the command line) in place of the
    /// configured one.
    pub fn target_or(&self, db: Option<&std::path::Path>) -> crate::hub::store::Target {
        match db {
            Some(db) => crate::hub::store::Target::parse(&db.to_string_lossy()),
            None => self.target(),
        }
    }

    pub fn key_file(&self) -> Option<&std::path::Path> {
        let named = self.key_file.trim();
        (!named.is_empty()).then(|| std::path::Path::new(named))
    }

    /// Where the consulate ids come from, to name in messages about a wrong one.
    pub fn consulates_source(&self) -> &str {
        if self.consulates.is_empty() {
            "config/consulates.csv"
        } else {
            &self.consulates
        }
    }

    /// The consulate list: the configured file, or the built-in copy.
    pub fn load_consulates(
        &self,
    ) -> Result<Vec<crate::domain::consulate::Consulate>, Box<dyn std::error::Error + Send + Sync>>
    {
        let text = if self.consulates.is_empty() {
            BUILTIN_CONSULATES.to_string()
        } else {
            std::fs::read_to_string(&self.consulates)
                .map_err(|e| format!("cannot read {}: {e}", self.consulates))?
        };
        Ok(crate::domain::consulate::parse_csv(&text)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_and_match_the_documented_values() {
        let c = Config::load_with(None, None, &[]).unwrap();
        assert_eq!(c.hub.listen, "127.0.0.1:8750");
        assert_eq!(c.urgency.sla_minutes, 5);
        assert_eq!(c.demo.consulate, "los-angeles");
    }

    #[test]
    fn file_then_env_override_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.toml");
        std::fs::write(
            &path,
            "[urgency]\nsla_minutes = 7\n[console]\ntoken = \"file\"\n",
        )
        .unwrap();
        let env = vec![("GUARDIA_TOKEN".to_string(), "env".to_string())];
        let c = Config::load_with(Some(&path), None, &env).unwrap();
        assert_eq!(c.urgency.sla_minutes, 7);
        assert_eq!(c.console.token, "env");
    }

    #[test]
    fn unknown_key_names_key_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.toml");
        std::fs::write(&path, "[hub]\nlisen = \"x\"\n").unwrap();
        let e = Config::load_with(Some(&path), None, &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("hub.lisen") && e.contains("g.toml"), "{e}");
    }

    #[test]
    fn the_console_hubs_come_from_flags_then_hubs_then_hub() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.toml");
        let c = Config::load_with(None, None, &[]).unwrap();
        assert_eq!(c.console.hub_list(&[]), ["http://127.0.0.1:8750"]);
        std::fs::write(
            &path,
            "[console]\nhubs = [\"https://a.example\", \"https://b.example\"]\n",
        )
        .unwrap();
        let c = Config::load_with(Some(&path), None, &[]).unwrap();
        assert_eq!(
            c.console.hub_list(&[]),
            ["https://a.example", "https://b.example"]
        );
        let flags = ["https://c.example,https://d.example".to_string()];
        assert_eq!(
            c.console.hub_list(&flags),
            ["https://c.example", "https://d.example"]
        );
        let env = vec![(
            "GUARDIA_CONSOLE_HUBS".to_string(),
            "https://e.example, https://f.example".to_string(),
        )];
        let c = Config::load_with(None, None, &env).unwrap();
        assert_eq!(
            c.console.hub_list(&[]),
            ["https://e.example", "https://f.example"]
        );
    }

    #[test]
    fn bad_env_number_is_named() {
        let env = vec![(
            "GUARDIA_URGENCY_SLA_MINUTES".to_string(),
            "soon".to_string(),
        )];
        let e = Config::load_with(None, None, &env).unwrap_err().to_string();
        assert!(e.contains("GUARDIA_URGENCY_SLA_MINUTES"), "{e}");
    }
}
