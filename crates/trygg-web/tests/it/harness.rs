//! Starts the app on 127.0.0.1:0 over a fresh, seeded database and gives a
//! client that does not follow redirects, with helpers to sign in as any role.

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Client, Response, redirect};
use std::collections::HashMap;
use trygg_core::{Code, Email, Name, Password, Role, hash_password};
use trygg_store::testing::TestDb;
use trygg_store::{NewUser, Store};

/// The password of every test user made with a real hash.
pub const PASSWORD: &str = "rätt häst batteri";

pub struct App {
    pub base: String,
    pub store: Store,
    pub client: Client,
    /// Session cookie and CSRF token per role, made directly in the store (no argon2 per test).
    pub sessions: HashMap<Role, (String, String)>,
    /// The test user of each role.
    pub users: HashMap<Role, i64>,
    _db: TestDb,
}

impl App {
    /// A fresh SQLite-backed app.
    pub async fn start() -> App {
        Self::on(TestDb::sqlite().await).await
    }

    /// The app over the given database.
    pub async fn on(db: TestDb) -> App {
        Self::with_config(db, trygg_web::WebConfig::default()).await
    }

    /// The app over the given database with a configuration of its own.
    pub async fn with_config(db: TestDb, config: trygg_web::WebConfig) -> App {
        let store = db.store.clone();
        trygg_import::seed::seed_jarva(&store).await.expect("seed");
        let (mut sessions, mut users) = (HashMap::new(), HashMap::new());
        for role in Role::assignable() {
            let user = store
                .create_user(&NewUser {
                    email: Email::new(&format!("{}@test.trygg.se", role.as_str().replace('_', "-"))).unwrap(),
                    name: Name::new(&format!("Test {}", role.as_str())).unwrap(),
                    role,
                    areas: vec![Code::new("jarva").unwrap()],
                    password_hash: "$argon2id$v=19$m=19456,t=2,p=1$invalid".into(),
                })
                .await
                .unwrap();
            sessions.insert(role, new_session(&store, user.id).await);
            users.insert(role, user.id);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = trygg_web::AppState::new(store.clone(), config);
        tokio::spawn(trygg_web::serve_on(state, listener));
        let client = Client::builder().redirect(redirect::Policy::none()).build().unwrap();
        App { base, store, client, sessions, users, _db: db }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET as a role (`Role::Public` sends no session).
    pub async fn get_as(&self, role: Role, path: &str) -> Response {
        let mut req = self.client.get(self.url(path));
        if let Some((cookie, _)) = self.sessions.get(&role) {
            req = req.header(COOKIE, cookie);
        }
        req.send().await.unwrap()
    }

    /// POST a form as a role, with that role's CSRF token.
    pub async fn post_form_as(&self, role: Role, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut req = self.client.post(self.url(path));
        let mut fields: Vec<(&str, &str)> = fields.to_vec();
        if let Some((cookie, csrf)) = self.sessions.get(&role) {
            req = req.header(COOKIE, cookie);
            fields.push(("csrf", csrf));
        }
        req.form(&fields).send().await.unwrap()
    }

    /// Creates a user with a real password hash.
    pub async fn real_user(&self, email: &str, role: Role) -> i64 {
        let p = Password::new(PASSWORD).unwrap();
        self.store
            .create_user(&NewUser {
                email: Email::new(email).unwrap(),
                name: Name::new("Riktig Användare").unwrap(),
                role,
                areas: vec![],
                password_hash: hash_password(&p),
            })
            .await
            .unwrap()
            .id
    }

    /// Signs in through the login form like a browser; returns the cookie header to send.
    pub async fn login(&self, email: &str, password: &str) -> (Response, Option<String>) {
        let form = self.client.get(self.url("/login")).send().await.unwrap();
        let csrf_cookie = cookie_from(&form, "trygg_csrf").expect("login form sets a CSRF cookie");
        let body = form.text().await.unwrap();
        let token = hidden_field(&body, "csrf").expect("login form has a CSRF field");
        let res = self
            .client
            .post(self.url("/login"))
            .header(COOKIE, format!("trygg_csrf={csrf_cookie}"))
            .form(&[("csrf", token.as_str()), ("email", email), ("password", password), ("next", "/")])
            .send()
            .await
            .unwrap();
        let session = cookie_from(&res, "trygg_session").map(|v| format!("trygg_session={v}"));
        (res, session)
    }
}

/// A fresh session for `user_id`: (cookie header, CSRF token).
pub async fn new_session(store: &Store, user_id: i64) -> (String, String) {
    let token: String = (0..4).map(|_| format!("{:016x}", rand_u64())).collect();
    let csrf = format!("{:016x}", rand_u64());
    store
        .create_session(&sha256_hex(&token), user_id, &csrf, trygg_store::now_ms() + 3_600_000)
        .await
        .unwrap();
    (format!("trygg_session={token}"), csrf)
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::Instant::now())
}

pub fn sha256_hex(s: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The value a response sets for cookie `name`, if any.
pub fn cookie_from(res: &Response, name: &str) -> Option<String> {
    set_cookies(res).into_iter().find_map(|c| {
        let first = c.split(';').next()?.trim().to_owned();
        first.strip_prefix(&format!("{name}=")).map(str::to_owned)
    })
}

/// Every `Set-Cookie` header of a response.
pub fn set_cookies(res: &Response) -> Vec<String> {
    res.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok().map(str::to_owned)).collect()
}

/// The value of a hidden input in an HTML page.
pub fn hidden_field(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    Some(html[start..].split('"').next()?.to_owned())
}
