//! A console given several hubs says so when it moves between them, and only then.

use super::test_support::{officer, screen};
use super::{hub_changed, update};
use crate::console::action::{Action, Command, Connection, Notice};
use crate::i18n::Lang;

#[test]
fn moving_is_news_and_reconnecting_to_the_same_hub_is_not() {
    // The first connection, to the first hub: nothing to say.
    assert!(!hub_changed(None, 0));
    // The first hub was down at start.
    assert!(hub_changed(None, 1));
    assert!(hub_changed(Some(0), 1));
    assert!(hub_changed(Some(2), 0));
    assert!(!hub_changed(Some(1), 1));
}

#[test]
fn the_status_line_names_the_hub_the_console_moved_to() {
    let mut m = officer(Lang::Es);
    assert_eq!(update(&mut m, Action::Hub { index: 0, count: 3 }), vec![]);
    assert_eq!(m.notice, None);
    update(
        &mut m,
        Action::Connection(Connection::Reconnecting {
            attempt: 1,
            error: "connection refused".into(),
        }),
    );
    update(&mut m, Action::Hub { index: 1, count: 3 });
    // Back live on the new hub: the outbox sends there at once.
    assert_eq!(
        update(&mut m, Action::Connection(Connection::Live)),
        vec![Command::FlushOutbox]
    );
    assert_eq!(m.hub, Some(1));
    assert_eq!(m.notice, Some(Notice::OnHub { number: 2, of: 3 }));
    assert!(
        screen(&mut m, 100, 24).contains("conectado al servidor 2 de 3"),
        "{}",
        screen(&mut m, 100, 24)
    );
    m.lang = Lang::En;
    assert!(screen(&mut m, 100, 24).contains("connected to hub 2 of 3"));

    // The stream drops and comes back on the same hub: the line is left to other news.
    m.notice = None;
    update(&mut m, Action::Hub { index: 1, count: 3 });
    assert_eq!(m.notice, None);
}
