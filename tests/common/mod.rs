//! A real hub on 127.0.0.1:0 with a fresh database, and helpers to talk to it over HTTP.
#![allow(dead_code)]

use std::net::SocketAddr;

use chrono::{NaiveDate, Utc};
use guardia::api::{AlertResponse, EnrollResponse};
use guardia::domain::alert::AlertKind;
use guardia::domain::consulate::parse_csv;
use guardia::domain::registrant::{Flag, Profile, Relative};
use guardia::domain::staff::Role;
use guardia::hub::auth::{STAFF_PREFIX, hash_token, new_token};
use guardia::hub::state::StreamSettings;
use guardia::hub::store::Store;
use guardia::hub::{AppState, serve};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

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
        let store = Store::open(&dir.path().join("hub.db")).unwrap();
        let consulates = parse_csv(guardia::config::BUILTIN_CONSULATES).unwrap();
        let mut state = AppState::new(store.clone(), consulates);
        state.stream = stream;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
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

    /// Stops the server and returns its directory, database intact.
    pub async fn stop(self) -> tempfile::TempDir {
        self.stop.cancel();
        let _ = self.task.await;
        self.dir
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    pub async fn staff(&self, role: Role, consulate: Option<&str>) -> String {
        let token = new_token(STAFF_PREFIX);
        self.store
            .add_staff(
                format!("Test {}", role.as_str()),
                role,
                consulate.map(String::from),
                hash_token(&token),
                Utc::now(),
            )
            .await
            .unwrap();
        token
    }

    pub async fn enroll(&self, name: &str, flags: &[Flag]) -> EnrollResponse {
        let res = self
            .http
            .post(self.at("/v1/enroll"))
            .json(&profile(name, flags))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        res.json().await.unwrap()
    }

    pub async fn press(&self, device: &str, lat: f64, lon: f64, kind: AlertKind) -> AlertResponse {
        let res = self
            .http
            .post(self.at("/v1/alerts"))
            .bearer_auth(device)
            .json(&alert_body(Uuid::new_v4(), lat, lon, kind))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        res.json().await.unwrap()
    }
}

pub fn profile(name: &str, flags: &[Flag]) -> Profile {
    Profile {
        name: name.into(),
        date_of_birth: NaiveDate::from_ymd_opt(1988, 3, 14).unwrap(),
        consular_id: "MX0000001".into(),
        phone: "+13105550123".into(),
        language: "es".into(),
        flags: flags.to_vec(),
        relatives: vec![Relative {
            name: "Pariente Ficticio".into(),
            relation: "hermana".into(),
            phone: "+13105550124".into(),
        }],
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
