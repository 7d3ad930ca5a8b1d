//! A real hub on 127.0.0.1:0 with a fresh database, and helpers to talk to it over HTTP.
#![allow(dead_code)]

pub mod pg;

use std::net::SocketAddr;

use chrono::{NaiveDate, Utc};
use guardia::api::{AlertResponse, EnrollResponse};
use guardia::domain::alert::AlertKind;
use guardia::domain::consulate::parse_csv;
use guardia::domain::event::Actor;
use guardia::domain::registrant::{Flag, Profile, Relative};
use guardia::domain::staff::{NewStaff, Role};
use guardia::hub::auth::{STAFF_PREFIX, hash_token, new_token};
use guardia::hub::state::StreamSettings;
use guardia::hub::store::{Store, Target};
use guardia::hub::{AppState, serve};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Where a test hub in `dir` keeps its data: `hub.db` there, or (on PostgreSQL) a database
/// of the test cluster made for that folder, so that a restart finds the same one.
pub fn target(dir: &std::path::Path) -> Target {
    match pg::engine() {
        pg::Engine::Sqlite => Target::File(dir.join("hub.db")),
        pg::Engine::Postgres => {
            let named = dir.join("pg-url");
            let url = match std::fs::read_to_string(&named) {
                Ok(url) => url,
                Err(_) => {
                    let url = pg::new_database().expect("PostgreSQL binaries");
                    std::fs::write(&named, &url).unwrap();
                    url
                }
            };
            Target::Postgres(url)
        }
    }
}

/// The key file of a test hub in `dir` (SQLite's default place for `hub.db`).
pub fn key_file(dir: &std::path::Path) -> std::path::PathBuf {
    guardia::hub::store::chain::default_key_file(&dir.join("hub.db"))
}

pub struct TestHub {
    pub addr: SocketAddr,
    pub url: String,
    pub http: reqwest::Client,
    pub store: Store,
    pub dir: tempfile::TempDir,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl TestHub {
    pub async fn start() -> TestHub {
        Self::start_with(StreamSettings::default()).await
    }

    pub async fn start_with(stream: StreamSettings) -> TestHub {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, stream).await
    }

    /// Starts a hub on an existing directory (to restart over the same database).
    pub async fn start_in(dir: tempfile::TempDir, stream: StreamSettings) -> TestHub {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve_on(listener, dir, move |s| s.stream = stream).await
    }

    /// A hub whose state the test adjusts first (clock, urgency rules, notify settings).
    pub async fn start_configured(
        dir: tempfile::TempDir,
        configure: impl FnOnce(&mut AppState),
    ) -> TestHub {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve_on(listener, dir, configure).await
    }

    /// Restarts a stopped hub on its old address and database, as a real restart would.
    pub async fn restart_at(addr: SocketAddr, dir: tempfile::TempDir) -> TestHub {
        let listener = loop {
            match tokio::net::TcpListener::bind(addr).await {
                Ok(l) => break l,
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            }
        };
        Self::serve_on(listener, dir, |_| {}).await
    }

    /// Serves `dir`'s database on a listener the test made (say, at an address reserved with
    /// [`reserve_addr`] that a console already knows).
    pub async fn serve_on(
        listener: tokio::net::TcpListener,
        dir: tempfile::TempDir,
        configure: impl FnOnce(&mut AppState),
    ) -> TestHub {
        // The hub's own errors, shown with a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::ERROR)
            .with_test_writer()
            .try_init();
        let store = Store::open_target(&target(dir.path()), Some(&key_file(dir.path()))).unwrap();
        let consulates = parse_csv(guardia::config::BUILTIN_CONSULATES).unwrap();
        let mut state = AppState::new(store.clone(), consulates);
        // Tests enroll phones directly, as a closed test deployment does; verification has its
        // own tests with a gateway that receives the codes.
        state.enroll.verify_phone = false;
        // Limits have their own tests; here many phones enroll from one address.
        state.limits = std::sync::Arc::new(guardia::hub::limits::Limits::off());
        configure(&mut state);
        let addr = listener.local_addr().unwrap();
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        let task = tokio::spawn(async move {
            serve(listener, state, async move { stopped.cancelled().await })
                .await
                .unwrap();
        });
        TestHub {
            addr,
            url: format!("http://{addr}"),
            http: reqwest::Client::new(),
            store,
            dir,
            stop,
            task,
        }
    }

    /// Stops the server and returns its directory, database intact. Every test that stops a
    /// hub also checks its record: every link, and every case folded again from its events.
    pub async fn stop(self) -> tempfile::TempDir {
        self.stop.cancel();
        let _ = self.task.await;
        let report = guardia::hub::store::verify::verify_target(
            &target(self.dir.path()),
            Some(&key_file(self.dir.path())),
        )
        .unwrap();
        assert!(report.findings.is_empty(), "{report}");
        self.dir
    }

    /// Runs `f` on a connection to this hub's database (either engine), on a thread of its
    /// own: the tests look at what is stored, as an insider with the database would.
    pub fn with_db<R: Send>(
        &self,
        f: impl FnOnce(&guardia::hub::store::db::Conn) -> R + Send,
    ) -> R {
        let target = target(self.dir.path());
        std::thread::scope(|s| {
            s.spawn(|| f(&target.connect().expect("a connection to the test database")))
                .join()
                .expect("the query thread")
        })
    }

    /// The first column of every row of `sql`, as text (NULLs left out).
    pub fn texts(&self, sql: &str) -> Vec<String> {
        self.with_db(|db| {
            db.query_map(sql, (), |r| r.get::<Option<String>>(0))
                .unwrap()
                .into_iter()
                .flatten()
                .collect()
        })
    }

    /// The one number `sql` gives.
    pub fn count(&self, sql: &str) -> i64 {
        self.with_db(|db| db.query_row(sql, (), |r| r.get(0)).unwrap())
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    pub async fn staff(&self, role: Role, consulate: Option<&str>) -> String {
        self.staff_with_id(role, consulate).await.1
    }

    pub async fn staff_with_id(&self, role: Role, consulate: Option<&str>) -> (i64, String) {
        let lawyer = role == Role::Lawyer;
        self.add(NewStaff {
            name: format!("Test {}", role.as_str()),
            role,
            consulate: if lawyer {
                None
            } else {
                consulate.map(String::from)
            },
            serves: if lawyer {
                vec![consulate.unwrap_or("los-angeles").to_string()]
            } else {
                vec![]
            },
            languages: if lawyer { vec!["es".into()] } else { vec![] },
            capacity: if lawyer { 10 } else { 0 },
        })
        .await
    }

    pub async fn add(&self, new: NewStaff) -> (i64, String) {
        let token = new_token(STAFF_PREFIX);
        let id = self
            .store
            .add_staff(new, hash_token(&token), Actor::Operator, None, Utc::now())
            .await
            .unwrap()
            .value;
        (id, token)
    }

    pub async fn get_as(&self, token: &str, path: &str) -> reqwest::Response {
        self.http
            .get(self.at(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// A case action as the console sends it: a fresh Idempotency-Key and If-Match.
    pub async fn act(
        &self,
        token: &str,
        case: u64,
        verb: &str,
        version: u64,
        body: Value,
    ) -> reqwest::Response {
        self.act_with_key(
            token,
            case,
            verb,
            version,
            body,
            &Uuid::new_v4().to_string(),
        )
        .await
    }

    pub async fn act_with_key(
        &self,
        token: &str,
        case: u64,
        verb: &str,
        version: u64,
        body: Value,
        key: &str,
    ) -> reqwest::Response {
        self.http
            .post(self.at(&format!("/v1/cases/{case}/{verb}")))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .header("If-Match", format!("\"{version}\""))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// `POST path` as `token` with a fresh `Idempotency-Key`.
    pub async fn post_as(&self, token: &str, path: &str, body: Value) -> reqwest::Response {
        self.post_with_key(token, path, body, &Uuid::new_v4().to_string())
            .await
    }

    pub async fn post_with_key(
        &self,
        token: &str,
        path: &str,
        body: Value,
        key: &str,
    ) -> reqwest::Response {
        self.http
            .post(self.at(path))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// `GET path` as `token`, its JSON answer (whatever the status).
    pub async fn json_as<T: serde::de::DeserializeOwned>(&self, token: &str, path: &str) -> T {
        self.get_as(token, path).await.json().await.unwrap()
    }

    /// The officer assigns `lawyer` to `case`, at the case's current version.
    pub async fn assign(&self, officer: &str, case: u64, lawyer: i64) {
        let version = self.case(officer, case).await["version"].as_u64().unwrap();
        let res = self
            .act(
                officer,
                case,
                "assign",
                version,
                json!({ "lawyer_id": lawyer }),
            )
            .await;
        assert!(res.status().is_success(), "{:?}", res.text().await);
    }

    /// The cases `token` sees (`GET /v1/cases`).
    pub async fn cases_of(&self, token: &str) -> Vec<Value> {
        let list: Value = self.get_as(token, "/v1/cases").await.json().await.unwrap();
        list["cases"].as_array().unwrap().clone()
    }

    /// The case as `token` sees it (panics if not visible).
    pub async fn case(&self, token: &str, id: u64) -> Value {
        let res = self.get_as(token, &format!("/v1/cases/{id}")).await;
        assert_eq!(res.status(), 200, "case {id}");
        res.json().await.unwrap()
    }

    /// Enrolls a phone with a number of its own (one active device per number).
    pub async fn enroll(&self, name: &str, flags: &[Flag]) -> EnrollResponse {
        self.enroll_with_phone(name, flags, &fresh_phone()).await
    }

    pub async fn enroll_with_phone(
        &self,
        name: &str,
        flags: &[Flag],
        phone: &str,
    ) -> EnrollResponse {
        let mut p = profile(name, flags);
        p.phone = phone.to_string();
        let res = self
            .http
            .post(self.at("/v1/enroll"))
            .json(&p)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        res.json().await.unwrap()
    }

    pub async fn press(&self, device: &str, lat: f64, lon: f64, kind: AlertKind) -> AlertResponse {
        let res = self.try_press(device, lat, lon, kind).await;
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        res.json().await.unwrap()
    }

    /// A press whose answer the test looks at itself (a refusal, say).
    pub async fn try_press(
        &self,
        device: &str,
        lat: f64,
        lon: f64,
        kind: AlertKind,
    ) -> reqwest::Response {
        self.http
            .post(self.at("/v1/alerts"))
            .bearer_auth(device)
            .json(&alert_body(Uuid::new_v4(), lat, lon, kind))
            .send()
            .await
            .unwrap()
    }
}

/// A loopback address held for a hub that is not there yet: bound but not listening, so a
/// connection to it is refused (as to a hub that is down) and no other test can take the port.
/// `listen` on it to bring the hub there.
pub fn reserve_addr() -> tokio::net::TcpSocket {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    socket
}

/// A phone number no other test phone has: one active device per number.
pub fn fresh_phone() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("+1213{:07}", 1_000_000 + n)
}

pub fn profile(name: &str, flags: &[Flag]) -> Profile {
    Profile {
        name: name.into(),
        date_of_birth: NaiveDate::from_ymd_opt(1988, 3, 14),
        consular_id: "MX0000001".into(),
        phone: fresh_phone(),
        language: "es".into(),
        flags: flags.to_vec(),
        relatives: vec![Relative {
            name: "Pariente Ficticio".into(),
            relation: "hermana".into(),
            phone: "+13105550124".into(),
        }],
        erased: false,
    }
}

pub fn alert_body(id: Uuid, lat: f64, lon: f64, kind: AlertKind) -> Value {
    json!({
        "id": id,
        "lat": lat,
        "lon": lon,
        "accuracy_m": 15.0,
        "pressed_at": Utc::now().to_rfc3339(),
        "kind": kind,
    })
}

/// Downtown Los Angeles and central Chicago, for routing checks.
pub const LA: (f64, f64) = (34.05, -118.25);
pub const CHICAGO: (f64, f64) = (41.88, -87.63);

/// The real `guardia` binary, for tests that kill it or read its log.
pub fn guardia() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_guardia"));
    // A closed test deployment: phones enroll without a code (verification has its own tests),
    // and nothing of the machine's own settings leaks in.
    c.env("NO_COLOR", "1")
        .env("GUARDIA_LOG", "debug")
        // The command line speaks the configured language: English here, whatever the
        // machine's locale (a test that wants Spanish sets it again).
        .env("GUARDIA_CONSOLE_LANGUAGE", "en")
        .env("GUARDIA_ENROLL_VERIFY_PHONE", "false")
        // Hundreds of test phones enroll from loopback: the enrollment limits are off (they
        // have their own tests); the others stay as shipped.
        .env("GUARDIA_LIMITS_ENROLL_PER_ADDRESS_PER_MINUTE", "0")
        .env("GUARDIA_LIMITS_ENROLL_GLOBAL_PER_SECOND", "0")
        .env("GUARDIA_LIMITS_SURGE_PER_NETWORK_PER_MINUTE", "0")
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("guardia-test-no-config"),
        );
    c
}

/// Starts `guardia hub` on `listen`; returns the child, the address it bound, and its log lines
/// as they arrive.
pub fn start_hub(
    db: &std::path::Path,
    listen: &str,
) -> (
    std::process::Child,
    String,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    start_hub_with(guardia(), db, listen)
}

/// [`start_hub`] with a command the test prepared (extra environment, say).
pub fn start_hub_with(
    mut command: std::process::Command,
    db: &std::path::Path,
    listen: &str,
) -> (
    std::process::Child,
    String,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    use std::io::{BufRead, BufReader};
    let mut child = command
        .args(["hub", "--listen", listen, "--db"])
        .arg(db)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the guardia binary runs");
    let stdout = child.stdout.take().expect("piped");
    let mut lines = BufReader::new(stdout).lines();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let addr = loop {
        let line = lines
            .next()
            .expect("the hub exited before listening")
            .expect("readable output");
        log.lock().unwrap().push(line.clone());
        if let Some(rest) = line.split("addr=").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
        }
    };
    // Keep reading so the hub never blocks on a full pipe, and keep what it says.
    let keep = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            keep.lock().unwrap().push(line);
        }
    });
    (child, addr, log)
}

/// The event kinds of a case's timeline, oldest first.
pub fn timeline_kinds(case: &Value) -> Vec<String> {
    case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

/// Feeds a headless console's model from its inbox until `done` holds (bounded, so a bug fails
/// instead of hanging).
pub async fn console_until(
    model: &mut guardia::console::model::Model,
    inbox: &mut tokio::sync::mpsc::Receiver<guardia::console::action::Action>,
    done: impl Fn(&guardia::console::model::Model) -> bool,
) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while !done(model) {
        let action = tokio::time::timeout_at(deadline, inbox.recv())
            .await
            .expect("the console did not reach the expected state in time")
            .expect("inbox closed");
        guardia::console::app::drain(model, action, inbox);
    }
}

/// The console drawn at `width` × `height`, as text.
pub fn console_screen(
    model: &mut guardia::console::model::Model,
    width: u16,
    height: u16,
) -> String {
    guardia::console::app::draw_to_text(model, width, height)
}
