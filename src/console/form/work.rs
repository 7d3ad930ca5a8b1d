//! Protection work in a form: the `p` menu of tasks, then each task's picker (a facility, a
//! planned visit, an incident, a colleague, a shift) and fields, and the [`WorkCommand`]
//! they describe. Plain data, as the rest of the form; the keys are in `update/protection.rs`.

use chrono::{DateTime, Duration, NaiveTime, Utc};

use super::parse::{interviews, parse_cases, tokens, weekdays};
use super::{Form, FormKind, Input, PickItem, Picker, choices_hint, editor, note_input};
use crate::console::records::ShiftPanel;
use crate::domain::command::Refusal;
use crate::domain::facility::Registry;
use crate::domain::geo::Point;
use crate::domain::roster::ShiftRequest;
use crate::domain::staff::Role;
use crate::domain::validate::{FieldCode, FieldError};
use crate::domain::visit::{PlanRequest, VisitRequest};
use crate::domain::work::{WorkCommand, WorkVerb};
use crate::i18n::work::{W, w};
use crate::i18n::{Lang, casework};

/// The tasks in the menu, in the order offered.
const TASKS: &[WorkVerb] = &[
    WorkVerb::LogVisit,
    WorkVerb::PlanVisit,
    WorkVerb::CancelPlan,
    WorkVerb::OpenIncident,
    WorkVerb::AddToIncident,
    WorkVerb::NameIncident,
    WorkVerb::SetShift,
    WorkVerb::RemoveShift,
];

/// The picker key of a planned visit, beside facility codes (which are letters and digits).
const PLAN: &str = "plan:";

/// What the task forms are filled from: what the shift tab loaded, the registry, the consulate.
pub struct WorkContext<'a> {
    pub panel: Option<&'a ShiftPanel>,
    pub registry: &'a Registry,
    /// The consulate's place: facilities nearest to it first.
    pub near: Option<Point>,
    pub my_name: &'a str,
    pub now: DateTime<Utc>,
}

fn line(name: &'static str, text: &str, required: bool, hint: String) -> Input {
    Input {
        name,
        editor: editor(text),
        pristine: true,
        multiline: false,
        required,
        hint,
        choices: Vec::new(),
    }
}

fn item(key: String, label: String, detail: String) -> PickItem {
    PickItem {
        key,
        label,
        detail,
        search: String::new(),
    }
}

fn bad(name: &str, code: FieldCode) -> Refusal {
    Refusal::Invalid(FieldError::new(name, code, ""))
}

/// The hub's (and the domain's) field names carry an index (`roster[3]`); the form has one
/// input per list.
fn to_input(e: FieldError) -> Refusal {
    let name = e.field.split('[').next().unwrap_or(&e.field).to_string();
    Refusal::Invalid(FieldError { field: name, ..e })
}

impl Form {
    /// The `p` menu: the tasks this role may do.
    pub fn work_menu(role: Role, lang: Lang, zone: chrono_tz::Tz) -> Form {
        let mut form = Form::blank(FormKind::WorkMenu);
        form.zone = zone;
        let items = TASKS
            .iter()
            .filter(|t| crate::domain::command::role_may_work(role, **t))
            .map(|t| {
                item(
                    task_key(*t).into(),
                    w(lang, W::Work(*t)).into(),
                    String::new(),
                )
            })
            .collect();
        form.picker = Some(Picker::new(items));
        form
    }

    /// A task chosen from the menu: its picker, or its fields.
    pub fn begin_work(&mut self, task: WorkVerb, ctx: &WorkContext<'_>, lang: Lang) {
        self.kind = FormKind::Work(task);
        self.picker = None;
        self.chosen = None;
        self.focus = 0;
        let panel = ctx.panel;
        let plans = || panel.map(|p| p.plans.as_slice()).unwrap_or_default();
        let plan_item = |p: &crate::domain::visit::PlannedVisit| PickItem {
            key: format!("{PLAN}{}", p.id),
            label: format!(
                "{} {} · {}",
                w(lang, W::Planned),
                p.planned_on,
                p.facility_name
            ),
            detail: p.staff.join(", "),
            // The plan's facility, for the visit that carries it out.
            search: p.facility.clone(),
        };
        let incidents = || {
            panel
                .map(|p| p.incidents.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|i| {
                    let t = &i.tally;
                    let name = if i.incident.name.is_empty() {
                        crate::i18n::work::tally(
                            lang,
                            t.alerts,
                            t.detained,
                            t.released,
                            t.with_lawyer,
                        )
                    } else {
                        i.incident.name.clone()
                    };
                    PickItem {
                        key: i.incident.id.to_string(),
                        label: format!("#{} · {name}", i.incident.id),
                        detail: String::new(),
                        // Its name as given, to start renaming from.
                        search: i.incident.name.clone(),
                    }
                })
                .collect::<Vec<_>>()
        };
        let duty = panel.and_then(|p| p.duty.as_ref());
        let items: Option<Vec<PickItem>> = match task {
            WorkVerb::PlanVisit => Some(self.facility_list(ctx)),
            WorkVerb::LogVisit => {
                let mut items: Vec<PickItem> = plans().iter().map(plan_item).collect();
                items.extend(self.facility_list(ctx));
                Some(items)
            }
            WorkVerb::CancelPlan => Some(plans().iter().map(plan_item).collect()),
            WorkVerb::NameIncident | WorkVerb::AddToIncident => Some(incidents()),
            WorkVerb::SetShift => Some(
                duty.map(|d| d.staff.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .map(|(id, name)| item(id.to_string(), name.clone(), String::new()))
                    .collect(),
            ),
            WorkVerb::RemoveShift => Some(
                duty.map(|d| d.shifts.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .map(|(id, s)| {
                        item(
                            id.to_string(),
                            s.name.clone(),
                            crate::i18n::work::shift_words(lang, &s.when, self.zone),
                        )
                    })
                    .collect(),
            ),
            // Cases are typed, not picked; the tasks with no form here (the registry is kept
            // from the hub's API) never reach this.
            _ => None,
        };
        match items {
            Some(items) => self.picker = Some(Picker::new(items)),
            None => self.fields(task, ctx, lang, None),
        }
    }

    fn facility_list(&self, ctx: &WorkContext<'_>) -> Vec<PickItem> {
        ctx.registry
            .search("", ctx.near, usize::MAX)
            .into_iter()
            .map(|f| PickItem {
                key: f.facility.code.clone(),
                label: f.facility.label(),
                detail: f.km.map(|k| format!("{k:.0} km")).unwrap_or_default(),
                search: format!("{} {}", f.facility.code, f.facility.field_office),
            })
            .collect()
    }

    /// A choice in a task's picker: the task's fields, or (cancelling a plan, taking a shift
    /// off) the command itself, which needs nothing more.
    pub fn chose_for_work(
        &mut self,
        item: PickItem,
        ctx: &WorkContext<'_>,
        lang: Lang,
    ) -> Option<WorkCommand> {
        let task = self.kind.work()?;
        self.picker = None;
        let number = item.key.trim_start_matches(PLAN).parse::<u64>().ok();
        let command = match (task, number) {
            (WorkVerb::CancelPlan, Some(plan_id)) => Some(WorkCommand::CancelPlan { plan_id }),
            (WorkVerb::RemoveShift, Some(shift_id)) => Some(WorkCommand::RemoveShift { shift_id }),
            _ => None,
        };
        if command.is_none() {
            self.fields(task, ctx, lang, Some(&item));
        }
        self.chosen = Some(item);
        command
    }

    /// Puts a kept draft back: the picker's choice again (never one that sends at once), then
    /// what was typed.
    pub fn apply_work_draft(
        &mut self,
        draft: &crate::console::records::FormDraft,
        ctx: &WorkContext<'_>,
        lang: Lang,
    ) {
        if let (Some(key), Some(picker)) = (&draft.chosen, &self.picker) {
            let item = picker.items.iter().find(|i| &i.key == key).cloned();
            if let Some(item) = item
                && !matches!(
                    self.kind.work(),
                    Some(WorkVerb::CancelPlan | WorkVerb::RemoveShift)
                )
            {
                self.chose_for_work(item, ctx, lang);
            }
        }
        for (name, text) in &draft.fields {
            if let Some(input) = self.inputs.iter_mut().find(|i| i.name == name) {
                input.editor = editor(text);
                // What the person typed before: kept, not replaced by the next key.
                input.pristine = false;
            }
        }
    }

    /// The fields of a task, prefilled from what was chosen.
    fn fields(
        &mut self,
        task: WorkVerb,
        ctx: &WorkContext<'_>,
        lang: Lang,
        chose: Option<&PickItem>,
    ) {
        let today = crate::domain::time::local_date(ctx.now, self.zone);
        let date_hint = || crate::i18n::t(lang, crate::i18n::Text::DateFormat).to_string();
        let plan = chose
            .and_then(|i| i.key.strip_prefix(PLAN))
            .and_then(|id| id.parse::<u64>().ok())
            .and_then(|id| ctx.panel?.plans.iter().find(|p| p.id == id));
        let staff = plan.map_or(ctx.my_name.to_string(), |p| p.staff.join(", "));
        let cases = || line("cases", "", true, w(lang, W::CasesHint).into());
        self.inputs = match task {
            WorkVerb::PlanVisit => vec![
                line(
                    "planned_on",
                    &(today + Duration::days(1)).to_string(),
                    true,
                    date_hint(),
                ),
                line("staff", &staff, false, w(lang, W::StaffHint).into()),
                note_input("note", false),
            ],
            WorkVerb::LogVisit => vec![
                line("visited_on", &today.to_string(), true, date_hint()),
                line("staff", &staff, false, w(lang, W::StaffHint).into()),
                line("interviewed", "", false, w(lang, W::InterviewedHint).into()),
                line("roster", "", false, w(lang, W::RosterHint).into()),
                line("conditions", "", false, String::new()),
                note_input("complaints", false),
            ],
            WorkVerb::OpenIncident => {
                vec![cases(), line("incident_name", "", false, String::new())]
            }
            WorkVerb::AddToIncident => vec![cases()],
            WorkVerb::NameIncident => {
                let now = chose.map(|i| i.search.as_str()).unwrap_or("");
                vec![line("incident_name", now, true, String::new())]
            }
            WorkVerb::SetShift => {
                let yes_no: Vec<String> = ["yes", "no"]
                    .iter()
                    .map(|c| casework::word(lang, c).to_string())
                    .collect();
                let local = crate::console::words::local_time_hint(lang, &self.place);
                vec![
                    line("weekdays", "", false, w(lang, W::WeekdaysHint).into()),
                    line("start", "08:00", false, "HH:MM".into()),
                    line("hours", "8", false, w(lang, W::HoursHint).into()),
                    line(
                        "from",
                        "",
                        false,
                        format!("{} · {local}", w(lang, W::OverrideHint)),
                    ),
                    line("to", "", false, local),
                    Input {
                        hint: choices_hint(lang, &yes_no),
                        choices: yes_no,
                        ..line("off", "", false, String::new())
                    },
                ]
            }
            // Chosen in the picker and sent at once; or no form here.
            _ => Vec::new(),
        };
        self.focus = 0;
    }

    /// The command the task's fields describe, checked here with the hub's own rules first.
    /// `known`: whether a case number is one this console holds (the hub would refuse others,
    /// and a refusal from the hub comes back without the form).
    pub fn work_command(
        &self,
        now: DateTime<Utc>,
        known: &dyn Fn(u64) -> bool,
    ) -> Result<WorkCommand, Refusal> {
        let all_known = |name: &str, cases: &[u64]| {
            if cases.iter().all(|c| known(*c)) {
                Ok(())
            } else {
                Err(bad(name, FieldCode::UnknownValue))
            }
        };
        let task = self.kind.work().ok_or(bad("task", FieldCode::Required))?;
        let value = |name: &str| self.input(name).map(|i| i.value()).unwrap_or_default();
        let chosen = self
            .chosen
            .as_ref()
            .map(|c| c.key.clone())
            .unwrap_or_default();
        let chosen_number = || chosen.trim_start_matches(PLAN).parse::<u64>().ok();
        let names = |text: String| -> Vec<String> {
            text.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        Ok(match task {
            WorkVerb::PlanVisit => {
                let req = PlanRequest {
                    facility: chosen,
                    planned_on: value("planned_on"),
                    staff: names(value("staff")),
                    note: value("note"),
                };
                crate::domain::visit::validate_plan(&req, now).map_err(to_input)?;
                WorkCommand::PlanVisit(req)
            }
            WorkVerb::LogVisit => {
                let plan = self
                    .chosen
                    .as_ref()
                    .and_then(|c| c.key.strip_prefix(PLAN))
                    .and_then(|id| id.parse().ok());
                let facility = match plan {
                    // The plan's facility: the hub checks they match.
                    Some(_) => self
                        .chosen
                        .as_ref()
                        .and_then(|c| c.search.split_whitespace().next())
                        .unwrap_or_default()
                        .to_string(),
                    None => chosen,
                };
                let req = VisitRequest {
                    facility,
                    visited_on: value("visited_on"),
                    staff: names(value("staff")),
                    interviewed: interviews(&value("interviewed")),
                    roster: tokens(&value("roster")).map(String::from).collect(),
                    conditions: value("conditions"),
                    complaints: value("complaints"),
                    plan_id: plan,
                };
                crate::domain::visit::validate(&req, now).map_err(to_input)?;
                let named: Vec<u64> = req.interviewed.iter().filter_map(|i| i.case_id).collect();
                all_known("interviewed", &named)?;
                WorkCommand::LogVisit(req)
            }
            WorkVerb::OpenIncident => {
                let cases = parse_cases("cases", &value("cases"))?;
                if cases.is_empty() {
                    return Err(bad("cases", FieldCode::Required));
                }
                all_known("cases", &cases)?;
                WorkCommand::OpenIncident {
                    cases,
                    name: value("incident_name").trim().to_string(),
                }
            }
            WorkVerb::AddToIncident => {
                let cases = parse_cases("cases", &value("cases"))?;
                if cases.is_empty() {
                    return Err(bad("cases", FieldCode::Required));
                }
                all_known("cases", &cases)?;
                WorkCommand::AddToIncident {
                    incident_id: chosen_number().ok_or(bad("cases", FieldCode::Required))?,
                    cases,
                }
            }
            WorkVerb::NameIncident => {
                let name =
                    crate::domain::validate::text("incident_name", &value("incident_name"), 120)
                        .map_err(to_input)?;
                WorkCommand::NameIncident {
                    incident_id: chosen_number()
                        .ok_or(bad("incident_name", FieldCode::Required))?,
                    name,
                }
            }
            WorkVerb::SetShift => WorkCommand::SetShift(self.shift_request(chosen_number())?),
            _ => {
                return Err(bad("task", FieldCode::Required));
            }
        })
    }

    /// A rotation (weekdays, start, hours) or, when `from` is filled in, an override.
    fn shift_request(&self, staff: Option<u64>) -> Result<ShiftRequest, Refusal> {
        let value = |name: &str| {
            self.input(name)
                .map(|i| i.value().trim().to_string())
                .unwrap_or_default()
        };
        let local = |name: &str| {
            crate::domain::time::parse_local(&value(name), self.zone)
                .map_err(|_| bad(name, FieldCode::InvalidFormat))
        };
        let staff_id = staff.ok_or(bad("weekdays", FieldCode::Required))? as i64;
        if !value("from").is_empty() && !value("weekdays").is_empty() {
            // One or the other: a rotation, or an exception from one time to another.
            return Err(bad("from", FieldCode::InvalidFormat));
        }
        let req = if value("from").is_empty() {
            let hours = value("hours")
                .parse()
                .map_err(|_| bad("hours", FieldCode::InvalidFormat))?;
            NaiveTime::parse_from_str(&value("start"), "%H:%M")
                .map_err(|_| bad("start", FieldCode::InvalidFormat))?;
            ShiftRequest {
                consulate: None,
                staff_id,
                weekdays: weekdays(&value("weekdays"))?,
                start: Some(value("start")),
                hours: Some(hours),
                from: None,
                to: None,
                off: false,
            }
        } else {
            let off = match value("off").as_str() {
                "" => false,
                typed => {
                    casework::choose(typed, &["yes", "no"])
                        .ok_or(bad("off", FieldCode::UnknownValue))?
                        == "yes"
                }
            };
            ShiftRequest {
                consulate: None,
                staff_id,
                weekdays: Vec::new(),
                start: None,
                hours: None,
                from: Some(local("from")?),
                to: Some(local("to")?),
                off,
            }
        };
        crate::domain::roster::validate(&req).map_err(to_input)?;
        Ok(req)
    }
}

/// The menu's key of a task: its wire name (never shown; people read the label).
fn task_key(task: WorkVerb) -> &'static str {
    task.as_str()
}

pub fn task_of(key: &str) -> Option<WorkVerb> {
    TASKS.iter().copied().find(|t| task_key(*t) == key)
}
