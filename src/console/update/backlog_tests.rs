//! The supervisor's backlog: the selection follows its case; consulates are named.

use chrono::{Duration, TimeZone, Utc};
use ratatui::layout::Rect;

use super::{settle, update};
use crate::console::action::Action;
use crate::console::model::{Model, Tab};
use crate::domain::alert::AlertKind;
use crate::domain::case::tests::{raised, staff_event};
use crate::domain::event::{EventBody, LawyerAssigned};
use crate::domain::staff::{Role, StaffInfo};
use crate::i18n::Lang;

fn supervisor() -> Model {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 10, 1, 0).unwrap();
    let mut m = Model::new(Lang::Es, false, Duration::minutes(5), now);
    m.consulates = crate::domain::consulate::parse_csv(crate::config::BUILTIN_CONSULATES).unwrap();
    m.me = Some(StaffInfo {
        id: 3,
        name: "Elena Cárdenas".into(),
        role: Role::Supervisor,
        consulate: None,
        token_expires_at: None,
    });
    m.tab = Tab::Backlog;
    for (seq, id) in [(1, 1001), (2, 1002), (3, 1003)] {
        update(
            &mut m,
            Action::HubEvent(Box::new(raised(seq, id, AlertKind::Imminent, vec![]))),
        );
    }
    m
}

const AREA: Rect = Rect {
    x: 0,
    y: 0,
    width: 160,
    height: 40,
};

#[test]
fn the_selection_stays_on_its_case_when_a_row_above_leaves() {
    let mut m = supervisor();
    settle(&mut m, AREA);
    let ids = m.backlog.view.as_ref().unwrap().1.clone();
    assert_eq!(ids.len(), 3, "{ids:?}");
    m.backlog.selected = 2;
    let chosen = ids[2];
    // The first row gets a lawyer and leaves the attention list.
    update(
        &mut m,
        Action::HubEvent(Box::new(staff_event(
            4,
            ids[0],
            EventBody::LawyerAssigned(LawyerAssigned {
                lawyer_id: 41,
                lawyer_name: "Lic. Ana Beltrán".into(),
                previous: None,
            }),
        ))),
    );
    settle(&mut m, AREA);
    let now = &m.backlog.view.as_ref().unwrap().1;
    assert_eq!(now.len(), 2, "{now:?}");
    assert_eq!(super::backlog_target(&m), Some(chosen));
}

#[test]
fn a_long_name_is_cut_in_its_column_and_the_consulate_stays_in_place() {
    let mut m = supervisor();
    m.cases.get_mut(&1002).unwrap().registrant.name =
        "María de los Ángeles Fernández Ruiz por Teléfono".into();
    settle(&mut m, AREA);
    let text = super::test_support::screen(&mut m, 160, 40);
    // The attention list's rows (the case list beside it names cases too).
    let row = |id: &str| {
        text.lines()
            .find(|l| l.contains(id) && l.contains("Los Angeles"))
            .unwrap_or_else(|| panic!("{id} in {text}"))
            .to_string()
    };
    let (long, short) = (row("#1002"), row("#1001"));
    assert!(long.contains("María de los Ángeles Fe…"), "{long}");
    assert!(!long.contains("por Teléfono"), "{long}");
    let at = |l: &str| {
        let byte = l
            .find("Los Angeles")
            .unwrap_or_else(|| panic!("no consulate in {l}"));
        l[..byte].chars().count()
    };
    assert_eq!(
        at(&long),
        at(&short),
        "the consulate column stays:\n{long}\n{short}"
    );
}

#[test]
fn the_backlog_names_consulates_not_ids() {
    let mut m = supervisor();
    settle(&mut m, AREA);
    let text = super::test_support::screen(&mut m, 160, 40);
    assert!(text.contains("Los Angeles, CA"), "{text}");
    assert!(!text.contains("los-angeles"), "{text}");
    assert!(text.contains("sin atender"), "{text}");
}

#[test]
fn duress_heads_the_backlog_and_every_row_is_reached_and_read_at_80_by_24() {
    let mut m = supervisor();
    for i in 0..40u64 {
        update(
            &mut m,
            Action::HubEvent(Box::new(raised(
                10 + i,
                2000 + i,
                AlertKind::Detained,
                vec![],
            ))),
        );
    }
    for id in [2005u64, 2010] {
        let c = m.cases.get_mut(&id).unwrap();
        c.duress_at = Some(c.received_at);
        m.list.touched.insert(id);
    }
    m.now += Duration::minutes(30);
    let text = super::test_support::screen(&mut m, 80, 24);
    let ids = m.backlog.view.as_ref().unwrap().1.clone();
    assert_eq!(&ids[..2], &[2005, 2010], "duress first");
    assert!(text.contains("‼ 2 con coacción"), "{text}");
    assert!(text.contains("› #2005"), "{text}");
    assert!(
        text.contains("‼ COACCIÓN · Sin atender fuera de plazo"),
        "{text}"
    );
    assert!(
        text.contains("agrande la ventana"),
        "says where the breakdowns are: {text}"
    );
    // Every case needing attention is reached by keys, the last one included.
    for _ in 0..ids.len() {
        update(
            &mut m,
            super::test_support::key(crossterm::event::KeyCode::Down),
        );
    }
    let text = super::test_support::screen(&mut m, 80, 24);
    assert!(
        text.contains(&format!("› #{}", ids.last().unwrap())),
        "{text}"
    );
    // Wide and tall, the breakdowns are there too, and nothing is cut at the edge.
    let wide = super::test_support::screen(&mut m, 200, 50);
    assert!(
        wide.contains("Por etapa") && wide.contains("Consentimiento"),
        "{wide}"
    );
    assert!(wide.contains("0 plazos en 7 días"), "{wide}");
}
