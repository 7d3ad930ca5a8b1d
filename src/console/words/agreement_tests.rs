//! Spanish as a consular officer writes it: words agree with their numbers and genders, one
//! term per concept. Each case here was once on screen wrong.

use super::{field_problem, stage};
use crate::domain::backlog::Stage;
use crate::domain::validate::FieldCode;
use crate::i18n::Lang;

#[test]
fn stage_words_agree_with_their_count_and_new_means_unattended_everywhere() {
    assert_eq!(stage(Lang::Es, Stage::Acknowledged, 1), "atendido");
    assert_eq!(stage(Lang::Es, Stage::Acknowledged, 3), "atendidos");
    assert_eq!(
        stage(Lang::Es, Stage::Cancelled, 1),
        "cancelado desde el teléfono"
    );
    // Invariable, so "1 con detención confirmada" and "5 con detención confirmada" both read.
    assert_eq!(
        stage(Lang::Es, Stage::Detained, 1),
        stage(Lang::Es, Stage::Detained, 5)
    );
    // The counts strip and the status column say "sin atender": so does the backlog.
    assert_eq!(stage(Lang::Es, Stage::New, 2), "sin atender");
    assert!(crate::console::words::strip::unattended(Lang::Es, 2).ends_with("sin atender"));
}

#[test]
fn a_missing_field_is_said_without_a_gender_to_get_wrong() {
    // Not "Autoridad es obligatorio" nor "Nota es obligatorio".
    for field in ["authority", "text"] {
        let said = field_problem(Lang::Es, field, FieldCode::Required, "");
        assert!(said.ends_with("dato obligatorio"), "{said}");
        assert!(!said.contains(" es obligatori"), "{said}");
    }
    let future = field_problem(Lang::Es, "at", FieldCode::InFuture, "");
    assert!(future.contains("no puede ser una fecha futura"), "{future}");
}

#[test]
fn dates_are_written_as_spanish_writes_their_pattern() {
    assert_eq!(
        crate::i18n::t(Lang::Es, crate::i18n::Text::DateFormat),
        "AAAA-MM-DD"
    );
    assert_eq!(
        crate::i18n::t(Lang::En, crate::i18n::Text::DateFormat),
        "YYYY-MM-DD"
    );
}
