use super::*;
use crate::domain::command::{Act, Conflict, Refusal};
use crate::domain::event::{EventBody, IncidentChange, PlanChange};
use crate::domain::staff::{Role, StaffInfo};
use crate::domain::visit::PlanStatus;
use chrono::{TimeZone, Utc};

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
}

fn staff(role: Role, consulate: Option<&str>) -> StaffInfo {
    StaffInfo {
        id: 7,
        name: "Persona".into(),
        role,
        consulate: consulate.map(String::from),
        token_expires_at: None,
    }
}

fn adelanto() -> crate::domain::facility::Facility {
    crate::domain::facility::Registry::new()
        .get("ADLNTCA")
        .cloned()
        .unwrap()
}

fn facts<'a>(
    facility: Option<&'a crate::domain::facility::Facility>,
    cases: &'a [NamedCase],
) -> WorkFacts<'a> {
    WorkFacts {
        now: now(),
        next_id: 5,
        consulates: &[],
        facility,
        district: Some("san-bernardino"),
        cases,
        plan: None,
        rostered: None,
    }
}

#[test]
fn the_permission_table_gives_each_role_its_protection_work() {
    use crate::domain::command::role_may_work;
    for verb in WorkVerb::ALL {
        assert!(role_may_work(Role::Supervisor, *verb), "{verb:?}");
        assert!(!role_may_work(Role::Lawyer, *verb), "{verb:?}");
        assert!(!role_may_work(Role::Admin, *verb), "{verb:?}");
    }
    assert!(role_may_work(Role::Officer, WorkVerb::LogVisit));
    assert!(!role_may_work(Role::Officer, WorkVerb::SetShift));
    assert!(!role_may_work(Role::Officer, WorkVerb::NameIncident));
}

#[test]
fn a_plan_is_made_for_the_planners_consulate_and_a_national_supervisors_for_the_district() {
    let place = adelanto();
    let req = crate::domain::visit::PlanRequest {
        facility: "adlntca".into(),
        planned_on: "2026-11-25".into(),
        staff: vec![],
        note: String::new(),
    };
    let plan = WorkCommand::PlanVisit(req.clone());
    let la = staff(Role::Officer, Some("los-angeles"));
    let d = decide(&plan, &la, &WorkTarget::New, &facts(Some(&place), &[])).unwrap();
    let EventBody::VisitPlanRecorded(r) = &d.events[0] else {
        panic!("{d:?}")
    };
    let PlanChange::Planned { plan: made } = &r.change else {
        panic!()
    };
    assert_eq!((made.id, made.consulate.as_str()), (5, "los-angeles"));
    assert_eq!(made.facility, "ADLNTCA");
    let national = staff(Role::Supervisor, None);
    let d = decide(
        &plan,
        &national,
        &WorkTarget::New,
        &facts(Some(&place), &[]),
    )
    .unwrap();
    let EventBody::VisitPlanRecorded(r) = &d.events[0] else {
        panic!()
    };
    let PlanChange::Planned { plan: made } = &r.change else {
        panic!()
    };
    assert_eq!(made.consulate, "san-bernardino");
    // An unknown facility names its field; a lawyer may not plan at all.
    let e = decide(&plan, &la, &WorkTarget::New, &facts(None, &[])).unwrap_err();
    assert!(matches!(e, Refusal::Invalid(f) if f.field == "facility"));
    let e = decide(
        &plan,
        &staff(Role::Lawyer, None),
        &WorkTarget::New,
        &facts(Some(&place), &[]),
    );
    assert_eq!(
        e.unwrap_err(),
        Refusal::RoleMayNot(Act::Work(WorkVerb::PlanVisit))
    );
}

#[test]
fn a_plan_of_another_consulate_is_not_there_and_one_carried_out_cannot_be_cancelled() {
    let place = adelanto();
    let mut plan = crate::domain::visit::validate_plan(
        &crate::domain::visit::PlanRequest {
            facility: "ADLNTCA".into(),
            planned_on: "2026-11-25".into(),
            staff: vec![],
            note: String::new(),
        },
        now(),
    )
    .unwrap();
    plan.id = 3;
    plan.consulate = "san-bernardino".into();
    let cancel = WorkCommand::CancelPlan { plan_id: 3 };
    let target = WorkTarget::Plan(plan.clone());
    let chicago = staff(Role::Officer, Some("chicago"));
    assert_eq!(
        decide(&cancel, &chicago, &target, &facts(Some(&place), &[])).unwrap_err(),
        Refusal::NotVisible
    );
    let theirs = staff(Role::Officer, Some("san-bernardino"));
    assert!(decide(&cancel, &theirs, &target, &facts(Some(&place), &[])).is_ok());
    plan.status = PlanStatus::Done { visit_id: 9 };
    assert_eq!(
        decide(
            &cancel,
            &theirs,
            &WorkTarget::Plan(plan),
            &facts(Some(&place), &[])
        )
        .unwrap_err(),
        Refusal::Conflict(Conflict::PlanNotOpen)
    );
    assert_eq!(
        decide(
            &cancel,
            &theirs,
            &WorkTarget::Missing,
            &facts(Some(&place), &[])
        )
        .unwrap_err(),
        Refusal::NotVisible
    );
}

#[test]
fn an_incident_takes_only_cases_in_scope_and_in_no_other_incident() {
    let cases = [
        NamedCase {
            id: 1,
            consulate: "los-angeles".into(),
            incident: None,
        },
        NamedCase {
            id: 2,
            consulate: "los-angeles".into(),
            incident: Some(4),
        },
        NamedCase {
            id: 3,
            consulate: "chicago".into(),
            incident: None,
        },
    ];
    let boss = staff(Role::Supervisor, Some("los-angeles"));
    let open = WorkCommand::OpenIncident {
        cases: vec![1, 2, 1],
        name: "Operativo".into(),
    };
    let d = decide(&open, &boss, &WorkTarget::New, &facts(None, &cases)).unwrap();
    let EventBody::IncidentRecorded(r) = &d.events[0] else {
        panic!()
    };
    assert!(matches!(&r.change, IncidentChange::Opened { cases, .. } if cases == &[1]));
    let elsewhere = WorkCommand::OpenIncident {
        cases: vec![3],
        name: String::new(),
    };
    let e = decide(&elsewhere, &boss, &WorkTarget::New, &facts(None, &cases)).unwrap_err();
    assert!(matches!(e, Refusal::Invalid(f) if f.field == "cases"));
    let officer = staff(Role::Officer, Some("los-angeles"));
    assert_eq!(
        decide(&open, &officer, &WorkTarget::New, &facts(None, &cases)).unwrap_err(),
        Refusal::RoleMayNot(Act::Work(WorkVerb::OpenIncident))
    );
}

#[test]
fn the_outbox_keeps_a_command_beside_its_body_and_the_wire_reads_it_back() {
    let cancel = WorkCommand::CancelPlan { plan_id: 9 };
    assert_eq!(cancel.path(), "/v1/visits/plans/9/cancel");
    let saved = serde_json::to_string(&cancel).unwrap();
    assert_eq!(saved, r#"{"task":"cancel_plan","body":{"plan_id":9}}"#);
    assert_eq!(serde_json::from_str::<WorkCommand>(&saved).unwrap(), cancel);
    let name = WorkCommand::NameIncident {
        incident_id: 4,
        name: "Operativo en Santa Ana".into(),
    };
    assert_eq!(name.path(), "/v1/incidents/4/name");
    let body = serde_json::to_vec(&name.body()).unwrap();
    assert_eq!(
        WorkCommand::from_wire(WorkVerb::NameIncident, Some(4), &body).unwrap(),
        name
    );
    let unknown = WorkCommand::from_wire(WorkVerb::NameIncident, Some(4), br#"{"nombre": "x"}"#);
    assert_eq!(unknown.unwrap_err().field, "nombre");
}

#[test]
fn every_name_derived_from_an_enum_is_the_wire_name() {
    use crate::domain::command::Verb;
    use crate::domain::event::EventKind;
    use strum::IntoEnumIterator;
    let wire = |v: serde_json::Value| v.as_str().unwrap().to_string();
    for kind in EventKind::iter() {
        assert_eq!(kind.as_str(), wire(serde_json::to_value(kind).unwrap()));
    }
    for verb in Verb::ALL {
        assert_eq!(verb.as_str(), wire(serde_json::to_value(verb).unwrap()));
    }
    for verb in WorkVerb::ALL {
        assert_eq!(verb.as_str(), wire(serde_json::to_value(verb).unwrap()));
    }
    assert_eq!(Verb::ALL.len(), 11);
}
