//! The rules that follow from a card, as dated rows with their sources
//! (`config/jurisdiction/rules.csv`, `post_order.csv`), never as `if`s on a circuit's number:
//! whether a bond hearing is open to a person's entry category in a circuit, where habeas is
//! filed, the clocks after a final order, and what a transfer costs.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::Card;
use crate::domain::case::{Case, CheckpointRecord};
use crate::domain::checkpoint::CheckpointCode;

const RULES: &str = include_str!("../../../config/jurisdiction/rules.csv");
const POST_ORDER: &str = include_str!("../../../config/jurisdiction/post_order.csv");

/// One decided rule: what holds, where, for whom, since when, on whose authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// `bond`, `habeas_venue`.
    pub rule: String,
    /// The circuit it binds (`*`: everywhere).
    pub circuit: String,
    /// Whom it concerns (`entry_without_inspection`, as a bond-ineligibility checkpoint names it; `*`: everyone).
    pub applies_to: String,
    /// What it holds (`no_bond_hearing`, `district_of_confinement`).
    pub holds: String,
    pub decided_on: NaiveDate,
    pub citation: String,
    pub source_url: String,
}

/// A clock after a final order: so many days from it, on whose authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    /// `order_final_unappealed`, `order_final_in_absentia`, `removal_period_ends`,
    /// `custody_review`, `presumptive_limit`.
    pub clock: String,
    pub days: i64,
    pub citation: String,
    pub source_url: String,
}

/// A clock's date for one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    pub clock: Clock,
    pub on: NaiveDate,
}

pub struct Rules {
    pub rules: Vec<Rule>,
    pub clocks: Vec<Clock>,
}

impl Rules {
    pub fn builtin() -> &'static Rules {
        static R: std::sync::OnceLock<Rules> = std::sync::OnceLock::new();
        R.get_or_init(|| Rules::parse(RULES, POST_ORDER).expect("the shipped rules read"))
    }

    pub fn parse(rules: &str, clocks: &str) -> Result<Rules, String> {
        let read = |text: &str, file: &str| -> Result<Vec<csv::StringRecord>, String> {
            csv::Reader::from_reader(text.as_bytes())
                .records()
                .collect::<Result<_, _>>()
                .map_err(|e| format!("{file}: {e}"))
        };
        let rules = read(rules, "rules.csv")?
            .iter()
            .map(|r| {
                Ok(Rule {
                    rule: r[0].into(),
                    circuit: r[1].into(),
                    applies_to: r[2].into(),
                    holds: r[3].into(),
                    decided_on: r[4]
                        .parse()
                        .map_err(|_| format!("rules.csv: decided_on {}", &r[4]))?,
                    citation: r[5].into(),
                    source_url: r[6].into(),
                })
            })
            .collect::<Result<_, String>>()?;
        let clocks = read(clocks, "post_order.csv")?
            .iter()
            .map(|r| {
                Ok(Clock {
                    clock: r[0].into(),
                    days: r[1]
                        .parse()
                        .map_err(|_| format!("post_order.csv: days {}", &r[1]))?,
                    citation: r[2].into(),
                    source_url: r[3].into(),
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Rules { rules, clocks })
    }

    /// The newest rule of this kind binding `circuit` for `who`.
    pub fn binding(&self, rule: &str, circuit: &str, who: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .filter(|r| r.rule == rule)
            .filter(|r| r.circuit == "*" || r.circuit == circuit)
            .filter(|r| r.applies_to == "*" || r.applies_to == who)
            .max_by_key(|r| r.decided_on)
    }

    fn clock(&self, name: &str) -> Option<&Clock> {
        self.clocks.iter().find(|c| c.clock == name)
    }

    /// When the removal order became final, if the case says enough: made in absentia, or not
    /// appealed to the Board in time. An order appealed waits for the Board.
    pub fn final_order(&self, case: &Case) -> Option<NaiveDate> {
        let order = latest(case, CheckpointCode::RemovalOrder)?;
        let decided: NaiveDate = order.fields.get("decided_on")?.parse().ok()?;
        let appealed = case.checkpoints.iter().any(|c| {
            c.seq > order.seq
                && c.code == CheckpointCode::AppealFiled
                && c.fields.get("forum").is_none_or(|f| f == "board")
        });
        let absentia = order.fields.get("in_absentia").is_some_and(|v| v == "yes");
        let clock = if absentia {
            self.clock("order_final_in_absentia")?
        } else if appealed {
            return None;
        } else {
            self.clock("order_final_unappealed")?
        };
        Some(decided + Duration::days(clock.days))
    }

    /// The custody clocks from the final order: the end of the removal period, the custody
    /// review and the six-month mark. None before the order is final on `today` (it may yet be
    /// appealed), nor while the person is released or removed.
    pub fn post_order(&self, case: &Case, today: NaiveDate) -> Vec<Due> {
        let Some(final_on) = self.final_order(case).filter(|d| *d <= today) else {
            return Vec::new();
        };
        let out_of_custody = [CheckpointCode::Released, CheckpointCode::Removed]
            .into_iter()
            .any(|code| latest(case, code).is_some());
        if out_of_custody {
            return Vec::new();
        }
        ["removal_period_ends", "custody_review", "presumptive_limit"]
            .into_iter()
            .filter_map(|name| self.clock(name))
            .map(|c| Due {
                clock: c.clone(),
                on: final_on + Duration::days(c.days),
            })
            .collect()
    }
}

fn latest(case: &Case, code: CheckpointCode) -> Option<&CheckpointRecord> {
    case.checkpoints.iter().rev().find(|c| c.code == code)
}

/// The person's entry category as the case records it (a bond-ineligibility's basis).
pub fn entry_of(case: &Case) -> Option<&str> {
    latest(case, CheckpointCode::BondIneligible)?
        .fields
        .get("basis")
        .map(String::as_str)
}

/// What changed between two places a person was held in, and what it costs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    pub changed: Vec<Changed>,
    pub costs: Vec<Cost>,
}

/// A place's name in both languages, with its code (`cacd`, `9`, `Los Angeles`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub code: String,
    pub en: String,
    pub es: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Changed {
    Circuit { from: Label, to: Label },
    District { from: Label, to: Label },
    FieldOffice { from: Label, to: Label },
    Court { from: Label, to: Label },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "cost", rename_all = "snake_case")]
pub enum Cost {
    /// The new circuit holds no bond hearing for this person's entry category.
    BondRouteLost { circuit: Label, rule: Rule },
    /// A habeas petition filed where the person was must be filed again where they are.
    HabeasRefile { from: Label, to: Label, rule: Rule },
}

fn circuit_label(c: &Card) -> Option<Label> {
    c.circuit.as_ref().map(|c| Label {
        code: c.value.id.clone(),
        en: c.value.name_en.clone(),
        es: c.value.name_es.clone(),
    })
}

fn district_label(c: &Card) -> Option<Label> {
    c.district.as_ref().map(|d| Label {
        code: d.value.code.clone(),
        en: d.value.name_en.clone(),
        es: d.value.name_es.clone(),
    })
}

fn plain(name: Option<&String>) -> Option<Label> {
    name.map(|n| Label {
        code: n.clone(),
        en: n.clone(),
        es: n.clone(),
    })
}

impl Rules {
    /// The alarm of a move from `before` to `after` for `case`, if anything that decides the
    /// person's remedies changed.
    pub fn transfer_alarm(&self, case: &Case, before: &Card, after: &Card) -> Option<Alarm> {
        let mut changed = Vec::new();
        let mut push = |from: Option<Label>, to: Option<Label>, f: fn(Label, Label) -> Changed| {
            if let (Some(from), Some(to)) = (from, to)
                && from.code != to.code
            {
                changed.push(f(from, to));
            }
        };
        push(circuit_label(before), circuit_label(after), |from, to| {
            Changed::Circuit { from, to }
        });
        push(district_label(before), district_label(after), |from, to| {
            Changed::District { from, to }
        });
        push(
            plain(before.field_office.as_ref().map(|o| &o.value)),
            plain(after.field_office.as_ref().map(|o| &o.value)),
            |from, to| Changed::FieldOffice { from, to },
        );
        push(
            plain(before.immigration_court.as_ref()),
            plain(after.immigration_court.as_ref()),
            |from, to| Changed::Court { from, to },
        );
        if changed.is_empty() {
            return None;
        }
        let mut costs = Vec::new();
        let who = entry_of(case).unwrap_or("");
        if let (Some(from), Some(to)) = (circuit_label(before), circuit_label(after)) {
            let closed = |c: &str| {
                self.binding("bond", c, who)
                    .filter(|r| r.holds == "no_bond_hearing")
            };
            if let (None, Some(rule)) = (closed(&from.code), closed(&to.code)) {
                costs.push(Cost::BondRouteLost {
                    circuit: to,
                    rule: rule.clone(),
                });
            }
        }
        let habeas = latest(case, CheckpointCode::HabeasFiled).is_some()
            && latest(case, CheckpointCode::HabeasDecided).is_none();
        let circuit = circuit_label(after).map(|c| c.code).unwrap_or_default();
        if habeas
            && let (Some(from), Some(to)) = (district_label(before), district_label(after))
            && from.code != to.code
            && let Some(rule) = self.binding("habeas_venue", &circuit, "*")
        {
            costs.push(Cost::HabeasRefile {
                from,
                to,
                rule: rule.clone(),
            });
        }
        Some(Alarm { changed, costs })
    }
}
