//! Protection work from a headless console (outbox, subscriber and executor; no terminal)
//! against a real hub on 127.0.0.1: a supervisor plans a visit and puts a colleague on the
//! roster; each is kept in the outbox file, sent once, recorded by the hub and reported back.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::*;
use guardia::console::action::{Action, Command, Notice, WorkState};
use guardia::console::app::spawn_feeds;
use guardia::console::net::client::HubClient;
use guardia::console::net::hubs::Hubs;
use guardia::domain::roster::ShiftRequest;
use guardia::domain::staff::Role;
use guardia::domain::visit::PlanRequest;
use guardia::domain::work::{WorkCommand, WorkVerb};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisors_console_plans_a_visit_and_sets_the_roster_through_its_outbox() {
    let hub = TestHub::start().await;
    let boss = hub.staff(Role::Supervisor, Some("san-bernardino")).await;
    let (officer_id, officer) = hub
        .staff_with_id(Role::Officer, Some("san-bernardino"))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox.json");
    let hubs = Hubs::new(vec![HubClient::new(&hub.url, &boss).unwrap()]).unwrap();
    let stop = CancellationToken::new();
    let (mut inbox, effects) = spawn_feeds(hubs, &outbox, &stop).unwrap();

    let tomorrow = (Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    effects.perform(Command::Record(WorkCommand::PlanVisit(PlanRequest {
        facility: "ADLNTCA".into(),
        planned_on: tomorrow.clone(),
        staff: vec!["Lucía Ramírez".into()],
        note: String::new(),
    })));
    effects.perform(Command::Record(WorkCommand::SetShift(ShiftRequest {
        consulate: None,
        staff_id: officer_id,
        weekdays: vec![1, 2, 3, 4, 5, 6, 7],
        start: Some("00:00".into()),
        hours: Some(24),
        from: None,
        to: None,
        off: false,
    })));

    let mut applied = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while applied.len() < 2 {
        let action = tokio::time::timeout_at(deadline, inbox.recv())
            .await
            .expect("the hub never answered")
            .expect("inbox closed");
        match action {
            Action::Notice(Notice::Work {
                task,
                state: WorkState::Done,
            }) => applied.push(task),
            Action::Notice(n @ (Notice::Work { .. } | Notice::Refused { .. })) => {
                panic!("not done: {n:?}")
            }
            _ => {}
        }
    }
    assert_eq!(applied, vec![WorkVerb::PlanVisit, WorkVerb::SetShift]);
    stop.cancel();

    // The hub holds each once, and the outbox let go of both.
    let plans: Value = hub.json_as(&officer, "/v1/visits/plans").await;
    assert_eq!(plans.as_array().unwrap().len(), 1, "{plans}");
    assert_eq!(plans[0]["planned_on"], tomorrow.as_str());
    let duty: Value = hub.json_as(&officer, "/v1/duty").await;
    assert_eq!(duty["on_duty"][0][0], officer_id, "{duty}");
    let saved: Value = serde_json::from_slice(&std::fs::read(&outbox).unwrap()).unwrap();
    assert_eq!(saved["entries"], serde_json::json!([]));
}
