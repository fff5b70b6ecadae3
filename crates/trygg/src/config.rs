//! Configuration: command-line flags, then `TRYGG_*` environment variables
//! (both handled by clap), then an optional `trygg.toml`, then defaults.

use anyhow::{Context, Result};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::Path;

/// What `trygg.toml` may set. Unknown keys are an error, so typos show.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Database URL.
    pub database: Option<String>,
    /// Address to listen on.
    pub bind: Option<SocketAddr>,
    /// Set when served over TLS: cookies get `Secure`, responses HSTS.
    pub secure_cookies: Option<bool>,
    /// Session length in hours.
    pub session_hours: Option<i64>,
    /// The address users reach this server at, for links in e-mail.
    pub public_url: Option<String>,
    /// Whether Open311 accepts anonymous `POST requests` (as a resident).
    pub open311_anonymous_post: Option<bool>,
    /// The SMTP relay for notifications; without it mail waits in the outbox.
    pub smtp: Option<Smtp>,
    /// How long serious-talk records are kept, in days.
    pub serious_talk_retention_days: Option<i64>,
}

/// `[smtp]` in `trygg.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    /// Host name or address of the relay.
    pub host: String,
    /// Port (default 25).
    pub port: Option<u16>,
    /// Sender address.
    pub from: String,
}

/// The database used when nothing else is configured.
pub const DEFAULT_DATABASE: &str = "sqlite://trygg.db";
/// The demo database, in the current directory.
pub const DEMO_DATABASE: &str = "sqlite://trygg-demo.db";

impl Settings {
    /// Reads `path`, or `./trygg.toml` if it exists, or nothing.
    pub fn load(path: Option<&Path>) -> Result<Self> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (Path::new("trygg.toml").to_path_buf(), false),
        };
        if !required && !path.exists() {
            return Ok(Self::default());
        }
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("{}: invalid configuration", path.display()))
    }

    /// The database URL: the flag or environment, then the file, then the default.
    /// With `--demo` and nothing given on the command line, the demo database.
    pub fn database_url(&self, flag: Option<&str>, demo: bool) -> String {
        match (flag, demo) {
            (Some(url), _) => url.to_owned(),
            (None, true) => DEMO_DATABASE.to_owned(),
            (None, false) => self.database.clone().unwrap_or_else(|| DEFAULT_DATABASE.to_owned()),
        }
    }

    /// The web layer's configuration.
    pub fn web_config(&self) -> trygg_web::WebConfig {
        let mut c = trygg_web::WebConfig::default();
        if let Some(s) = self.secure_cookies {
            c.secure_cookies = s;
        }
        if let Some(h) = self.session_hours {
            c.session_hours = h;
        }
        if let Some(u) = &self.public_url {
            c.public_url = u.trim_end_matches('/').to_owned();
        }
        if let Some(a) = self.open311_anonymous_post {
            c.open311_anonymous_post = a;
        }
        if let Some(d) = self.serious_talk_retention_days {
            c.serious_talk_retention_days = d.max(1);
        }
        c.smtp =
            self.smtp.as_ref().map(|s| trygg_web::SmtpConfig::new(&s.host, s.port.unwrap_or(25), &s.from));
        c
    }
}
