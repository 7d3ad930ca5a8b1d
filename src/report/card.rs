//! The jurisdiction card in an exported record: derived from the sealed case itself (its
//! placements), the tables and facility list this program ships and the seal's date, so that
//! checking the export later draws the same lines. The hub's own card (`GET /v1/cases/{id}/
//! jurisdiction`) also knows facilities staff recorded; the export names only shipped ones.

use chrono::{DateTime, Utc};

use crate::domain::case::Case;
use crate::domain::jurisdiction::Jurisdictions;
use crate::domain::jurisdiction::rules::Rules;
use crate::i18n::Lang;
use crate::i18n::jurisdiction::{self as words, J};

pub fn markdown(case: &Case, lang: Lang, at: DateTime<Utc>) -> String {
    let consulates = crate::config::builtin_consulates();
    let zone = crate::domain::consulate::zone_of(consulates, &case.consulate);
    let card = Jurisdictions::builtin().case_card(
        case,
        &|code| crate::domain::facility::Registry::default().held(code),
        consulates,
        Rules::builtin(),
        at.with_timezone(&zone).date_naive(),
    );
    let mut out = format!("## {}\n\n", words::j(lang, J::Title));
    for l in words::alarm_lines(lang, &card) {
        out.push_str(&format!("- {}\n", super::md(l.trim())));
    }
    let name = |id: &str| {
        consulates
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_string(), |c| c.label())
    };
    for l in words::lines(lang, &card, name) {
        out.push_str(&format!("- {}\n", super::md(&l)));
    }
    out.push('\n');
    out
}
