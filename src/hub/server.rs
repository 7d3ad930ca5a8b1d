//! The hub's own accept loop, so that no connection can be held hostage: a client must send its
//! whole header block within `header_timeout` and its whole body within `body_timeout`, however
//! steadily it trickles bytes ([`crate::hub::deadline`]); a connection with no traffic either
//! way for `idle_timeout` is closed; one client holds at most `per_address` connections (an IPv4
//! address, or an IPv6 /64: one subscriber's); TLS (rustls) when a certificate is configured.
//! Event streams are not idle: they carry a keep-alive comment every `keepalive` seconds.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// How the hub treats connections (`[hub]` settings).
#[derive(Clone)]
pub struct ServerSettings {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub idle_timeout: Duration,
    /// Connections open at once from one client: an IPv4 address or an IPv6 /64 (0: no limit).
    pub per_address: u32,
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// Behind a TLS-terminating proxy: the client is the address the proxy adds last to this
    /// header (the proxy's own address is every client's).
    pub trust_forwarded: Option<ProxyHeader>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(30),
            per_address: 256,
            tls: None,
            trust_forwarded: None,
        }
    }
}

/// The address a request came from, for per-address limits. Put on every request.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

/// Whether the hub may listen on `addr` as configured: off loopback it needs TLS, or a
/// TLS-terminating proxy in front (said with `behind_proxy`). Personal data must never cross a
/// network in clear.
pub fn listen_policy(addr: SocketAddr, tls: bool, behind_proxy: bool) -> Result<(), String> {
    if addr.ip().is_loopback() || tls || behind_proxy {
        Ok(())
    } else {
        Err(format!(
            "refusing to listen on {addr} without TLS: give --tls-cert and --tls-key, or \
             --behind-proxy when a TLS-terminating proxy is in front"
        ))
    }
}

/// Loads a certificate chain and its private key (PEM) into a TLS acceptor.
pub fn tls_acceptor(cert: &Path, key: &Path) -> Result<tokio_rustls::TlsAcceptor, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("{}: {e}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("{}: no certificate in it", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("TLS certificate and key: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Which header a trusted proxy names the client in. Only the one the proxy writes is read: a
/// client can send the other with any address it likes, and the proxy passes it on untouched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProxyHeader {
    /// `X-Forwarded-For: client, proxy1` (nginx, HAProxy, most load balancers).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client;proto=https, for=proxy1`.
    Forwarded,
}

impl ProxyHeader {
    pub fn parse(s: &str) -> Option<ProxyHeader> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "x-forwarded-for" => Some(ProxyHeader::XForwardedFor),
            "forwarded" => Some(ProxyHeader::Forwarded),
            _ => None,
        }
    }
}

/// One node as proxies write it: `203.0.113.9`, `203.0.113.9:4711`, `2001:db8::1`,
/// `[2001:db8::1]`, `[2001:db8::1]:4711`, quoted or not. `unknown` and obfuscated names
/// (`_hidden`) name no address.
pub fn parse_node(raw: &str) -> Option<IpAddr> {
    let s = raw.trim().trim_matches('"').trim();
    if let Some(rest) = s.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let port_ok = after.is_empty()
            || after
                .strip_prefix(':')
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        return port_ok.then(|| inside.parse::<IpAddr>().ok()).flatten();
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    // Exactly one colon: an IPv4 address with its port (a bare IPv6 address parsed above).
    let (host, port) = s.split_once(':')?;
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// The client a trusted proxy names: the last entry of its header (the one the proxy itself
/// appended; earlier ones are whatever the client claimed). `None` when the proxy named no
/// address there: the caller falls back to the connection's own.
pub fn forwarded_client(headers: &hyper::HeaderMap, which: ProxyHeader) -> Option<SocketAddr> {
    let name = match which {
        ProxyHeader::XForwardedFor => "x-forwarded-for",
        ProxyHeader::Forwarded => "forwarded",
    };
    let all = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let last = all.rsplit(',').next()?.trim();
    let node = match which {
        ProxyHeader::XForwardedFor => last,
        // `for=...;proto=https;by=...`: the `for` pair of the last element.
        ProxyHeader::Forwarded => last.split(';').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            k.trim().eq_ignore_ascii_case("for").then_some(v)
        })?,
    };
    parse_node(node).map(|ip| SocketAddr::new(ip, 0))
}

/// Open connections per address.
#[derive(Default)]
struct Connections {
    open: Mutex<HashMap<IpAddr, u32>>,
}

/// One open connection; counted down when dropped.
struct Slot {
    connections: Arc<Connections>,
    ip: IpAddr,
}

impl Connections {
    fn enter(self: &Arc<Self>, ip: IpAddr, limit: u32) -> Option<Slot> {
        let mut open = self.open.lock().ok()?;
        let n = open.entry(ip).or_default();
        if limit > 0 && *n >= limit {
            return None;
        }
        *n += 1;
        Some(Slot {
            connections: self.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.connections.open.lock()
            && let Some(n) = open.get_mut(&self.ip)
        {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Wraps a connection's I/O to note when bytes last moved, either way.
struct Watched<T> {
    inner: T,
    last: Arc<AtomicU64>,
    start: Instant,
}

impl<T> Watched<T> {
    fn touch(&self) {
        self.last
            .store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.touch();
        }
        result
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        result
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Resolves when the connection has seen no traffic for `idle`.
async fn idle_for(last: Arc<AtomicU64>, start: Instant, idle: Duration) {
    let check = (idle / 4).max(Duration::from_millis(100));
    loop {
        tokio::time::sleep(check).await;
        // A touch may land between the two reads: never below zero.
        let quiet =
            (start.elapsed().as_millis() as u64).saturating_sub(last.load(Ordering::Relaxed));
        if quiet >= idle.as_millis() as u64 {
            return;
        }
    }
}

/// Serves one accepted connection to its end.
async fn connection<IO>(
    io: IO,
    peer: SocketAddr,
    app: Router,
    settings: ServerSettings,
    watcher: hyper_util::server::graceful::Watcher,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let start = Instant::now();
    let last = Arc::new(AtomicU64::new(0));
    let io = Watched {
        inner: io,
        last: last.clone(),
        start,
    };
    let trust_forwarded = settings.trust_forwarded;
    let body_limit = settings.body_timeout;
    let service = app.map_request(move |req: hyper::Request<hyper::body::Incoming>| {
        let client = match trust_forwarded {
            Some(which) => forwarded_client(req.headers(), which).unwrap_or(peer),
            None => peer,
        };
        // The body's clock starts now, with the headers in.
        let mut req =
            req.map(|b| axum::body::Body::new(crate::hub::deadline::Deadline::new(b, body_limit)));
        req.extensions_mut().insert(ClientAddr(client));
        req
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(settings.header_timeout)
        .keep_alive(true);
    let conn = http.serve_connection(TokioIo::new(io), TowerToHyperService::new(service));
    let conn = watcher.watch(conn);
    tokio::select! {
        result = conn => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        _ = idle_for(last, start, settings.idle_timeout) => {
            tracing::debug!("idle connection closed");
        }
    }
}

/// Accepts until `shutdown` resolves, then lets open requests finish (streams are told to end by
/// the caller's cancellation token).
pub async fn accept(
    listener: TcpListener,
    app: Router,
    settings: ServerSettings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let connections = Arc::new(Connections::default());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors, say: wait a moment instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let client = crate::hub::limits::key_of(peer.ip());
        let Some(slot) = connections.enter(client, settings.per_address) else {
            tracing::warn!("too many connections from one address; refused");
            crate::hub::metrics::refused("connections_per_address");
            continue;
        };
        // Events are small writes on long-lived connections: without TCP_NODELAY, Nagle's
        // algorithm holds each one back until the previous is acknowledged.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let (app, settings, watcher) = (app.clone(), settings.clone(), graceful.watcher());
        tokio::spawn(async move {
            let _slot = slot;
            match settings.tls.clone() {
                None => connection(tcp, peer, app, settings, watcher).await,
                Some(acceptor) => {
                    // The handshake is bounded like the headers it comes before.
                    match tokio::time::timeout(settings.header_timeout, acceptor.accept(tcp)).await
                    {
                        Ok(Ok(tls)) => connection(tls, peer, app, settings, watcher).await,
                        Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                }
            }
        });
    }
    // Requests under way get a moment to finish; streams end on the hub's own cancellation.
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_loopback_needs_tls_or_a_proxy() {
        let public: SocketAddr = "0.0.0.0:8750".parse().unwrap();
        let lan: SocketAddr = "10.0.0.5:8750".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:8750".parse().unwrap();
        let local6: SocketAddr = "[::1]:8750".parse().unwrap();
        assert!(listen_policy(public, false, false).is_err());
        assert!(listen_policy(lan, false, false).is_err());
        assert!(listen_policy(lan, true, false).is_ok());
        assert!(listen_policy(lan, false, true).is_ok());
        assert!(listen_policy(local, false, false).is_ok());
        assert!(listen_policy(local6, false, false).is_ok());
    }

    #[test]
    fn a_trusted_proxy_names_the_client_last_in_every_form_proxies_write() {
        let xff = |v: &str| {
            let mut h = hyper::HeaderMap::new();
            h.insert("x-forwarded-for", v.parse().unwrap());
            forwarded_client(&h, ProxyHeader::XForwardedFor).map(|a| a.ip().to_string())
        };
        let fwd = |v: &str| {
            let mut h = hyper::HeaderMap::new();
            h.insert("forwarded", v.parse().unwrap());
            forwarded_client(&h, ProxyHeader::Forwarded).map(|a| a.ip().to_string())
        };
        let want = |s: &str| Some(s.to_string());
        assert_eq!(xff("6.6.6.6, 203.0.113.9"), want("203.0.113.9"));
        assert_eq!(xff("6.6.6.6, 203.0.113.9:4711"), want("203.0.113.9"));
        assert_eq!(xff("2001:db8::7"), want("2001:db8::7"));
        assert_eq!(xff("[2001:db8::7]"), want("2001:db8::7"));
        assert_eq!(xff("1.1.1.1,[2001:db8::7]:443"), want("2001:db8::7"));
        assert_eq!(xff("\"[2001:db8::7]:443\""), want("2001:db8::7"));
        assert_eq!(xff("garbage"), None);
        assert_eq!(xff("203.0.113.9:"), None);
        assert_eq!(xff("[2001:db8::7"), None);
        assert_eq!(xff("unknown"), None);
        assert_eq!(
            fwd("for=6.6.6.6, for=\"[2001:db8::7]:443\";proto=https"),
            want("2001:db8::7")
        );
        assert_eq!(fwd("proto=https;For=192.0.2.60:80"), want("192.0.2.60"));
        assert_eq!(fwd("for=_hidden"), None);
        // The header the proxy does not write is the client's to forge, and is not read.
        let mut h = hyper::HeaderMap::new();
        h.insert("forwarded", "for=6.6.6.6".parse().unwrap());
        assert_eq!(forwarded_client(&h, ProxyHeader::XForwardedFor), None);
    }

    #[test]
    fn ipv4_clients_of_a_dual_stack_listener_and_ipv6_subscribers_are_counted_right() {
        let c = Arc::new(Connections::default());
        let key = |s: &str| crate::hub::limits::key_of(s.parse().unwrap());
        // Two IPv4 clients through a dual-stack socket are two clients.
        let _a = c.enter(key("::ffff:192.0.2.1"), 1).unwrap();
        assert!(c.enter(key("::ffff:192.0.2.2"), 1).is_some());
        // ... and the mapped form is the same client as the plain one.
        assert!(c.enter(key("192.0.2.1"), 1).is_none());
        // One /64 is one subscriber, however many addresses it rotates through.
        let _b = c.enter(key("2001:db8:1:2::1"), 1).unwrap();
        assert!(c.enter(key("2001:db8:1:2:ffff::9"), 1).is_none());
        assert!(c.enter(key("2001:db8:1:3::1"), 1).is_some());
    }

    #[test]
    fn connections_are_counted_per_address_and_released() {
        let c = Arc::new(Connections::default());
        let ip: IpAddr = "127.0.0.9".parse().unwrap();
        let a = c.enter(ip, 2).unwrap();
        let _b = c.enter(ip, 2).unwrap();
        assert!(c.enter(ip, 2).is_none());
        assert!(c.enter("127.0.0.8".parse().unwrap(), 2).is_some());
        drop(a);
        assert!(c.enter(ip, 2).is_some());
    }
}
