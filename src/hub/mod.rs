//! The hub: HTTP API, event log and stream.

pub mod auth;
pub mod error;
pub mod extract;
pub mod notify;
pub mod roster;
pub mod routes;
pub mod state;
pub mod store;
pub mod stream;

use std::future::Future;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

pub use state::AppState;

use error::ApiError;

async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint; see docs/api.md")
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(routes::meta::healthz))
        .route("/v1/enroll", post(routes::enroll::enroll))
        .route("/v1/enroll/{id}/verify", post(routes::enroll::verify))
        .route("/v1/alerts", post(routes::alerts::raise))
        .route("/v1/alerts/{id}/cancel", post(routes::alerts::cancel))
        .route("/v1/alerts/{id}/location", post(routes::alerts::location))
        .route("/v1/cases", get(routes::cases::list))
        .route("/v1/cases/{id}", get(routes::cases::one))
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
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(extract::MAX_BODY_BYTES))
        .with_state(state)
}

/// Serves until `shutdown` resolves; open streams are told to end so that shutdown completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let token = state.shutdown.clone();
    // The hub's own workers: relatives' messages and escalation timers. Both read what is due
    // from the database, so they need no state of their own across restarts.
    tokio::spawn(notify::run(state.clone()));
    tokio::spawn(notify::run_escalations(state.clone()));
    tokio::spawn(roster::watch(state.clone()));
    let app = router(state);
    // Events are small writes on long-lived connections: without TCP_NODELAY, Nagle's algorithm
    // holds each one back until the previous is acknowledged (tens of milliseconds).
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            token.cancel();
        })
        .await
}

/// `guardia hub`: opens the database, binds, serves until Ctrl-C or SIGTERM.
pub async fn run(
    full: &crate::config::Config,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let config = &full.hub;
    let consulates = config.load_consulates()?;
    let store = store::Store::open(&config.db)?;
    let mut state = AppState::new(store, consulates);
    state.rules = full.urgency.rules();
    state.notify = notify::NotifySettings::from_config(&full.notify)?;
    state.enroll.verify_phone = full.enroll.verify_phone;
    state.auth.staff_token_days = config.staff_token_days;
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
    let listener = TcpListener::bind(&config.listen).await?;
    tracing::info!(addr = %listener.local_addr()?, "hub listening");
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
