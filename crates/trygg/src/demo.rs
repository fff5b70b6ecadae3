//! Demo data: Järva's geography and strategy plus one user per role, with
//! passwords printed at start. Re-running reuses what is there.

use anyhow::Result;
use std::net::SocketAddr;
use trygg_core::{Code, Email, Name, Password, Role};
use trygg_store::{NewAccount, Store, StoreError};

/// A demo login to print.
pub struct DemoLogin {
    /// E-mail address.
    pub email: String,
    /// Password.
    pub password: String,
    /// Role.
    pub role: Role,
}

/// (role, e-mail, name, areas)
const USERS: &[(Role, &str, &str, &[&str])] = &[
    (Role::Admin, "admin@demo.trygg.se", "Ada Administratör", &[]),
    (Role::Coordinator, "samordnare@demo.trygg.se", "Sara Samordnare", &["jarva"]),
    (Role::Steering, "styrgrupp@demo.trygg.se", "Stig Styrgrupp", &["jarva"]),
    (Role::Member, "arbetsgrupp@demo.trygg.se", "Maja Arbetsgrupp", &["tensta"]),
    (Role::Partner, "partner@demo.trygg.se", "Pelle Fastighetsägare", &["tensta"]),
    (Role::SocialServices, "socialtjanst@demo.trygg.se", "Sofia Socialsekreterare", &["jarva"]),
];

/// The password of a demo user: public by design, printed at start.
fn demo_password(role: Role) -> String {
    format!("demo-{}-2025", role.as_str().replace('_', "-"))
}

/// Seeds Järva and creates the demo users that are missing.
pub async fn prepare(store: &Store) -> Result<Vec<DemoLogin>> {
    trygg_import::seed::seed_jarva(store).await?;
    import_police_events(store).await?;
    let mut logins = Vec::new();
    for (role, email, name, areas) in USERS {
        let password = demo_password(*role);
        let account = NewAccount {
            email: Email::new(email)?,
            name: Name::new(name)?,
            role: *role,
            areas: areas.iter().map(|a| Code::new(a)).collect::<Result<_, _>>()?,
            password: Password::new(&password)?,
        };
        match store.add_user("system", account).await {
            Ok(_) | Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        logins.push(DemoLogin { email: (*email).to_owned(), password, role: *role });
    }
    link_partner_user(store).await?;
    let made = crate::demo_reports::make(store).await?;
    if made > 0 {
        set_partner_emails(store).await?;
        store.audit("system", "demo.reports", "reports", &made.to_string()).await?;
    }
    crate::demo_situation::prepare(store).await?;
    if crate::demo_plans::make(store).await? {
        store.audit("system", "demo.plans", "plans", "jarva").await?;
    }
    Ok(logins)
}

/// The demo partner works for the property owner of Tensta centrum, so its
/// queue holds that zone's reports.
async fn link_partner_user(store: &Store) -> Result<()> {
    let owner = Code::new("fastighetsagare-tensta-centrum")?;
    if let Some(user) =
        store.users().await?.into_iter().find(|u| u.role == Role::Partner && u.partner.is_none())
    {
        store.set_user_partner("system", user.id, Some(&owner)).await?;
    }
    Ok(())
}

/// Demo notification addresses (set after the demo year, so that the year
/// itself queues no mail): `rapporter@<partner>.demo.trygg.se`.
async fn set_partner_emails(store: &Store) -> Result<()> {
    for p in store.partners().await? {
        let email = Email::new(&format!("rapporter@{}.demo.trygg.se", p.code))?;
        store.set_partner_email(&p.code, Some(&email)).await?;
    }
    Ok(())
}

/// Imports two years of real police events (a no-op when already there).
async fn import_police_events(store: &Store) -> Result<()> {
    use trygg_import::polisen;
    let gazetteer = polisen::gazetteer(store).await?;
    let done: Vec<String> = store.import_runs(1000).await?.into_iter().map(|r| r.sha256).collect();
    for (name, bytes) in polisen::DEMO_ARCHIVES {
        if done.contains(&polisen::sha256_hex(bytes)) {
            continue;
        }
        println!("Importing {name} for the demo (first start only)…");
        let run = polisen::load(store, &gazetteer, name, bytes, "system").await?;
        if run.inserted + run.updated > 0 {
            store.audit("system", "import.polisen", &format!("import_run:{}", run.id), name).await?;
        }
    }
    Ok(())
}

/// Prints where to go and how to sign in.
pub fn print_banner(addr: &SocketAddr, url: &str, logins: &[DemoLogin]) {
    println!("Trygg demo on http://{addr}/  (database {url})");
    println!("Demo logins (role, e-mail, password):");
    for l in logins {
        println!("  {:<16} {:<28} {}", l.role.as_str(), l.email, l.password);
    }
}
