//! What the console's `update` tests share: keys, typing, a drawn screen, and a Los Angeles
//! duty officer at 02:01 local time (10:01 UTC) with the real consulate list.

use chrono::{Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::update;
use crate::console::action::Action;
use crate::console::model::Model;
use crate::domain::staff::{Role, StaffInfo};
use crate::i18n::Lang;

pub fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn typed(m: &mut Model, text: &str) {
    for c in text.chars() {
        update(m, key(KeyCode::Char(c)));
    }
}

/// The screen drawn at `width` × `height`, one line per row.
pub fn screen(m: &mut Model, width: u16, height: u16) -> String {
    crate::console::app::draw_to_text(m, width, height)
}

pub fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 1, 0).unwrap()
}

/// Lucía Ramírez, duty officer in Los Angeles, with the shipped consulates loaded.
pub fn officer(lang: Lang) -> Model {
    let mut m = Model::new(lang, false, Duration::minutes(5), now());
    m.consulates = crate::domain::consulate::parse_csv(crate::config::BUILTIN_CONSULATES).unwrap();
    m.me = Some(StaffInfo {
        id: 7,
        name: "Lucía Ramírez".into(),
        role: Role::Officer,
        consulate: Some("los-angeles".into()),
        token_expires_at: None,
    });
    m
}
