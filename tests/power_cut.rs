//! Power cuts, not just kills: the hub's files live on LazyFS (tools/lazyfs), a FUSE file system
//! that keeps every write in its own cache until it is synced, and drops what was not synced
//! when told to, as a power cut drops the page cache. Again and again, under presses: SIGKILL,
//! cut the power, start the hub. After every cut the hub must come back by itself, every alert it
//! answered 2xx must be in the log exactly once, and `seq` must run without a gap; at the end
//! `guardia verify` must find the record whole.
//!
//! `kill -9` alone cannot show a missing sync (the page cache outlives a killed process); this
//! can. It needs LazyFS built (`tools/lazyfs/build.sh`; `.ci/run` does it and sets
//! `GUARDIA_LAZYFS`), `/dev/fuse` and root; without them it says why and passes without running.
//! `GUARDIA_POWER_CUTS` sets the number of cuts (20 in CI; `scripts/power-cut.sh` runs more).

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{LA, alert_body, guardia, profile};
use guardia::api::EnrollResponse;
use guardia::domain::alert::AlertKind;
use rand::Rng;
use uuid::Uuid;

fn tools() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/lazyfs")
}

/// Why this machine cannot cut the power, if it cannot.
fn unavailable() -> Option<String> {
    if std::env::var_os("GUARDIA_LAZYFS").is_none() {
        return Some("GUARDIA_LAZYFS is not set (tools/lazyfs/build.sh builds LazyFS)".into());
    }
    if !Path::new("/dev/fuse").exists() {
        return Some("/dev/fuse is missing".into());
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if !root {
        return Some("mounting LazyFS needs root".into());
    }
    None
}

/// LazyFS mounted at `mnt` over `disk`; unmounted when dropped.
struct Mounted {
    mnt: PathBuf,
    ctl: PathBuf,
}

impl Mounted {
    fn new(root: &Path) -> Mounted {
        let (disk, mnt, ctl) = (root.join("disk"), root.join("mnt"), root.join("ctl"));
        let out = Command::new("bash")
            .arg(tools().join("mount.sh"))
            .args([&disk, &mnt, &ctl])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "LazyFS did not mount: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Mounted { mnt, ctl }
    }

    /// Drops every byte not synced, as a power cut would.
    fn cut(&self) {
        let out = Command::new("bash")
            .arg(tools().join("power-cut.sh"))
            .arg(&self.ctl)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "the power cut failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("fusermount3")
            .arg("-u")
            .arg(&self.mnt)
            .status();
        if let Ok(pid) = std::fs::read_to_string(self.ctl.join("pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
    }
}

/// Starts the hub on `db`, as an operator's supervisor would after a cut: nothing done by hand.
/// Fails the test with what the hub said if it does not come back by itself.
fn start(db: &Path, listen: &str) -> (Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = guardia()
        .env("GUARDIA_LOG", "info")
        .args(["hub", "--listen", listen, "--db"])
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(rest) = line.split("addr=").nth(1) {
                    let addr = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    std::thread::spawn(move || for _ in lines.by_ref() {});
                    return (child, addr);
                }
            }
            _ => {
                let mut said = String::new();
                if let Some(mut err) = child.stderr.take() {
                    use std::io::Read;
                    let _ = err.read_to_string(&mut said);
                }
                let _ = child.wait();
                panic!("the hub did not come back by itself after a power cut: {said}");
            }
        }
    }
}

/// Every alert id in the log, with how many times it appears.
fn logged(db: &Path) -> (Vec<u64>, HashMap<String, usize>) {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut stmt = conn
        .prepare("SELECT seq, json_extract(body, '$.body.alert_id') FROM events ORDER BY seq")
        .unwrap();
    let rows: Vec<(i64, Option<String>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut ids = HashMap::new();
    for (_, id) in &rows {
        if let Some(id) = id {
            *ids.entry(id.clone()).or_default() += 1;
        }
    }
    (rows.iter().map(|(s, _)| *s as u64).collect(), ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_comes_back_by_itself_after_every_power_cut_losing_nothing_acknowledged() {
    if common::pg::sqlite_only("cuts the power under the SQLite files") {
        return;
    }
    if let Some(why) = unavailable() {
        eprintln!("power-cut test skipped: {why}");
        return;
    }
    let cuts: usize = std::env::var("GUARDIA_POWER_CUTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let root = tempfile::tempdir().unwrap();
    let disk = Mounted::new(root.path());
    let db = disk.mnt.join("hub.db");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let (mut hub, addr) = start(&db, "127.0.0.1:0");
    let url = format!("http://{addr}");
    let acked: Arc<Mutex<Vec<Uuid>>> = Arc::default();

    for cut in 0..cuts {
        // Phones enroll (each enrollment is a write of its own), then press, each press a new
        // case, until the power goes.
        let mut phones = Vec::new();
        for i in 0..24 {
            let res = http
                .post(format!("{url}/v1/enroll"))
                .json(&profile(&format!("Persona Ficticia {cut}-{i}"), &[]))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201, "enrollment after cut {cut}");
            phones.push(res.json::<EnrollResponse>().await.unwrap().device_token);
        }
        let phones = Arc::new(Mutex::new(phones));
        let mut pressers = Vec::new();
        for _ in 0..4 {
            let (http, url, acked, phones) =
                (http.clone(), url.clone(), acked.clone(), phones.clone());
            pressers.push(tokio::spawn(async move {
                loop {
                    let Some(phone) = phones.lock().unwrap().pop() else {
                        return;
                    };
                    let id = Uuid::new_v4();
                    let res = http
                        .post(format!("{url}/v1/alerts"))
                        .bearer_auth(&phone)
                        .json(&alert_body(id, LA.0, LA.1, AlertKind::Detained))
                        .send()
                        .await;
                    // A 2xx status line is the hub's promise, whether or not the body arrived.
                    match res {
                        Ok(r) if r.status().is_success() => acked.lock().unwrap().push(id),
                        _ => return,
                    }
                }
            }));
        }
        let ms = rand::rng().random_range(20..200);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        hub.kill().unwrap();
        hub.wait().unwrap();
        for p in pressers {
            let _ = p.await;
        }
        disk.cut();
        (hub, _) = start(&db, &addr);
        let (seqs, ids) = logged(&db);
        assert_eq!(
            seqs,
            (1..=seqs.len() as u64).collect::<Vec<_>>(),
            "seq has a gap after cut {cut}"
        );
        for id in acked.lock().unwrap().iter() {
            let times = ids.get(&id.to_string()).copied().unwrap_or(0);
            assert_eq!(
                times, 1,
                "acknowledged alert {id} is there {times} times after cut {cut}"
            );
        }
    }
    hub.kill().unwrap();
    hub.wait().unwrap();
    let out = guardia()
        .args(["verify", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "guardia verify after {cuts} cuts: {said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let acked = acked.lock().unwrap().len();
    assert!(acked > 0, "no press was acknowledged");
    eprintln!("{cuts} power cuts, {acked} acknowledged alerts, all in the log once; {said}");
}
