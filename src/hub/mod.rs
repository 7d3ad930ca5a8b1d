//! The hub: HTTP API, event log and stream.

pub mod auth;
pub mod deadline;
pub mod devices;
pub mod error;
pub mod extract;
pub mod incidents;
pub mod limits;
pub mod metrics;
pub mod news;
pub mod notify;
pub mod roster;
pub mod routes;
pub mod server;
pub mod state;
pub mod store;
pub mod stream;

use std::future::Future;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;

pub use state::AppState;

use error::ApiError;

async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint; see docs/api.md")
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

use crate::domain::work::WorkVerb as W;
use routes::work::route as work;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(routes::meta::healthz))
        .route("/healthz/record", get(routes::meta::record))
        .route("/v1/enroll", post(routes::enroll::enroll))
        .route("/v1/enroll/{id}/verify", post(routes::enroll::verify))
        .route(
            "/v1/appointments",
            get(routes::appointments::mine).post(routes::appointments::schedule),
        )
        .route(
            "/v1/appointments/watched",
            get(routes::appointments::watched),
        )
        .route("/v1/appointments/{id}/out", post(routes::appointments::out))
        .route(
            "/v1/appointments/{id}/cancel",
            post(routes::appointments::cancel),
        )
        .route("/v1/alerts", post(routes::alerts::raise))
        .route("/v1/alerts/{id}/cancel", post(routes::alerts::cancel))
        .route("/v1/alerts/{id}/location", post(routes::alerts::location))
        .route("/v1/cases", get(routes::cases::list))
        .route("/v1/cases/{id}", get(routes::cases::one))
        .route("/v1/cases/{id}/access", get(routes::cases::access))
        .route(
            "/v1/cases/{id}/jurisdiction",
            get(routes::cases::jurisdiction),
        )
        .route("/v1/cases/find", get(routes::cases::find))
        .route("/v1/cases/{id}/{verb}", post(routes::casework::act))
        .route("/v1/lawyers", get(routes::casework::lawyers))
        .route("/v1/intake", post(routes::casework::intake))
        .route("/v1/intake/candidates", get(routes::casework::candidates))
        .route("/v1/staff", post(routes::casework::add_staff))
        .route(
            "/v1/admin/staff/{id}/{action}",
            post(routes::admin::staff_action),
        )
        .route(
            "/v1/admin/devices/{id}/revoke",
            post(routes::admin::revoke_device),
        )
        .route("/v1/events", get(stream::events))
        .route("/v1/consulates", get(routes::meta::consulates))
        .route("/v1/me", get(routes::cases::me))
        .route(
            "/v1/facilities",
            get(routes::facilities::search_facilities).merge(work(W::RecordFacility)),
        )
        .route(
            "/v1/facilities/recorded",
            get(routes::facilities::recorded_facilities),
        )
        .route(
            "/v1/facilities/{code}/visits",
            get(routes::visits::facility_round),
        )
        .route(
            "/v1/visits",
            get(routes::visits::visits).merge(work(W::LogVisit)),
        )
        .route(
            "/v1/visits/plans",
            get(routes::visits::planned_visits).merge(work(W::PlanVisit)),
        )
        .route("/v1/visits/plans/{id}/postpone", work(W::PostponePlan))
        .route("/v1/visits/plans/{id}/cancel", work(W::CancelPlan))
        .route(
            "/v1/incidents",
            get(routes::incidents::incidents).merge(work(W::OpenIncident)),
        )
        .route("/v1/incidents/{id}/name", work(W::NameIncident))
        .route("/v1/incidents/{id}/cases", work(W::AddToIncident))
        .route("/v1/duty", get(routes::duty::duty).merge(work(W::SetShift)))
        .route("/v1/duty/{id}/remove", work(W::RemoveShift))
        .route("/v1/handover", get(routes::reports::handover))
        .route("/v1/reports/backlog", get(routes::reports::backlog))
        .route("/v1/reports/figures", get(routes::reports::figures))
        .route("/metrics", get(routes::meta::metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(count_requests))
        .layer(DefaultBodyLimit::max(extract::MAX_BODY_BYTES))
        .with_state(state)
}

/// Counts every request by its route (the pattern, never the path with its ids) and status.
async fn count_requests(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let start = std::time::Instant::now();
    let response = next.run(req).await;
    metrics::request(
        &route,
        response.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    response
}

/// Serves until `shutdown` resolves; open streams are told to end so that shutdown completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let token = state.shutdown.clone();
    // The county lines and the jurisdiction tables are read before the first connection is
    // taken: read on the first press instead, they held the writer (and that press) while they
    // loaded, after every restart.
    tokio::task::spawn_blocking(|| {
        let _ = crate::domain::jurisdiction::Jurisdictions::current();
    })
    .await
    .map_err(std::io::Error::other)?;
    // The hub's own workers: relatives' messages and escalation timers. Both read what is due
    // from the database, so they need no state of their own across restarts.
    tokio::spawn(notify::run(state.clone()));
    tokio::spawn(notify::run_escalations(state.clone()));
    tokio::spawn(incidents::run(state.clone()));
    tokio::spawn(roster::watch(state.clone()));
    tokio::spawn(flush_coalesced(state.clone()));
    tokio::spawn(watch_appointments(state.clone()));
    tokio::spawn(retain_daily(state.clone()));
    let settings = state.server.clone();
    let app = router(state)
        // Nothing here is for a cache to keep, or for a browser to guess the type of.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ));
    server::accept(listener, app, settings, async move {
        shutdown.await;
        token.cancel();
    })
    .await
}

/// Writes coalesced presses once their window has passed (every second).
async fn flush_coalesced(state: AppState) {
    let mut ticks: u64 = 0;
    loop {
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
        }
        ticks += 1;
        if ticks % 60 == 0 {
            state.limits.housekeeping();
        }
        let Some(c) = state.limits.coalesce() else {
            continue;
        };
        if let Err(e) = state.store.flush_coalesced(state.now(), c.window).await {
            tracing::error!(error = %e, "cannot write coalesced presses");
        }
    }
}

/// Raises the alerts of watched appointments nobody came out of (every two seconds: the pass
/// reads first, so an idle hub writes nothing).
async fn watch_appointments(state: AppState) {
    loop {
        let started = std::time::Instant::now();
        match state
            .store
            .watch_appointments(
                state.now(),
                state.watch_grace,
                state.consulates.clone(),
                state.notify.enabled(),
            )
            .await
        {
            // Counts only: which person is in the log.
            Ok(n) if n > 0 => tracing::warn!(raised = n, "watched appointments missed"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "watched appointments pass failed"),
        }
        metrics::pass("appointments", started.elapsed().as_secs_f64());
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            _ = tokio::time::sleep(std::time::Duration::from_secs(2)) => {}
        }
    }
}

/// Applies the retention policy at start and then once a day.
async fn retain_daily(state: AppState) {
    if state.retention_days == 0 {
        return;
    }
    loop {
        match state.store.retain(state.now(), state.retention_days).await {
            // Counts only: which cases is in the log's `records_erased` event.
            Ok(r) if r.keys > 0 || r.held > 0 => {
                tracing::info!(
                    cases = r.cases.len(),
                    keys = r.keys,
                    held = r.held,
                    "retention applied"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "cannot apply the retention policy"),
        }
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            _ = tokio::time::sleep(std::time::Duration::from_secs(24 * 3600)) => {}
        }
    }
}

/// `guardia hub`: opens the database, binds, serves until Ctrl-C or SIGTERM.
pub async fn run(
    full: &crate::config::Config,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let config = &full.hub;
    let consulates = config.load_consulates()?;
    if !config.jurisdiction_dir.is_empty() {
        let dir = std::path::Path::new(&config.jurisdiction_dir);
        let texts = crate::domain::jurisdiction::tables::Texts::in_dir(dir)?;
        let j = crate::domain::jurisdiction::Jurisdictions::from_texts(&texts)?;
        for row in &j.tables.unmatched {
            // A row naming a county no boundary holds routes nothing: said, not dropped.
            tracing::warn!(row = %row, "a jurisdiction row names no known county");
        }
        crate::domain::jurisdiction::Jurisdictions::install(j)?;
    }
    let target = config.target();
    let store = store::Store::open_target(&target, config.key_file())?;
    tracing::info!(database = %target.describe(), "store open");
    let mut state = AppState::new(store, consulates);
    state.rules = full.urgency.rules();
    state.notify = notify::NotifySettings::from_config(&full.notify)?;
    state.enroll.verify_phone = full.enroll.verify_phone;
    state.auth.staff_token_days = config.staff_token_days;
    state.max_ingest_lag = std::time::Duration::from_millis(config.max_ingest_lag_ms);
    state.retention_days = full.retention.closed_case_days;
    state.watch_grace = full.watch.grace();
    if !state.enroll.verify_phone {
        tracing::warn!(
            "enroll.verify_phone is off: anyone can enroll any number; for closed test deployments only"
        );
    } else if !state.notify.enabled() {
        return Err(
            "enroll.verify_phone needs a gateway to send codes through: set \
                    [notify] webhook_url (or turn verify_phone off in a closed test deployment)"
                .into(),
        );
    }
    state.stream = state::StreamSettings {
        keepalive: std::time::Duration::from_secs(config.keepalive_seconds.max(1)),
        replay_window: config.replay_window,
    };
    state.limits = std::sync::Arc::new(limits::Limits::from_config(&full.limits));
    let tls = match (config.tls_cert.trim(), config.tls_key.trim()) {
        ("", "") => None,
        (cert, key) if !cert.is_empty() && !key.is_empty() => Some(server::tls_acceptor(
            std::path::Path::new(cert),
            std::path::Path::new(key),
        )?),
        _ => return Err("give both hub.tls_cert and hub.tls_key, or neither".into()),
    };
    let addr: std::net::SocketAddr = tokio::net::lookup_host(&config.listen)
        .await?
        .next()
        .ok_or("hub.listen names no address")?;
    server::listen_policy(addr, tls.is_some(), config.behind_proxy)?;
    state.server = server::ServerSettings {
        header_timeout: std::time::Duration::from_secs(config.header_timeout_seconds.max(1)),
        body_timeout: std::time::Duration::from_secs(config.body_timeout_seconds.max(1)),
        idle_timeout: std::time::Duration::from_secs(config.idle_timeout_seconds.max(1)),
        // Behind a proxy every connection comes from it: the proxy limits connections.
        per_address: if config.behind_proxy {
            0
        } else {
            full.limits.connections_per_address
        },
        tls,
        trust_forwarded: match config.behind_proxy {
            true => Some(server::ProxyHeader::parse(&config.forwarded_header).ok_or(
                "hub.forwarded_header is x-forwarded-for or forwarded: the header your \
                     proxy writes the client's address in",
            )?),
            false => None,
        },
    };
    if state.server.idle_timeout <= state.stream.keepalive {
        tracing::warn!(
            "hub.idle_timeout_seconds is not above keepalive_seconds: idle streams will be cut"
        );
    }
    let listener = TcpListener::bind(addr).await?;
    tracing::info!(
        addr = %listener.local_addr()?,
        tls = state.server.tls.is_some(),
        "hub listening"
    );
    serve(listener, state, shutdown_signal()).await?;
    tracing::info!("hub stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
