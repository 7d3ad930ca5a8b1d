//! A throw-away PostgreSQL cluster for the tests: `initdb` in a temporary folder, started on a
//! free loopback port, one per test process, a new database per hub. A watchdog stops it and
//! removes the folder when the test process ends, however it ends.
//!
//! `GUARDIA_TEST_ENGINE=postgres` runs the hub tests on it (`.ci/run` does); without PostgreSQL's
//! binaries those tests say so and are skipped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// Which engine the hubs of this test run use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub fn engine() -> Engine {
    match std::env::var("GUARDIA_TEST_ENGINE").as_deref() {
        Ok("postgres") => Engine::Postgres,
        _ => Engine::Sqlite,
    }
}

/// True (after saying why) when this test reads or edits the SQLite file itself, and the run
/// is on PostgreSQL: the test has nothing to check there.
pub fn sqlite_only(what: &str) -> bool {
    if engine() == Engine::Postgres {
        eprintln!("skipped on PostgreSQL: {what}");
        return true;
    }
    false
}

pub struct Cluster {
    port: u16,
    socket_dir: PathBuf,
}

static CLUSTER: OnceLock<Option<Cluster>> = OnceLock::new();
static DATABASES: AtomicU32 = AtomicU32::new(0);

/// The cluster, started on first use; `None` (said once) where PostgreSQL is not installed.
pub fn cluster() -> Option<&'static Cluster> {
    CLUSTER
        .get_or_init(|| {
            let Some(bin) = binaries() else {
                eprintln!(
                    "skipped: no PostgreSQL binaries (initdb, pg_ctl) on this machine; \
                     `apt-get install postgresql` or run .ci/run, which installs them"
                );
                return None;
            };
            Some(start(&bin))
        })
        .as_ref()
}

/// A new, empty database's URL.
pub fn new_database() -> Option<String> {
    let cluster = cluster()?;
    let n = DATABASES.fetch_add(1, Ordering::Relaxed);
    let name = format!("t{}_{n}", std::process::id());
    let admin = cluster.url("postgres");
    // The blocking client must not run on the test's async thread.
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).expect("connect");
        c.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
    })
    .join()
    .expect("creating a database");
    Some(cluster.url(&format!("t{}_{n}", std::process::id())))
}

impl Cluster {
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgres://guardia@127.0.0.1:{}/{db}?connect_timeout=10",
            self.port
        )
    }

    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }
}

fn binaries() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    versions.sort();
    versions.reverse();
    on_path
        .into_iter()
        .chain(versions)
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs a PostgreSQL program; as the `postgres` user when the tests run as root, which
/// PostgreSQL refuses to run as.
fn pg(bin: &Path, program: &str, root: bool) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(program));
        c
    } else {
        Command::new(bin.join(program))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start(bin: &Path) -> Cluster {
    let root = is_root();
    let dir = tempfile::Builder::new()
        .prefix("guardia-pg-")
        .tempdir()
        .expect("a temporary folder")
        .keep();
    if root {
        let ok = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "cannot give {} to the postgres user", dir.display());
    }
    let data = dir.join("data");
    let out = pg(bin, "initdb", root)
        .args([
            "-A",
            "trust",
            "-U",
            "guardia",
            "-E",
            "UTF8",
            "--no-sync",
            "-D",
        ])
        .arg(&data)
        .output()
        .expect("initdb runs");
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = free_port();
    // fsync off: a test cluster that an OS crash would lose anyway; commits still wait for
    // PostgreSQL's own write of its log, as in production.
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400 \
         -c shared_buffers=32MB",
        dir.display()
    );
    let out = pg(bin, "pg_ctl", root)
        .args(["-w", "-t", "60", "-D"])
        .arg(&data)
        .args(["-o", &options, "-l"])
        .arg(dir.join("log"))
        .arg("start")
        .output()
        .expect("pg_ctl runs");
    assert!(
        out.status.success(),
        "pg_ctl start failed: {}{}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(dir.join("log")).unwrap_or_default()
    );
    // The watchdog: when this process is gone, stop the cluster and remove its folder.
    let stop = if root {
        format!("runuser -u postgres -- {}", bin.join("pg_ctl").display())
    } else {
        bin.join("pg_ctl").display().to_string()
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         {stop} -D {data} -m immediate stop >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        data = data.display(),
        dir = dir.display(),
    );
    // `setsid -f` forks the watchdog off and returns at once: nothing is left to wait for.
    let started = Command::new("setsid")
        .args(["-f", "sh", "-c", &script])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(started, "the cluster's watchdog starts");
    Cluster {
        port,
        socket_dir: dir,
    }
}
