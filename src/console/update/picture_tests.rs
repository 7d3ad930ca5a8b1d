//! The raid picture: clusters in the strip and as a filter, the map, the full-screen detail at
//! 80 × 24, and duress's own bell.

use chrono::Duration;
use crossterm::event::KeyCode;

use super::test_support::{key, now, officer, screen};
use super::update;
use crate::console::action::{Action, Command};
use crate::console::model::{Message, Model};
use crate::domain::alert::AlertKind;
use crate::domain::case::tests::{cancelled, raised};
use crate::domain::event::EventBody;
use crate::i18n::Lang;

/// A Los Angeles officer; five alerts around one corner of Los Angeles and one far away.
fn raid(lang: Lang) -> Model {
    let mut m = officer(lang);
    for i in 0..6u64 {
        let mut e = raised(i + 1, 1001 + i, AlertKind::Imminent, vec![]);
        if let EventBody::AlertRaised(r) = &mut e.body {
            let d = i as f64 * 0.001;
            (r.location.lat, r.location.lon) = if i == 5 {
                (34.60, -117.90)
            } else {
                (34.0522 + d, -118.2437 - d)
            };
        }
        update(&mut m, Action::HubEvent(Box::new(e)));
    }
    update(&mut m, Action::Tick(now()));
    m.refresh_order();
    m
}

#[test]
fn a_cluster_is_counted_in_the_strip_and_z_narrows_the_list_to_it() {
    let mut m = raid(Lang::Es);
    assert_eq!(m.list.clusters.len(), 1);
    assert_eq!(m.list.clusters[0].ids.len(), 5);
    let text = screen(&mut m, 160, 30);
    assert!(
        text.contains("◎ 5 alertas a menos de 2 km en 10 min"),
        "{text}"
    );
    update(&mut m, key(KeyCode::Char('z')));
    m.refresh_order();
    assert_eq!(m.list.order.len(), 5);
    assert!(!m.list.order.contains(&1006));
    let text = screen(&mut m, 160, 30);
    assert!(text.contains("grupo de 5 alertas"), "{text}");
    update(&mut m, key(KeyCode::Esc));
    m.refresh_order();
    assert_eq!(m.list.order.len(), 6, "Esc widens the list again");
}

#[test]
fn the_strip_keeps_the_most_important_whole_and_drops_the_least() {
    let mut m = raid(Lang::Es);
    update(&mut m, Action::HubEvent(Box::new(duress(7, 1003))));
    m.refresh_order();
    let strip = screen(&mut m, 80, 24).lines().nth(1).unwrap().to_string();
    // Duress, the critical count and the cluster come first and whole.
    assert!(strip.contains("‼ 1 con coacción"), "{strip}");
    assert!(strip.contains("1 caso crítico"), "{strip}");
    // The cluster in its short name where its sentence does not fit.
    assert!(strip.contains("◎ grupo de 5 alertas"), "{strip}");
    // At 200 columns everything fits, the longest wait last.
    let wide = screen(&mut m, 200, 30).lines().nth(1).unwrap().to_string();
    assert!(
        wide.contains("sin atender") && wide.contains("espera más larga"),
        "{wide}"
    );
    assert!(
        wide.find("1 caso crítico").unwrap() < wide.find("sin atender").unwrap(),
        "{wide}"
    );
    // What did not fit at 80 is gone whole, never cut: each item there is one of the wide's.
    let whole: Vec<&str> = wide.trim_end().split(" · ").collect();
    for item in strip.trim_end().split(" · ").skip(1) {
        if item.starts_with('◎') {
            continue;
        }
        assert!(whole.contains(&item), "{item:?} cut short: {strip}");
    }
}

#[test]
fn z_without_a_cluster_says_so() {
    let mut m = Model::new(Lang::En, false, Duration::minutes(5), now());
    update(&mut m, key(KeyCode::Char('z')));
    assert_eq!(m.message, Some(Message::NoClusters));
}

#[test]
fn the_map_shows_the_district_its_consulate_duress_and_the_cluster() {
    let mut m = raid(Lang::Es);
    update(&mut m, Action::HubEvent(Box::new(duress(7, 1003))));
    update(&mut m, key(KeyCode::Char('m')));
    let text = screen(&mut m, 160, 40);
    assert!(text.contains("Mapa"), "{text}");
    assert!(text.contains("◆"), "the consulate: {text}");
    assert!(text.contains("⊗"), "the duress case: {text}");
    assert!(text.contains("◎"), "the cluster: {text}");
    assert!(text.contains("UWCHR"), "the facilities' credit: {text}");
    update(&mut m, key(KeyCode::Char('m')));
    assert!(!screen(&mut m, 160, 40).contains("Mapa"));
}

fn duress(seq: u64, id: u64) -> crate::domain::event::Event {
    let mut e = cancelled(seq, id);
    if let EventBody::AlertCancelled(c) = &mut e.body {
        c.duress = true;
    }
    e
}

#[test]
fn duress_rings_its_own_bell() {
    let mut m = raid(Lang::Es);
    let commands = update(&mut m, Action::HubEvent(Box::new(duress(7, 1002))));
    assert!(commands.contains(&Command::DuressBell), "{commands:?}");
    assert!(!commands.contains(&Command::Bell));
}

#[test]
fn at_80_by_24_enter_gives_the_detail_the_whole_screen_and_esc_gives_it_back() {
    let mut m = raid(Lang::Es);
    m.list.selected = Some(1001);
    update(&mut m, key(KeyCode::Enter));
    let text = screen(&mut m, 80, 24);
    assert!(text.contains("Detalle"), "{text}");
    assert!(
        text.contains("Teléfono"),
        "the person's details fit: {text}"
    );
    assert!(!text.contains("Urgencia"), "the list is hidden: {text}");
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("Esc volver a la lista"),
        "{text}"
    );
    update(&mut m, key(KeyCode::Esc));
    let text = screen(&mut m, 80, 24);
    assert!(text.contains("Urgencia"), "{text}");
}

#[test]
fn the_urgency_column_reads_its_reasons_whole() {
    let mut m = raid(Lang::Es);
    update(&mut m, Action::HubEvent(Box::new(duress(7, 1003))));
    let mut e = raised(
        8,
        1010,
        AlertKind::Detained,
        vec![crate::domain::registrant::Flag::MinorsInCare],
    );
    e.case_id = 1010;
    update(&mut m, Action::HubEvent(Box::new(e)));
    m.refresh_order();
    let text = screen(&mut m, 120, 30);
    // At 120 columns the reasons give way to the detail pane's codes (never a word cut in
    // the middle) and names do not.
    assert!(text.contains("‼ COACCIÓN"), "{text}");
    assert!(text.contains("‼ MEN "), "{text}");
    assert!(!text.contains("‼ menores "), "{text}");
    assert!(
        text.contains("Persona Fictici"),
        "names keep their width: {text}"
    );
    // At 80 duress is still read whole: the name gives it two columns.
    let narrow = screen(&mut m, 80, 24);
    assert!(narrow.contains("Persona Fictici"), "{narrow}");
    assert!(narrow.contains("‼ COACCIÓN"), "{narrow}");
    // Wide enough, the tier's word is there too.
    let wide = screen(&mut m, 200, 30);
    assert!(wide.contains("‼ CRÍTICA · menores a cargo"), "{wide}");
    assert!(wide.contains("‼ CRÍTICA · COACCIÓN"), "{wide}");
}

#[test]
fn the_counts_strip_counts_the_whole_queue_whatever_the_list_shows() {
    let mut m = raid(Lang::Es);
    update(&mut m, Action::HubEvent(Box::new(duress(7, 1003))));
    m.refresh_order();
    let strip = |m: &mut Model| screen(m, 200, 30).lines().nth(1).unwrap().to_string();
    let all = strip(&mut m);
    assert!(
        all.contains("6 sin atender") && all.contains("1 con coacción"),
        "{all}"
    );
    // "mine" is empty for this officer; the strip still speaks of the whole queue.
    update(&mut m, key(KeyCode::Char('v')));
    update(&mut m, key(KeyCode::Char('v')));
    m.refresh_order();
    assert!(m.list.order.is_empty());
    assert_eq!(strip(&mut m), all);
    // And under a search.
    m.list.filter = "1004".into();
    m.list.stale = true;
    m.refresh_order();
    assert_eq!(strip(&mut m), all);
}

#[test]
fn the_distance_is_from_the_consulate_that_has_the_case_to_where_the_person_is_now() {
    use crate::domain::event::LocationUpdated;
    let mut m = raid(Lang::En);
    let la = m
        .consulates
        .iter()
        .find(|c| c.id == "los-angeles")
        .unwrap()
        .clone();
    let mut moved = raised(20, 1001, AlertKind::Imminent, vec![]);
    moved.body = EventBody::LocationUpdated(LocationUpdated {
        alert_id: uuid::Uuid::from_u128(1001),
        location: crate::domain::alert::Location {
            lat: 33.7490,
            lon: -84.3880,
            accuracy_m: 10.0,
        },
        fixed_at: moved.at + Duration::minutes(1),
    });
    update(&mut m, Action::HubEvent(Box::new(moved)));
    m.refresh_order();
    let case = &m.cases[&1001];
    let expected = crate::domain::geo::distance_km(la.point(), case.location.point());
    assert!(
        expected > 2_500.0,
        "Atlanta is far from Los Angeles: {expected}"
    );
    assert_eq!(case.distance_km, expected);
}

#[test]
fn the_question_before_quitting_is_not_overwritten_by_the_outbox() {
    let mut m = raid(Lang::Es);
    m.outbox.waiting = 1;
    update(&mut m, key(KeyCode::Char('q')));
    assert_eq!(m.message, Some(Message::QuitWithWaiting(1)));
    update(
        &mut m,
        Action::Notice(crate::console::action::Notice::Held {
            case_id: 1001,
            kind: crate::domain::event::EventKind::CaseAcknowledged,
        }),
    );
    assert_eq!(m.message, Some(Message::QuitWithWaiting(1)));
    assert_eq!(update(&mut m, key(KeyCode::Char('q'))), vec![Command::Quit]);
}

#[test]
fn a_row_whose_action_has_not_reached_the_hub_says_sending() {
    let mut m = raid(Lang::Es);
    update(
        &mut m,
        Action::Outbox {
            waiting: vec![1002],
            refused: vec![],
        },
    );
    assert_eq!(m.outbox.waiting, 1);
    let row = |m: &mut Model| {
        screen(m, 200, 30)
            .lines()
            .find(|l| l.contains(" 1002 "))
            .unwrap()
            .to_string()
    };
    assert!(row(&mut m).contains("⧗ enviando"), "{}", row(&mut m));
    update(
        &mut m,
        Action::Outbox {
            waiting: vec![],
            refused: vec![],
        },
    );
    assert!(!row(&mut m).contains("⧗ enviando"));
}

#[test]
fn a_case_from_the_stream_is_read_whole_when_shown_and_says_so_meanwhile() {
    let mut m = officer(Lang::Es);
    let mut e = raised(1, 1001, AlertKind::Detained, vec![]);
    if let EventBody::AlertRaised(r) = &mut e.body {
        // As the stream carries it.
        r.registrant =
            crate::domain::privacy::withheld(&r.registrant, crate::domain::privacy::Reader::Owner);
    }
    update(&mut m, Action::HubEvent(Box::new(e)));
    m.refresh_order();
    let text = screen(&mut m, 160, 45);
    assert!(text.contains("cargando…"), "{text}");
    assert!(!text.contains("Nacimiento: desconocido"), "{text}");
    let commands = update(&mut m, Action::Tick(now()));
    assert!(commands.contains(&Command::FetchCase(1001)), "{commands:?}");
    // Read whole: the details show, and it is not read again.
    let whole =
        crate::domain::case::Case::open(&raised(1, 1001, AlertKind::Detained, vec![])).unwrap();
    let phone = whole.registrant.phone.clone();
    update(&mut m, Action::CaseLoaded(Box::new(whole)));
    let text = screen(&mut m, 160, 45);
    assert!(text.contains(&phone), "{text}");
    let commands = update(&mut m, Action::Tick(now()));
    assert!(
        !commands.contains(&Command::FetchCase(1001)),
        "{commands:?}"
    );
}

#[test]
fn an_erased_person_reads_as_erased_in_the_row_and_the_detail_and_is_not_fetched_again() {
    for (lang, said) in [
        (Lang::Es, "[datos eliminados]"),
        (Lang::En, "[data erased]"),
    ] {
        let mut m = officer(lang);
        let e = raised(1, 1001, AlertKind::Detained, vec![]);
        let e = crate::domain::erasure::event(&e).unwrap();
        update(&mut m, Action::HubEvent(Box::new(e)));
        m.refresh_order();
        let text = screen(&mut m, 160, 45);
        assert!(text.matches(said).count() >= 2, "row and detail: {text}");
        assert!(
            !text.contains("cargando") && !text.contains("loading"),
            "{text}"
        );
        let commands = update(&mut m, Action::Tick(now()));
        assert!(
            !commands.contains(&Command::FetchCase(1001)),
            "nothing more to read: {commands:?}"
        );
    }
}

#[test]
fn duress_beyond_the_pinned_rows_is_counted_while_out_of_view() {
    let mut m = raid(Lang::Es);
    for i in 0..20u64 {
        let e = raised(20 + i, 2001 + i, AlertKind::Imminent, vec![]);
        update(&mut m, Action::HubEvent(Box::new(e)));
    }
    for (i, id) in (1001..=1006).enumerate() {
        update(
            &mut m,
            Action::HubEvent(Box::new(duress(50 + i as u64, id))),
        );
    }
    m.refresh_order();
    let title = |m: &mut Model| screen(m, 80, 24).lines().nth(2).unwrap().to_string();
    // At 80×24 two duress rows are pinned; the window then starts on the next ones.
    let top = title(&mut m);
    assert_eq!(m.list.duress, 6);
    assert!(m.list.pinned < 6, "{}", m.list.pinned);
    // Scrolled to the bottom, every unpinned duress row is out of view and counted.
    update(&mut m, key(KeyCode::End));
    let bottom = title(&mut m);
    let hidden = 6 - m.list.pinned;
    assert!(
        bottom.contains(&format!("‼ {hidden} con coacción fuera de vista")),
        "{bottom}"
    );
    // At the top, the window shows some of them and counts only the rest.
    assert!(!top.contains(&format!("‼ {hidden} con")), "{top}");
}

#[test]
fn an_empty_list_is_a_quiet_night_only_when_the_hub_answered() {
    use crate::console::action::Connection;
    let mut m = crate::console::update::test_support::officer(Lang::Es);
    update(&mut m, Action::Connection(Connection::Connecting));
    let text = screen(&mut m, 100, 30);
    assert!(text.contains("aún no responde"), "{text}");
    assert!(!text.contains("Sin alertas"), "{text}");
    update(
        &mut m,
        Action::Connection(Connection::Refused("401 unauthorized".into())),
    );
    let text = screen(&mut m, 100, 30);
    assert!(text.contains("rechazó su clave de acceso"), "{text}");
    update(&mut m, Action::Connection(Connection::Live));
    assert!(screen(&mut m, 100, 30).contains("Sin alertas"));
}

#[test]
fn a_lawyer_is_offered_only_what_her_role_may_do() {
    let mut m = raid(Lang::Es);
    m.me.as_mut().unwrap().role = crate::domain::staff::Role::Lawyer;
    let hints = screen(&mut m, 160, 30);
    let last = hints.lines().last().unwrap().to_string();
    assert!(
        last.contains("n nota") && last.contains("c etapa"),
        "{last}"
    );
    for not_hers in ["a atender", "l asignar", "X cerrar", "I registrar"] {
        assert!(!last.contains(not_hers), "{not_hers}: {last}");
    }
    update(&mut m, key(KeyCode::Char(':')));
    let text = screen(&mut m, 160, 30);
    assert!(text.contains("nota N texto"), "{text}");
    for not_hers in [
        "atender N",
        "asignar N",
        "cerrar N",
        "llamada N",
        "redada N",
    ] {
        assert!(!text.contains(not_hers), "{not_hers}: {text}");
    }
}
