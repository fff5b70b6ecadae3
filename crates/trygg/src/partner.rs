//! `trygg partner …`: Open311 API keys and notification addresses of partner organisations.

use anyhow::{Result, bail};
use clap::Subcommand;
use trygg_core::{Code, Email};
use trygg_store::Store;

/// What `trygg partner` can do.
#[derive(Subcommand)]
pub enum PartnerCommand {
    /// Create an Open311 API key for a partner; the key is printed once and only its hash is kept.
    Key {
        /// The partner's code, e.g. svenska-bostader.
        code: String,
        /// What the key is for, e.g. "FixMyStreet" (used to revoke it).
        #[arg(long)]
        label: String,
    },
    /// Revoke a partner's keys with this label.
    Revoke {
        /// The partner's code.
        code: String,
        /// The label given when the key was made.
        #[arg(long)]
        label: String,
    },
    /// Set the address a partner is notified at about new reports.
    Email {
        /// The partner's code.
        code: String,
        /// The e-mail address.
        address: String,
    },
}

/// Runs a partner command against `store` (every change is in the audit log as `cli`).
pub async fn run(store: &Store, command: PartnerCommand) -> Result<()> {
    match command {
        PartnerCommand::Key { code, label } => {
            let key = store.create_partner_key("cli", &Code::new(&code)?, check_label(&label)?).await?;
            println!("{key}");
            eprintln!("the Open311 api_key for {code} ({label}); it is shown only this once");
        }
        PartnerCommand::Revoke { code, label } => {
            let n = store.revoke_partner_keys("cli", &Code::new(&code)?, &label).await?;
            if n == 0 {
                bail!("{code} has no active key labelled {label:?}");
            }
            println!("revoked {n} key(s) of {code} labelled {label:?}");
        }
        PartnerCommand::Email { code, address } => {
            let email = Email::new(&address)?;
            let code = Code::new(&code)?;
            store.set_partner_email(&code, Some(&email)).await?;
            store.audit("cli", "partner.email", &format!("partner:{code}"), email.as_str()).await?;
            println!("{code} is notified at {email}");
        }
    }
    Ok(())
}

fn check_label(label: &str) -> Result<&str> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 100 {
        bail!("--label: expected 1–100 characters, e.g. \"FixMyStreet\"");
    }
    Ok(label)
}
