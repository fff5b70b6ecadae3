//! Notifications over a real SMTP conversation on loopback: a small SMTP
//! server (the sink below) receives what the outbox sends; an outage loses nothing.

use crate::harness::App;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use trygg_core::{Code, Email, LatLon};
use trygg_store::testing::TestDb;
use trygg_store::{NewReport, Reporter, now_ms};
use trygg_web::{SmtpConfig, WebConfig};

/// One message as the sink received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

/// An SMTP server on 127.0.0.1 that accepts every message (RFC 5321's
/// minimal command set) and keeps it.
pub struct SmtpSink {
    pub port: u16,
    pub messages: Arc<Mutex<Vec<Received>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        Self::on(TcpListener::bind("127.0.0.1:0").await.unwrap())
    }

    pub fn on(listener: TcpListener) -> SmtpSink {
        let port = listener.local_addr().unwrap().port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let keep = messages.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, keep.clone()));
            }
        });
        SmtpSink { port, messages }
    }

    /// Waits (up to 20 s) until `n` messages have arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            let got = self.messages.lock().unwrap().clone();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("expected {n} messages, got {:?}", self.messages.lock().unwrap());
    }
}

async fn session(stream: tokio::net::TcpStream, keep: Arc<Mutex<Vec<Received>>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 sink.test ESMTP\r\n").await;
    let (mut to, mut data, mut in_data) = (Vec::new(), String::new(), false);
    while let Ok(Some(line)) = lines.next_line().await {
        if in_data {
            if line == "." {
                keep.lock()
                    .unwrap()
                    .push(Received { to: std::mem::take(&mut to), data: std::mem::take(&mut data) });
                in_data = false;
                let _ = write.write_all(b"250 OK queued\r\n").await;
            } else {
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
                data.push('\n');
            }
            continue;
        }
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-sink.test\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("RCPT TO:") {
            to.push(line[8..].trim().trim_matches(|c| c == '<' || c == '>').to_owned());
            b"250 OK\r\n"
        } else if upper.starts_with("DATA") {
            in_data = true;
            b"354 go ahead\r\n"
        } else if upper.starts_with("QUIT") {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            b"250 OK\r\n"
        };
        let _ = write.write_all(reply).await;
    }
}

pub fn smtp_config(port: u16) -> WebConfig {
    let mut smtp = SmtpConfig::new("127.0.0.1", port, "trygg@test.trygg.se");
    smtp.poll_secs = 1;
    smtp.retry_base_secs = 1;
    WebConfig { smtp: Some(smtp), public_url: "https://trygg.test".into(), ..WebConfig::default() }
}

fn graffiti_at_tensta_centrum() -> NewReport {
    NewReport {
        category: Code::new("klotter-ovrigt").unwrap(),
        position: Some(LatLon::new(59.3940, 17.9042).unwrap()),
        place: None,
        seen_at: now_ms() - 600_000,
        description: "Nya taggar vid entrén.".into(),
        reporter: Reporter::resident(None),
        source: "web".into(),
        photos: vec![],
        created_at: None,
    }
}

async fn owner_address(app: &App) {
    let owner = Code::new("fastighetsagare-tensta-centrum").unwrap();
    app.store.set_partner_email(&owner, Some(&Email::new("felanmalan@agare.test").unwrap())).await.unwrap();
}

#[tokio::test]
async fn the_responsible_owner_is_mailed_over_smtp() {
    let sink = SmtpSink::start().await;
    let app = App::with_config(TestDb::sqlite().await, smtp_config(sink.port)).await;
    owner_address(&app).await;
    let report = app.store.create_report(&graffiti_at_tensta_centrum()).await.unwrap().report;
    let got = sink.wait_for(1).await;
    assert_eq!(got[0].to, vec!["felanmalan@agare.test".to_owned()]);
    let text = &got[0].data;
    assert!(text.contains(&format!("https://trygg.test/reports/{}", report.id)), "{text}");
    assert!(text.contains("From: trygg@test.trygg.se"), "{text}");
    let sent = app.store.outbox(5).await.unwrap();
    assert!(sent[0].sent_at.is_some());
}

#[tokio::test]
async fn a_mail_server_outage_loses_nothing() {
    // Reserve a port, then close it: the relay is down.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let app = App::with_config(TestDb::sqlite().await, smtp_config(port)).await;
    owner_address(&app).await;
    app.store.create_report(&graffiti_at_tensta_centrum()).await.unwrap();
    let mut failed = None;
    for _ in 0..100 {
        let m = app.store.outbox(1).await.unwrap().remove(0);
        if m.last_error.is_some() {
            failed = Some(m);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let failed = failed.expect("the send was attempted and failed");
    assert!(failed.sent_at.is_none() && failed.attempts >= 1);
    // The relay comes back on the same port: the queued mail goes out.
    let sink = SmtpSink::on(TcpListener::bind(("127.0.0.1", port)).await.unwrap());
    let got = sink.wait_for(1).await;
    assert_eq!(got[0].to, vec!["felanmalan@agare.test".to_owned()]);
    assert_eq!(app.store.outbox(5).await.unwrap().len(), 1, "sent once, not duplicated");
}
