//! Every case a view counts can be reached by keys alone, at every size down to 80 × 24: from the
//! top, ↓ visits each counted case in order and each is on screen when selected; End and ↑ do
//! the same from the bottom. Duress rows head the list but never crowd it out.

use crossterm::event::KeyCode;
use proptest::prelude::*;

use super::test_support::{key, now, officer, screen};
use super::update;
use crate::console::action::Action;
use crate::console::model::Model;
use crate::console::quick_views::QuickView;
use crate::domain::alert::AlertKind;
use crate::domain::case::tests::{cancelled, raised, staff_event};
use crate::domain::event::EventBody;
use crate::i18n::Lang;

/// A queue of `n` cases: some detained, some acknowledged, some under duress.
fn queue(n: usize, duress_every: usize, ack_every: usize) -> Model {
    let mut m = officer(Lang::Es);
    let mut seq = 0;
    for i in 0..n as u64 {
        seq += 1;
        let kind = if i % 3 == 0 {
            AlertKind::Detained
        } else {
            AlertKind::Imminent
        };
        let mut e = raised(seq, 1001 + i, kind, vec![]);
        if let EventBody::AlertRaised(r) = &mut e.body {
            r.registrant.name = format!("Persona {i} Apellido");
            r.location.lat += i as f64 * 0.0005;
        }
        update(&mut m, Action::HubEvent(Box::new(e)));
        if duress_every > 0 && i as usize % duress_every == 0 {
            seq += 1;
            let mut c = cancelled(seq, 1001 + i);
            if let EventBody::AlertCancelled(c) = &mut c.body {
                c.duress = true;
            }
            update(&mut m, Action::HubEvent(Box::new(c)));
        }
        if ack_every > 0 && i as usize % ack_every == 1 {
            seq += 1;
            let ack = staff_event(seq, 1001 + i, EventBody::CaseAcknowledged);
            update(&mut m, Action::HubEvent(Box::new(ack)));
        }
    }
    update(&mut m, Action::Tick(now() + chrono::Duration::minutes(20)));
    m
}

/// Where the selection is, and whether the screen shows it: the row marked selected carries the
/// selected case's number.
fn shown(m: &mut Model, w: u16, h: u16) -> (usize, bool) {
    let text = screen(m, w, h);
    let s = m.list.table.selected().unwrap_or(0);
    let id = m.list.order[s].to_string();
    let drawn = text.lines().any(|l| l.contains('›') && l.contains(&id));
    (s, drawn)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn every_counted_case_is_reachable_and_duress_never_crowds_out_the_list(
        n in 1usize..90,
        duress_every in prop::sample::select(vec![0usize, 1, 2, 3, 7]),
        ack_every in prop::sample::select(vec![0usize, 2, 3]),
        view in prop::sample::select(QuickView::ALL.to_vec()),
        search in prop::sample::select(vec!["", "persona", "1"]),
        size in prop::sample::select(vec![(80u16, 24u16), (100, 30), (160, 45), (200, 60)]),
    ) {
        let mut m = queue(n, duress_every, ack_every);
        m.list.view = view;
        m.list.filter = search.to_string();
        m.list.stale = true;
        let (w, h) = size;
        screen(&mut m, w, h);
        let len = m.list.order.len();
        prop_assume!(len > 0);
        // Duress rows are pinned, and no more than half the list: the rest stays workable.
        let duress_in_view = m
            .list
            .order
            .iter()
            .filter(|id| m.cases[*id].duress_at.is_some())
            .count();
        prop_assert!(m.list.pinned <= m.list.page / 2 + 1, "{} of {}", m.list.pinned, m.list.page);
        prop_assert!(m.list.pinned <= duress_in_view, "a pinned row that is not duress");
        for id in &m.list.order[..m.list.pinned] {
            prop_assert!(m.cases[id].duress_at.is_some());
        }
        // From the bottom to the top (Home shows the top: nothing counted hides above it) ...
        update(&mut m, key(KeyCode::End));
        screen(&mut m, w, h);
        update(&mut m, key(KeyCode::Home));
        screen(&mut m, w, h);
        prop_assert_eq!(m.list.table.offset(), m.list.pinned, "rows hidden above the top");
        // ... then every counted case in turn, each on screen.
        let mut seen = Vec::new();
        for _ in 0..len {
            let (s, drawn) = shown(&mut m, w, h);
            prop_assert!(drawn, "row {s} of {len} is selected but not drawn");
            seen.push(s);
            update(&mut m, key(KeyCode::Down));
        }
        prop_assert_eq!(seen, (0..len).collect::<Vec<_>>());
        // And back up from the bottom.
        update(&mut m, key(KeyCode::End));
        for expect in (0..len).rev() {
            let (s, drawn) = shown(&mut m, w, h);
            prop_assert_eq!(s, expect);
            prop_assert!(drawn, "row {s} of {len} is selected but not drawn");
            update(&mut m, key(KeyCode::Up));
        }
    }
}
