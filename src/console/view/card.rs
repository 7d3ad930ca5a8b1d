//! The jurisdiction card in a case's detail: where the person is held and what follows from
//! it, the transfer alarm first (it is what a lawyer must act on).

use ratatui::text::{Line, Span};

use super::clean;
use super::theme::Theme;
use crate::console::model::Model;
use crate::i18n::jurisdiction::{self as words, J};

pub(super) fn card<'a>(model: &Model, case_id: u64, theme: Theme, lines: &mut Vec<Line<'a>>) {
    let Some(c) = model.cards.get(&case_id) else {
        return;
    };
    let lang = model.lang;
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        words::j(lang, J::Title),
        theme.title(),
    )));
    for l in words::alarm_lines(lang, c) {
        lines.push(Line::from(Span::styled(clean(&l), theme.warn())));
    }
    for l in words::lines(lang, c, |id| model.consulate_name(id)) {
        lines.push(Line::from(format!("  {}", clean(&l))));
    }
}
