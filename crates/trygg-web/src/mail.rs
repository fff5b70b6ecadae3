//! Sends the mail outbox over SMTP. Notifications are rows written in the
//! same transaction as the change they tell about (see `trygg_store`'s
//! outbox); this loop claims due rows, renders them in Swedish from the
//! current data, sends them, and marks them sent, or failed with a retry
//! that backs off from `retry_base_secs` to an hour. A mail server that is
//! down loses nothing: rows wait until it is back.

use crate::{AppState, SmtpConfig};
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use trygg_core::Code;
use trygg_store::{OutgoingMail, Store, StoreError};

/// Rows claimed per pass.
const BATCH: i64 = 20;
/// The longest wait between retries, in seconds.
const MAX_BACKOFF_SECS: i64 = 3600;

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// Sends due mail every few seconds, for as long as the server runs.
pub async fn send_periodically(state: AppState, smtp: SmtpConfig) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(smtp.poll_secs.max(1)));
    loop {
        tick.tick().await;
        match flush(&state, &smtp).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sent = n, "mail sent"),
            Err(e) => tracing::warn!(error = %e, "mail outbox pass failed"),
        }
    }
}

/// One pass over the outbox: claims due rows, sends each, records the
/// outcome. Returns how many were sent.
pub async fn flush(state: &AppState, smtp: &SmtpConfig) -> Result<usize, StoreError> {
    let transport =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str()).port(smtp.port).build();
    let mut sent = 0;
    for mail in state.store.claim_mail(BATCH).await? {
        let outcome = match render(state, &mail).await? {
            Some(r) => send(&transport, smtp, &mail, &r).await,
            None => {
                tracing::warn!(id = mail.id, kind = %mail.kind, "nothing to say any more; dropped");
                Ok(())
            }
        };
        match outcome {
            Ok(()) => {
                state.store.mark_mail_sent(mail.id).await?;
                sent += 1;
            }
            Err(e) => {
                let wait =
                    (smtp.retry_base_secs as i64).saturating_mul(1 << (mail.attempts - 1).clamp(0, 16));
                tracing::warn!(id = mail.id, attempts = mail.attempts, error = %e, "mail not sent; will retry");
                state.store.mark_mail_failed(mail.id, &e, wait.min(MAX_BACKOFF_SECS) * 1000).await?;
            }
        }
    }
    Ok(sent)
}

async fn send(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    smtp: &SmtpConfig,
    mail: &OutgoingMail,
    r: &Rendered,
) -> Result<(), String> {
    let from: Mailbox = smtp.from.parse().map_err(|e| format!("sender {:?}: {e}", smtp.from))?;
    let to: Mailbox = mail.recipient.parse().map_err(|e| format!("recipient: {e}"))?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(&r.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(r.body.clone())
        .map_err(|e| e.to_string())?;
    transport.send(message).await.map(|_| ()).map_err(|e| e.to_string())
}

/// Renders a notification from the current data, or `None` if what it
/// was about no longer exists.
pub async fn render(state: &AppState, mail: &OutgoingMail) -> Result<Option<Rendered>, StoreError> {
    let Some(id) = mail.record.strip_prefix("report:").and_then(|s| s.parse::<i64>().ok()) else {
        return Ok(None);
    };
    let Some(report) = state.store.report(id).await? else { return Ok(None) };
    let t = state.translations.get(crate::Lang::Sv);
    let category = state.store.category(&report.category).await?;
    let category_name = category.as_ref().map_or(report.category.as_str(), |c| c.name_sv.as_str());
    let place = place_name(&state.store, report.place.as_ref().unwrap_or(&report.area)).await?;
    let base = state.config.public_url.trim_end_matches('/');
    let fill = |text: &str| {
        text.replace("{id}", &id.to_string())
            .replace("{category}", category_name)
            .replace("{place}", &place)
            .replace("{due}", &crate::pages::local_time(report.due_at))
            .replace("{state}", t.get(report.state.key()))
            .replace("{description}", &report.description)
    };
    let rendered = match mail.kind.as_str() {
        "report.assigned" => {
            let mut body = fill(t.get("mail.assigned.body"));
            if category.as_ref().is_some_and(|c| c.police) {
                body.push_str("\n\n");
                body.push_str(t.get("mail.assigned.police"));
            }
            body.push_str(&format!("\n\n{base}/reports/{id}\n"));
            Rendered { subject: fill(t.get("mail.assigned.subject")), body }
        }
        "report.changed" => {
            let mut body = fill(t.get("mail.changed.body"));
            if category.as_ref().is_some_and(|c| c.public) {
                body.push_str(&format!("\n\n{base}/public/reports/{id}\n"));
            }
            Rendered { subject: fill(t.get("mail.changed.subject")), body }
        }
        _ => return Ok(None),
    };
    Ok(Some(rendered))
}

async fn place_name(store: &Store, code: &Code) -> Result<String, StoreError> {
    Ok(store.area(code).await?.map_or_else(|| code.to_string(), |a| a.name.as_str().to_owned()))
}
