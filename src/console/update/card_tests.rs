//! The jurisdiction card in the open case: the transfer alarm and what it costs first, then
//! the county, the district's consulate, the courts in words, the custodian and the rules.

use crossterm::event::KeyCode;

use super::test_support::{key, now, officer, screen};
use super::update;
use crate::console::action::Action;
use crate::domain::jurisdiction::Jurisdictions;
use crate::domain::jurisdiction::rules::Rules;
use crate::domain::jurisdiction::tests::moves::moved_to_karnes;
use crate::i18n::Lang;

fn opened(lang: Lang) -> String {
    let mut m = officer(lang);
    let case = moved_to_karnes(1001);
    let card = Jurisdictions::builtin().case_card(
        &case,
        &|code| crate::domain::facility::Registry::default().held(code),
        &m.consulates,
        Rules::builtin(),
        now().date_naive(),
    );
    update(&mut m, Action::CaseLoaded(Box::new(case)));
    update(&mut m, Action::CardLoaded(1001, Box::new(card)));
    update(&mut m, Action::Tick(now()));
    m.refresh_order();
    update(&mut m, key(KeyCode::Enter));
    screen(&mut m, 160, 80)
}

#[test]
fn the_open_case_shows_the_transfer_alarm_and_the_card_in_spanish() {
    let text = opened(Lang::Es);
    assert!(text.contains("ALERTA DE TRASLADO"), "{text}");
    assert!(
        text.contains("  circuito: Noveno Circuito → Quinto Circuito"),
        "{text}"
    );
    assert!(
        text.contains("Se pierde la vía de fianza en el Quinto Circuito"),
        "{text}"
    );
    assert!(
        text.contains("Distrito Oeste de Texas / Quinto Circuito"),
        "{text}"
    );
    assert!(text.contains("Condado: Karnes, TX"), "{text}");
}

#[test]
fn the_open_case_shows_the_card_in_english() {
    let text = opened(Lang::En);
    assert!(text.contains("TRANSFER ALARM"), "{text}");
    assert!(
        text.contains("The habeas pending in the Central District of California must be filed again in the Western District of Texas"),
        "{text}"
    );
    assert!(
        text.contains("Western District of Texas / Fifth Circuit"),
        "{text}"
    );
}
