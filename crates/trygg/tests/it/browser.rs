//! Real-browser check: starts `trygg serve --demo` on a free port in a fresh
//! directory, then runs `node tests/browser/check.mjs`, in which headless
//! Chromium signs in as the demo admin and axe-core scans the pages for
//! WCAG 2.1 A/AA violations.
//!
//! Needs `node`, Chromium (`/usr/bin/chromium` or `$CHROMIUM`) and the
//! packages in `tests/browser/node_modules`:
//!
//! ```sh
//! apt-get install -y chromium        # Node.js 20 or newer with npm is needed too
//! npm ci --prefix tests/browser
//! ```
//!
//! Without them the test is skipped, except under `CI=true`, where it fails.
//! Set `SCREENSHOT_DIR` to keep a full-page screenshot of each page.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const ADMIN_EMAIL: &str = "admin@demo.trygg.se";
const ADMIN_PASSWORD: &str = "demo-admin-2025";
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// check.mjs stops itself after 180 s; this is the backstop.
const CHECK_TIMEOUT: Duration = Duration::from_secs(240);

/// A child process that is killed when this goes out of scope, pass or panic.
struct KillOnDrop {
    child: Child,
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What is missing to run the check, with how to install it.
fn missing_prerequisites(root: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    let node = Command::new("node").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    if !node.is_ok_and(|s| s.success()) {
        missing.push("`node` is not on PATH (Node.js 20 or newer)".to_owned());
    }
    let chromium =
        std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if !chromium.is_file() {
        missing.push(format!(
            "Chromium is not at {} (apt-get install -y chromium, or set CHROMIUM)",
            chromium.display()
        ));
    }
    let modules = root.join("tests/browser/node_modules");
    if !["playwright-core", "axe-core"].iter().all(|m| modules.join(m).join("package.json").is_file()) {
        missing.push(format!(
            "{} lacks playwright-core or axe-core (npm ci --prefix tests/browser)",
            modules.display()
        ));
    }
    missing
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("cannot bind 127.0.0.1:0");
    listener.local_addr().expect("no local address").port()
}

/// The status line of `GET path` over plain HTTP/1.1, if the server answers.
fn http_status(addr: SocketAddr, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream.set_write_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let text = String::from_utf8_lossy(&response);
    text.lines().next().map(str::to_owned)
}

fn read_log(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    // The tail is what matters when a long log explains a failure.
    let chars: Vec<char> = text.chars().collect();
    let start = chars.len().saturating_sub(8_000);
    chars[start..].iter().collect()
}

/// Waits for `child` up to `timeout`; `None` if it had to be killed.
fn wait_with_timeout(child: &mut KillOnDrop, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            Ok(None) | Err(_) => {
                let _ = child.child.kill();
                let _ = child.child.wait();
                return None;
            }
        }
    }
}

#[test]
fn pages_pass_axe_in_headless_chromium() {
    let root = repo_root();
    let missing = missing_prerequisites(&root);
    if !missing.is_empty() {
        let message = format!(
            "the browser check cannot run:\n  - {}\ninstall with: apt-get install -y chromium && npm ci --prefix tests/browser (Node.js 20 or newer)",
            missing.join("\n  - ")
        );
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{message}");
        }
        eprintln!("skipped: {message}");
        return;
    }

    let dir = tempfile::tempdir().expect("cannot create a temporary directory");
    let addr: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    let server_log = dir.path().join("server.log");
    let log = File::create(&server_log).expect("cannot create the server log");
    let mut server = KillOnDrop {
        child: Command::new(env!("CARGO_BIN_EXE_trygg"))
            .args(["serve", "--demo", "--bind", &addr.to_string()])
            .current_dir(dir.path())
            .env_remove("TRYGG_DATABASE_URL")
            .env_remove("TRYGG_CONFIG")
            .env_remove("TRYGG_BIND")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("cannot share the server log"))
            .stderr(log)
            .spawn()
            .expect("cannot start trygg serve --demo"),
    };

    let started = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().expect("cannot poll the server") {
            panic!(
                "trygg serve --demo exited ({status}) before answering /healthz:\n{}",
                read_log(&server_log)
            );
        }
        if http_status(addr, "/healthz").is_some_and(|l| l.starts_with("HTTP/1.1 200")) {
            break;
        }
        assert!(
            started.elapsed() < STARTUP_TIMEOUT,
            "trygg serve --demo did not answer GET /healthz with 200 within {} s:\n{}",
            STARTUP_TIMEOUT.as_secs(),
            read_log(&server_log)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!("server up on {addr} after {:.1} s", started.elapsed().as_secs_f64());

    let check_out = dir.path().join("check.out");
    let check_err = dir.path().join("check.err");
    let checked = Instant::now();
    let mut check = KillOnDrop {
        child: Command::new("node")
            .arg("tests/browser/check.mjs")
            .current_dir(&root)
            .env("TRYGG_URL", format!("http://{addr}"))
            .env("TRYGG_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("TRYGG_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .stdin(Stdio::null())
            .stdout(File::create(&check_out).expect("cannot create check.out"))
            .stderr(File::create(&check_err).expect("cannot create check.err"))
            .spawn()
            .expect("cannot start node tests/browser/check.mjs"),
    };
    let status = wait_with_timeout(&mut check, CHECK_TIMEOUT);
    let stdout = read_log(&check_out);
    let stderr = read_log(&check_err);
    drop(server);
    println!("{stdout}");
    eprintln!("browser check took {:.1} s", checked.elapsed().as_secs_f64());
    match status {
        Some(s) if s.success() => {}
        Some(s) => panic!(
            "node tests/browser/check.mjs failed ({s})\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}\n--- server log ---\n{}",
            read_log(&server_log)
        ),
        None => panic!(
            "node tests/browser/check.mjs did not finish within {} s and was killed\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
            CHECK_TIMEOUT.as_secs()
        ),
    }
}
