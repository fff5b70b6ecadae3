//! The public results against the demo data: `trygg serve --demo` holds a
//! year of reports, including non-public categories; no public output may
//! show a count below 5 or anything of a non-public category.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The non-public categories and groups of the seed, by code and name.
const SECRET: &[&str] = &[
    "droger",
    "gomda-droger",
    "narkotikahandel",
    "personer",
    "otrygg-samling",
    "berusade-personer",
    "hot-vald-anstalld",
    "Narkotika",
    "Gömda droger",
    "Narkotikahandel",
    "Ordning och personer",
    "Otrygghetsskapande samling",
    "Berusade personer",
    "Hot och våld mot anställd",
    "Drugs",
    "Hidden drugs",
    "Drug dealing",
    "Order and people",
    "Gathering that causes insecurity",
    "Intoxicated people",
    "Threats or violence against staff",
];

/// A `trygg serve --demo` child process, killed on drop.
struct Demo(Child, String);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn serve_demo(dir: &std::path::Path) -> Demo {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let bind = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_trygg"))
        .args(["serve", "--demo", "--bind", &bind])
        .current_dir(dir)
        .env_remove("TRYGG_DATABASE_URL")
        .env_remove("TRYGG_CONFIG")
        .env_remove("TRYGG_BIND")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start trygg serve --demo");
    let demo = Demo(child, format!("http://{bind}"));
    let deadline = Instant::now() + Duration::from_secs(300);
    while Instant::now() < deadline {
        if let Ok(r) = reqwest::get(format!("{}/healthz", demo.1)).await
            && r.status().is_success()
        {
            return demo;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    panic!("trygg serve --demo did not answer /healthz within 300 s");
}

async fn get(base: &str, path: &str) -> String {
    let res = reqwest::get(format!("{base}{path}")).await.unwrap();
    assert!(res.status().is_success(), "GET {path}: {}", res.status());
    res.text().await.unwrap()
}

fn check_page(path: &str, page: &str) {
    for n in 0..5 {
        assert!(!page.contains(&format!("<td class=\"num\">{n}</td>")), "{path} shows a count of {n}");
    }
    // Map points are `<circle class="point…">`; a line chart's markers are not places.
    assert!(!page.contains("<circle class=\"point"), "{path} draws points");
    for word in SECRET {
        assert!(!page.contains(&format!(">{word}<")), "{path} shows {word}");
        assert!(!page.contains(&format!("\"{word}\"")), "{path} names {word}");
    }
}

fn check_csv(path: &str, body: &str) {
    let mut lines = body.lines().filter(|l| !l.starts_with('#'));
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let count = header.iter().position(|h| *h == "count").expect("a count column");
    let mut published = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        if let Ok(n) = cells[count].parse::<i64>() {
            assert!(n >= 5, "{path}: a count of {n} in {line}");
            published += 1;
        }
        for word in SECRET {
            assert!(!cells.contains(word), "{path} has {word}: {line}");
        }
    }
    assert!(published > 0, "the demo year has published counts: {body}");
}

fn check_geojson(path: &str, body: &str) {
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    let features = json["features"].as_array().unwrap();
    assert!(features.len() >= 5, "{path}: the districts");
    let mut counts = Vec::new();
    for f in features {
        let p = &f["properties"];
        counts.push(&p["total"]["count"]);
        for (code, g) in p["groups"].as_object().unwrap() {
            assert!(!SECRET.contains(&code.as_str()), "{path} has {code}");
            counts.push(&g["count"]);
        }
    }
    for c in counts.into_iter().filter_map(serde_json::Value::as_i64) {
        assert!(c >= 5, "{path}: a count of {c}");
    }
    for word in SECRET {
        assert!(!body.contains(&format!("\"{word}\"")), "{path} has {word}");
    }
}

#[tokio::test]
async fn the_public_results_of_the_demo_show_no_small_counts_and_nothing_secret() {
    let dir = tempfile::tempdir().unwrap();
    let demo = serve_demo(dir.path()).await;
    let start = get(&demo.1, "/results").await;
    // The period list offers the current tertial first after the last 12 months.
    let tertial = start
        .split("<option value=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|v| v.contains("-T"))
        .expect("a tertial to choose")
        .to_owned();
    for path in ["/results".to_owned(), "/results?lang=en".into(), format!("/results?period={tertial}")] {
        check_page(&path, &get(&demo.1, &path).await);
    }
    for path in ["/results/reports.csv".to_owned(), format!("/results/reports.csv?period={tertial}")] {
        check_csv(&path, &get(&demo.1, &path).await);
    }
    for path in ["/results/reports.geojson".to_owned(), "/results/reports.geojson?lang=en".into()] {
        check_geojson(&path, &get(&demo.1, &path).await);
    }
}
