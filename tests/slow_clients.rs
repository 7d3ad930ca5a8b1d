//! Slow clients cannot hold the hub: a header block and a body each have one deadline however
//! steadily their bytes trickle in, one client holds a bounded number of connections (an IPv4
//! client through a dual-stack listener counted as itself, not as one of all IPv4 clients), and
//! what the held ones cost in memory is measured. Loopback only: 127.0.0.2–6 are this machine.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SLOW_BODY: &[u8] = b"POST /v1/enroll HTTP/1.1\r\nHost: hub\r\n\
    Content-Type: application/json\r\nContent-Length: 4096\r\n\r\n{";

async fn connect_from(local: &str, hub: SocketAddr) -> TcpStream {
    let socket = match hub {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
    }
    .unwrap();
    socket.bind(local.parse().unwrap()).unwrap();
    socket.connect(hub).await.unwrap()
}

/// This process's resident memory in KiB (the hub runs in it).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Sends `first`, then one more byte every 200 ms, until the hub answers or closes. Returns what
/// it answered and how many bytes were sent; panics if the hub let it go on for 200 bytes
/// (40 s at this pace: the hub's deadlines here are one second).
async fn trickle(addr: SocketAddr, first: &[u8], byte: u8) -> (String, usize) {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(first).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    let mut sent = 0;
    loop {
        tokio::select! {
            read = tcp.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            },
            _ = tokio::time::sleep(Duration::from_millis(200)) => {
                if tcp.write_all(&[byte]).await.is_err() {
                    break;
                }
                sent += 1;
                assert!(sent < 200, "the hub let a trickle go on for {sent} bytes");
            }
        }
    }
    (String::from_utf8_lossy(&answer).into_owned(), sent)
}

#[tokio::test]
async fn a_trickled_body_or_header_block_is_cut_at_its_deadline_however_steady() {
    let hub = TestHub::start_configured(tempfile::tempdir().unwrap(), |s| {
        s.server.header_timeout = Duration::from_secs(1);
        s.server.body_timeout = Duration::from_secs(1);
        // Far longer than the deadlines: the trickle keeps the connection busy anyway.
        s.server.idle_timeout = Duration::from_secs(60);
    })
    .await;
    // A byte of body every 200 ms: each restarted a per-chunk timeout; the whole body's
    // deadline cuts it, with an answer that says why.
    let (answer, sent) = trickle(hub.addr, SLOW_BODY, b' ').await;
    assert!(
        answer.starts_with("HTTP/1.1 408"),
        "after {sent} bytes: {answer}"
    );
    assert!(answer.contains("body_too_slow"), "{answer}");
    // A header line that never ends: the header block has one deadline too.
    let (answer, sent) = trickle(hub.addr, b"GET /healthz HTTP/1.1\r\nX-Slow: ", b'a').await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "after {sent} bytes: {answer}"
    );
    // A body that arrives in time is served as ever.
    let res = hub
        .http
        .post(hub.at("/v1/enroll"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    hub.stop().await;
}

/// Whether the hub still holds `tcp` (it has neither answered nor closed it) after `wait`.
async fn still_held(tcp: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 256];
    tokio::time::timeout(wait, tcp.read(&mut buf))
        .await
        .is_err()
}

#[tokio::test]
async fn slow_clients_are_capped_per_client_cut_at_the_deadline_and_cost_little_memory() {
    const CAP: u32 = 16;
    let hub = TestHub::start_configured(tempfile::tempdir().unwrap(), |s| {
        s.server.per_address = CAP;
        s.server.body_timeout = Duration::from_secs(5);
        s.server.idle_timeout = Duration::from_secs(60);
    })
    .await;
    let before = rss_kib();
    // Five clients, forty slow bodies each.
    let mut conns = Vec::new();
    for client in 2..=6 {
        for _ in 0..40 {
            let mut tcp = connect_from(&format!("127.0.0.{client}:0"), hub.addr).await;
            tcp.write_all(SLOW_BODY).await.unwrap();
            conns.push(tcp);
        }
    }
    let checks = conns
        .iter_mut()
        .map(|tcp| still_held(tcp, Duration::from_millis(500)));
    let held: Vec<bool> = futures_util::future::join_all(checks).await;
    let held_n = held.iter().filter(|h| **h).count();
    assert_eq!(
        held_n,
        5 * CAP as usize,
        "each client keeps {CAP} and no more"
    );
    let during = rss_kib();
    let per_connection = during.saturating_sub(before) * 1024 / held_n as u64;
    eprintln!(
        "{held_n} slow bodies held: RSS {before} → {during} KiB, {per_connection} bytes each \
         (client sockets included)"
    );
    // Generous (an HTTP/1 connection's buffers are some KiB), but a body buffered per
    // connection without bound, or a task that leaks, would pass it.
    assert!(per_connection < 256 * 1024, "{per_connection} bytes each");
    // The held ones are cut at the body's deadline, not kept while they trickle on.
    let mut kept: Vec<TcpStream> = conns
        .into_iter()
        .zip(held)
        .filter_map(|(t, h)| h.then_some(t))
        .collect();
    let cut = kept
        .iter_mut()
        .map(|tcp| still_held(tcp, Duration::from_secs(60)));
    let cut: Vec<bool> = futures_util::future::join_all(cut).await;
    assert!(cut.iter().all(|h| !h), "every slow body is let go");
    hub.stop().await;
}

#[tokio::test]
async fn ipv4_clients_of_a_dual_stack_listener_are_each_their_own() {
    // An IPv6 socket on the IPv4-mapped loopback: its peers arrive as ::ffff:127.0.0.x, as
    // every IPv4 client does on a dual-stack listener.
    let Ok(listener) = tokio::net::TcpListener::bind("[::ffff:127.0.0.1]:0").await else {
        eprintln!("this kernel does not bind IPv4-mapped addresses; nothing to test");
        return;
    };
    let hub = TestHub::serve_on(listener, tempfile::tempdir().unwrap(), |s| {
        s.server.per_address = 2;
        s.server.idle_timeout = Duration::from_secs(60);
        s.server.body_timeout = Duration::from_secs(30);
    })
    .await;
    let v4: SocketAddr = format!("127.0.0.1:{}", hub.addr.port()).parse().unwrap();
    let mut first = Vec::new();
    for _ in 0..3 {
        let mut tcp = connect_from("127.0.0.2:0", v4).await;
        tcp.write_all(SLOW_BODY).await.unwrap();
        first.push(tcp);
    }
    let mut second = Vec::new();
    for _ in 0..2 {
        let mut tcp = connect_from("127.0.0.3:0", v4).await;
        tcp.write_all(SLOW_BODY).await.unwrap();
        second.push(tcp);
    }
    let wait = Duration::from_millis(500);
    let mut held_first = 0;
    for tcp in &mut first {
        held_first += usize::from(still_held(tcp, wait).await);
    }
    assert_eq!(held_first, 2, "the first client keeps its two");
    for tcp in &mut second {
        assert!(
            still_held(tcp, wait).await,
            "another IPv4 client is not refused for the first one's connections"
        );
    }
    hub.stop().await;
}
