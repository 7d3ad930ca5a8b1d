//! The jurisdiction card in words: where a person is held, which courts and offices that
//! means, the rules that bind there and what a transfer cost.

use super::Lang;
use crate::domain::jurisdiction::rules::{Changed, Cost, Label};
use crate::domain::jurisdiction::{Card, CaseCard};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum J {
    Title,
    HeldAt,
    AlertPlace,
    County,
    Consulate,
    NotVerified,
    FieldOffice,
    Courts,
    Custodian,
    Bond,
    Habeas,
    Clocks,
    Alarm,
    Unknown,
    Interpreter,
}

pub fn j(lang: Lang, phrase: J) -> &'static str {
    use J::*;
    match phrase {
        Title => lang.pick("Jurisdicción", "Jurisdiction"),
        HeldAt => lang.pick("donde está detenida la persona", "where the person is held"),
        AlertPlace => lang.pick("donde se dio la alerta", "where the alert came from"),
        County => lang.pick("Condado", "County"),
        Consulate => lang.pick("Circunscripción consular", "Consular district"),
        NotVerified => lang.pick(
            "sin verificar: el consulado más cercano",
            "not verified: the nearest consulate",
        ),
        FieldOffice => lang.pick("Oficina de ICE", "ICE field office"),
        Courts => lang.pick("Tribunal federal", "Federal court"),
        Custodian => lang.pick(
            "Custodio (demandado en el hábeas)",
            "Custodian (habeas respondent)",
        ),
        Bond => lang.pick("Fianza", "Bond"),
        Habeas => lang.pick("Hábeas", "Habeas"),
        Clocks => lang.pick("Plazos tras la orden final", "Clocks after the final order"),
        Alarm => lang.pick("ALERTA DE TRASLADO", "TRANSFER ALARM"),
        Unknown => lang.pick("se desconoce", "unknown"),
        Interpreter => lang.pick("Intérprete", "Interpreter"),
    }
}

/// The heading of the figures' interpreter counts.
pub fn interpreters(lang: Lang) -> &'static str {
    lang.pick(
        "Casos que necesitaron intérprete, por idioma",
        "Cases that needed an interpreter, by language",
    )
}

/// A court language code as a person reads it: "mixteco (MIX)".
pub fn language(lang: Lang, code: &str) -> String {
    crate::domain::jurisdiction::languages::Languages::builtin()
        .get(code)
        .map_or_else(|| code.to_string(), |l| l.label(lang == Lang::Es))
}

fn name(lang: Lang, l: &Label) -> &str {
    lang.pick_of(&l.es, &l.en)
}

/// "Distrito Central de California / Noveno Circuito".
pub fn courts(lang: Lang, card: &Card) -> String {
    let district = card
        .district
        .as_ref()
        .map(|d| lang.pick_of(&d.value.name_es, &d.value.name_en).to_string());
    let circuit = card
        .circuit
        .as_ref()
        .map(|c| lang.pick_of(&c.value.name_es, &c.value.name_en).to_string());
    match (district, circuit) {
        (Some(d), Some(c)) => format!("{d} / {c}"),
        (Some(x), None) | (None, Some(x)) => x,
        (None, None) => j(lang, J::Unknown).to_string(),
    }
}

/// What a bond or habeas rule holds, in words.
pub fn holds(lang: Lang, holds: &str) -> &'static str {
    match holds {
        "no_bond_hearing" => lang.pick(
            "sin audiencia de fianza para esta forma de entrada",
            "no bond hearing for this way of entry",
        ),
        "district_of_confinement" => lang.pick(
            "se presenta en el distrito de reclusión, contra quien tiene a la persona",
            "filed in the district of confinement, against the custodian",
        ),
        _ => lang.pick("ver la fuente", "see the source"),
    }
}

/// A post-order clock's name: the words its deadline has everywhere else.
pub fn clock(lang: Lang, clock: &str) -> &'static str {
    use crate::domain::deadline::DeadlineKind as K;
    let kind = match clock {
        "removal_period_ends" => K::RemovalPeriodEnds,
        "custody_review" => K::CustodyReview,
        "presumptive_limit" => K::PresumptiveLimit,
        _ => return lang.pick("plazo", "clock"),
    };
    super::casework::deadline(lang, kind)
}

pub fn changed(lang: Lang, c: &Changed) -> String {
    let (what, from, to) = match c {
        Changed::Circuit { from, to } => (lang.pick("circuito", "circuit"), from, to),
        // Not "distrito federal", which in Mexico names the capital.
        Changed::District { from, to } => (
            lang.pick("distrito judicial federal", "federal judicial district"),
            from,
            to,
        ),
        Changed::FieldOffice { from, to } => {
            (lang.pick("oficina de ICE", "ICE field office"), from, to)
        }
        Changed::Court { from, to } => (
            lang.pick("tribunal de inmigración", "immigration court"),
            from,
            to,
        ),
    };
    format!("{what}: {} → {}", name(lang, from), name(lang, to))
}

pub fn cost(lang: Lang, c: &Cost) -> String {
    match c {
        Cost::BondRouteLost { circuit, rule } => format!(
            "{} {} ({}, {})",
            lang.pick(
                "Se pierde la vía de fianza en el",
                "The bond route is lost in the"
            ),
            name(lang, circuit),
            rule.citation,
            rule.decided_on.format("%Y-%m-%d")
        ),
        Cost::HabeasRefile { from, to, rule } => format!(
            "{} {} {} {} ({})",
            lang.pick("El hábeas pendiente en el", "The habeas pending in the"),
            name(lang, from),
            lang.pick(
                "debe presentarse de nuevo en el",
                "must be filed again in the"
            ),
            name(lang, to),
            rule.citation
        ),
    }
}

/// The card as lines of text (`label: value`), for the console and the export.
pub fn lines(lang: Lang, c: &CaseCard, consulate_name: impl Fn(&str) -> String) -> Vec<String> {
    let card = &c.card;
    let mut out = Vec::new();
    let whose = j(lang, if c.held { J::HeldAt } else { J::AlertPlace });
    let county = card.county.as_ref().map_or_else(
        || j(lang, J::Unknown).to_string(),
        |k| format!("{}, {}", k.name, k.state),
    );
    out.push(format!("{}: {county} ({whose})", j(lang, J::County)));
    let consulate = card
        .consulate
        .as_deref()
        .map_or_else(|| j(lang, J::Unknown).to_string(), &consulate_name);
    let verified = if card.consulate_verified {
        String::new()
    } else {
        format!(" · {}", j(lang, J::NotVerified))
    };
    out.push(format!("{}: {consulate}{verified}", j(lang, J::Consulate)));
    if let Some(o) = &card.field_office {
        out.push(format!("{}: {}", j(lang, J::FieldOffice), o.value));
    }
    out.push(format!("{}: {}", j(lang, J::Courts), courts(lang, card)));
    if let Some(who) = &card.custodian {
        out.push(format!("{}: {who}", j(lang, J::Custodian)));
    }
    if let Some(code) = &c.interpreter {
        out.push(format!(
            "{}: {}",
            j(lang, J::Interpreter),
            language(lang, code)
        ));
    }
    if let Some(r) = &c.bond {
        out.push(format!(
            "{}: {} ({}, {})",
            j(lang, J::Bond),
            holds(lang, &r.holds),
            r.citation,
            r.decided_on.format("%Y-%m-%d")
        ));
    }
    if let Some(r) = &c.habeas {
        out.push(format!(
            "{}: {} ({})",
            j(lang, J::Habeas),
            holds(lang, &r.holds),
            r.citation
        ));
    }
    for d in &c.post_order {
        out.push(format!(
            "{}: {} {} ({})",
            j(lang, J::Clocks),
            clock(lang, &d.clock.clock),
            d.on.format("%Y-%m-%d"),
            d.clock.citation
        ));
    }
    out
}

/// The alarm as lines: what changed, then what it costs.
pub fn alarm_lines(lang: Lang, c: &CaseCard) -> Vec<String> {
    let Some(a) = &c.alarm else {
        return Vec::new();
    };
    let mut out = vec![format!("⚠ {}", j(lang, J::Alarm))];
    out.extend(a.changed.iter().map(|c| format!("  {}", changed(lang, c))));
    out.extend(a.costs.iter().map(|c| format!("  {}", cost(lang, c))));
    out
}
