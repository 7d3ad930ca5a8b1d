//! `guardia demo`: a hub on a free loopback port with a throw-away database, the sample lawyers'
//! roster, cases seeded at many stages, simulated phones pressing over real HTTP, and the console
//! on this terminal in the chosen role's view.

mod seed;

use std::sync::atomic::Ordering;

use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::console::app::{self, ConsoleOptions};
use crate::domain::staff::{NewStaff, Role};
use crate::hub::store::Store;
use crate::hub::{AppState, serve};
use crate::i18n::Lang;
use crate::simulate::{self, Plan};

/// The sample roster, used when the configured one is not on disk.
pub const SAMPLE_LAWYERS: &str = include_str!("../../config/lawyers.sample.csv");

pub async fn run(config: &Config, role: Role, lang: Lang, no_color: bool) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
    let consulates = config.hub.load_consulates().map_err(|e| e.to_string())?;
    let home = consulates
        .iter()
        .find(|c| c.id == config.demo.consulate)
        .cloned()
        .ok_or_else(|| {
            let ids: Vec<&str> = consulates.iter().map(|c| c.id.as_str()).collect();
            crate::cli::unknown_consulate(
                &config.demo.consulate,
                &ids,
                config.hub.consulates_source(),
                lang,
            )
        })?;
    let store = Store::open(&dir.path().join("demo.db")).map_err(|e| e.to_string())?;
    let person = |name: &str, role| NewStaff {
        name: name.into(),
        role,
        consulate: Some(home.id.clone()),
        serves: vec![],
        languages: vec![],
        capacity: 0,
    };
    let (officer_id, officer) = crate::admin::add_staff(
        &store,
        &consulates,
        person("Lucía Ramírez (demo)", Role::Officer),
    )
    .await?;
    let (_, supervisor) = crate::admin::add_staff(
        &store,
        &consulates,
        person("Elena Cárdenas (demo)", Role::Supervisor),
    )
    .await?;
    let roster = crate::admin::parse_roster(
        SAMPLE_LAWYERS,
        &consulates,
        config.hub.consulates_source(),
        lang,
    )?;
    let serves_home = roster
        .iter()
        .position(|l| l.serves.contains(&home.id))
        .unwrap_or(0);
    let added = crate::admin::import_lawyers(
        &store,
        &consulates,
        config.hub.consulates_source(),
        SAMPLE_LAWYERS,
        lang,
    )
    .await?;
    let (_, lawyer_id, imported) = added
        .get(serves_home)
        .cloned()
        .ok_or("the sample roster is empty")?;
    // On a demo database used before, the lawyer is already there: a fresh token for this run.
    let lawyer = match imported {
        crate::admin::Imported::Added(token) => token,
        _ => crate::admin::rotate_token(&store, lawyer_id).await?,
    };
    // A colleague at the nearest other consulate, for the transfers the demo plays.
    let neighbour = crate::domain::consulate::by_distance(&consulates, home.point())
        .into_iter()
        .map(|(c, _)| c.clone())
        .find(|c| c.id != home.id)
        .ok_or("only one consulate is configured")?;
    let (_, neighbour_officer) = crate::admin::add_staff(
        &store,
        &consulates,
        NewStaff {
            consulate: Some(neighbour.id.clone()),
            ..person("Tomás Aguilar (demo)", Role::Officer)
        },
    )
    .await?;
    let token = match role {
        Role::Lawyer => lawyer,
        Role::Supervisor => supervisor.clone(),
        _ => officer.clone(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("bind: {e}"))?;
    let url = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let stop = CancellationToken::new();
    // Relatives' messages go to a local stand-in gateway, signed like the real thing.
    let secret = crate::hub::notify::new_secret();
    let key = crate::hub::notify::parse_secret(&secret)?;
    // Phones verify their numbers through it too: the simulated ones read their codes from it.
    let (gateway, codes) =
        simulate::gateway::start("127.0.0.1:0", key.clone(), true, stop.clone()).await?;
    let mut state = AppState::new(store, consulates);
    // Hundreds of simulated phones enroll from this one machine.
    state.limits = std::sync::Arc::new(crate::hub::limits::Limits::off());
    state.rules = config.urgency.rules();
    // Missed appointments show a couple of minutes into the demo, not an hour.
    state.watch_grace = chrono::Duration::minutes(2);
    state.notify = crate::hub::notify::NotifySettings {
        url: Some(gateway),
        secret: key,
        allow_private_targets: true,
        retry_base: std::time::Duration::from_secs(3),
        ..Default::default()
    };
    let hub_stop = stop.clone();
    let hub = tokio::spawn(async move {
        let _ = serve(listener, state, async move { hub_stop.cancelled().await }).await;
    });

    // The phones' device tokens go to this process's own hub: never through a proxy.
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap_or_default();
    let sim_stop = stop.clone();
    let sim_url = url.clone();
    let registrants = config.demo.registrants as usize;
    // A raid: fast, and close together (clusters form); otherwise a calm night.
    // (presses a second, share near the consulate, spread in degrees)
    let (rate, share, spread) = if config.demo.raid {
        (config.demo.rate.max(3.0), 0.95, 0.06)
    } else {
        (config.demo.rate, 0.7, 0.25)
    };
    let focus = (home.lat, home.lon);
    let seeded = seed::run(
        &http,
        &url,
        seed::People {
            officer: &officer,
            officer_id,
            supervisor: &supervisor,
            neighbour: &neighbour_officer,
            lawyer: lawyer_id,
            codes: codes.clone(),
        },
        &home,
        &neighbour,
    )
    .await;
    if let Err(e) = seeded {
        tracing::error!(error = %e, "demo seeding failed");
    }
    let sim_codes = codes.clone();
    let sim = tokio::spawn(async move {
        let stats = std::sync::Arc::new(simulate::Stats::default());
        // A few phones first so alerts show within seconds; the rest enroll while it runs.
        let phones = match simulate::enroll(
            &http,
            &sim_url,
            registrants.min(20),
            Some(sim_codes.clone()),
        )
        .await
        {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "demo enrollment failed");
                return;
            }
        };
        // Tomorrow's check-ins near the consulate, two of them already missed.
        if let Err(e) =
            simulate::appointments::schedule(&http, &sim_url, &phones, focus, 14, 2).await
        {
            tracing::error!(error = %e, "demo appointments failed");
        }
        let more = simulate::enroll(
            &http,
            &sim_url,
            registrants.saturating_sub(20),
            Some(sim_codes),
        );
        let first = simulate::run(
            http.clone(),
            sim_url.clone(),
            phones,
            Plan {
                rate,
                count: Some(8),
                focus: Some((focus, share)),
                spread,
                retry: simulate::Retry::default(),
            },
            stats.clone(),
            sim_stop.clone(),
        );
        let (more, _) = tokio::join!(more, first);
        let phones = more.unwrap_or_default();
        simulate::run(
            http,
            sim_url,
            phones,
            Plan {
                rate,
                count: None,
                focus: Some((focus, share)),
                spread,
                retry: simulate::Retry::default(),
            },
            stats.clone(),
            sim_stop,
        )
        .await;
        tracing::info!(
            accepted = stats.accepted.load(Ordering::Relaxed),
            cancelled = stats.cancelled.load(Ordering::Relaxed),
            "simulator stopped"
        );
    });

    let result = app::run(ConsoleOptions {
        hubs: vec![url],
        token,
        lang,
        no_color,
        rules: config.urgency.rules(),
        // The demo's hub is thrown away on exit, so its outbox is too.
        outbox: dir.path().join("outbox.json"),
    })
    .await;
    stop.cancel();
    let _ = sim.await;
    let _ = hub.await;
    result.map_err(|e| e.to_string())
}
