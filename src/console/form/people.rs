//! The people pickers: lawyers ranked for the case, with how well each fits.

use super::PickItem;
use crate::domain::case::Case;
use crate::domain::staff::{LawyerInfo, rank_lawyers};
use crate::i18n::{Lang, casework};

pub(super) fn lawyer_items(case: &Case, lawyers: &[LawyerInfo], lang: Lang) -> Vec<PickItem> {
    let mut ranked = lawyers.to_vec();
    let language = case.registrant.language.as_str();
    rank_lawyers(&mut ranked, &case.consulate, language);
    ranked
        .into_iter()
        .map(|l| {
            let fit = l.fit(&case.consulate, language);
            let mark = |ok: bool| if ok { "✓" } else { "✗" };
            let detail = format!(
                "{} {}  {} {}  {}/{}",
                mark(fit.serves),
                casework::word(lang, "serves_here"),
                mark(fit.speaks),
                crate::i18n::language_name(lang, language).unwrap_or(language),
                l.open_cases,
                l.capacity
            );
            PickItem {
                key: l.id.to_string(),
                search: format!("{} {}", l.serves.join(" "), l.languages.join(" ")),
                label: l.name,
                detail,
            }
        })
        .collect()
}
