//! The forms case work is done in: a picker (lawyers, checkpoint types, outcomes) that filters as
//! you type, then fields and a multi-line note, then, for closing, a confirmation. Plain data; the
//! keys that drive it are in `update`, the drawing in `view/form.rs`.

use chrono::{DateTime, Utc};
use ratatui_textarea::{CursorMove, TextArea};

use crate::api::Candidate;
use crate::domain::case::Case;
use crate::domain::checkpoint::{CheckpointCode, CloseOutcome, FieldKind, FieldSpec};
use crate::domain::command::{Refusal, Verb};
use crate::domain::intake::IntakeRequest;
use crate::domain::staff::LawyerInfo;
use crate::domain::triage::{Category, Consent, Intent};
use crate::i18n::{Lang, casework};

mod parse;
mod people;
mod placement;
mod work;

use people::lawyer_items;
pub use placement::NOT_LISTED;
use placement::facility_items;
pub use work::{WorkContext, task_of};

/// The caller-confirmation picker's "none of these people".
pub const NONE_OF_THEM: &str = "none";

#[derive(Debug, Clone, PartialEq)]
pub struct PickItem {
    /// What is sent: a lawyer id, a checkpoint code, an outcome code.
    pub key: String,
    pub label: String,
    /// Figures shown beside the label (a lawyer's fit and load).
    pub detail: String,
    /// Searched by the filter besides the label.
    pub search: String,
}

pub struct Picker {
    pub filter: TextArea<'static>,
    pub items: Vec<PickItem>,
    /// Index into [`Picker::visible`].
    pub selected: usize,
}

impl Picker {
    pub fn new(items: Vec<PickItem>) -> Picker {
        Picker {
            filter: TextArea::default(),
            items,
            selected: 0,
        }
    }

    pub fn needle(&self) -> String {
        crate::i18n::fold(self.filter.lines().join(" ").trim())
    }

    /// Indices of the items the filter lets through, in list order.
    pub fn visible(&self) -> Vec<usize> {
        let needle = self.needle();
        self.items
            .iter()
            .enumerate()
            .filter(|(_, i)| {
                needle.is_empty()
                    || crate::i18n::fold(&i.label).contains(&needle)
                    || crate::i18n::fold(&i.search).contains(&needle)
            })
            .map(|(n, _)| n)
            .collect()
    }

    pub fn chosen(&self) -> Option<&PickItem> {
        self.visible()
            .get(self.selected)
            .and_then(|&i| self.items.get(i))
    }

    pub fn move_by(&mut self, delta: i64) {
        let n = self.visible().len();
        if n == 0 {
            self.selected = 0;
            return;
        }
        self.selected = (self.selected as i64 + delta).clamp(0, n as i64 - 1) as usize;
    }
}

pub struct Input {
    /// The wire name: `at`, `note`, or a checkpoint field.
    pub name: &'static str,
    pub editor: TextArea<'static>,
    pub multiline: bool,
    pub required: bool,
    /// Accepted values or format, shown under the field.
    pub hint: String,
    /// For a coded field, its values' labels in the operator's language, in order: ↑/↓ pick
    /// among them (typing a label in either language works too; the wire keeps the codes).
    pub choices: Vec<String>,
    /// Still the form's own prefill (the time now, the usual hours), untouched: the first
    /// character typed replaces it, as it would a selected default.
    pub pristine: bool,
}

impl Input {
    pub fn value(&self) -> String {
        self.editor.lines().join("\n")
    }

    /// ↑/↓ on a coded field: the next (or previous) choice after the one shown, wrapping.
    pub fn cycle(&mut self, step: i64) {
        if self.choices.is_empty() {
            return;
        }
        let now = crate::i18n::fold(self.value().trim());
        let n = self.choices.len() as i64;
        let next = match self
            .choices
            .iter()
            .position(|c| crate::i18n::fold(c) == now)
        {
            Some(i) => (i as i64 + step).rem_euclid(n),
            None if step > 0 => 0,
            None => n - 1,
        };
        self.editor = editor(&self.choices[next as usize]);
    }
}

/// The hint of a coded field: that ↑/↓ pick, then the choices.
fn choices_hint(lang: Lang, choices: &[String]) -> String {
    format!(
        "{}: {}",
        crate::i18n::t(lang, crate::i18n::Text::PickWithArrows),
        choices.join(" | ")
    )
}

/// The labels of a coded field's values, for ↑/↓.
fn labels(lang: Lang, spec: &FieldSpec) -> Vec<String> {
    match spec.kind {
        FieldKind::Choice(options) => options
            .iter()
            .map(|o| casework::word(lang, o).to_string())
            .collect(),
        FieldKind::YesNo => vec![casework::word(lang, "yes").to_string(), "no".to_string()],
        _ => Vec::new(),
    }
}

/// What a form is for: a command on a case (a call taken is `Case(Intake)`), the `p` menu of
/// protection tasks, or one of those tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Case(Verb),
    WorkMenu,
    Work(crate::domain::work::WorkVerb),
}

impl FormKind {
    /// The case command, for a case form.
    pub fn verb(self) -> Option<Verb> {
        match self {
            FormKind::Case(v) => Some(v),
            _ => None,
        }
    }

    /// The protection task, for a task's form.
    pub fn work(self) -> Option<crate::domain::work::WorkVerb> {
        match self {
            FormKind::Work(t) => Some(t),
            _ => None,
        }
    }

    /// The verb a draft of this form is filed under. Protection work has none; its drafts were
    /// always filed under `intake` beside their task, and still are, so older drafts read.
    pub fn draft_verb(self) -> Verb {
        self.verb().unwrap_or(Verb::Intake)
    }
}

/// Where a form stands beyond its picker and fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Stage {
    /// Choosing or typing.
    #[default]
    Filling,
    /// The picker open now is the facilities' (after a placement checkpoint was chosen).
    PickingFacility,
    /// Asked to confirm an irreversible step (closing).
    Confirming,
    /// A call waiting for the officer to confirm who the caller is.
    ConfirmingCaller(IntakeRequest),
    /// Protection work that undoes something (a planned visit cancelled, a shift taken off the
    /// roster), asked before it is sent.
    ConfirmingWork(crate::domain::work::WorkCommand),
}

pub struct Form {
    pub case_id: u64,
    pub version: u64,
    pub kind: FormKind,
    pub stage: Stage,
    pub picker: Option<Picker>,
    /// What the picker chose.
    pub chosen: Option<PickItem>,
    pub inputs: Vec<Input>,
    pub focus: usize,
    /// Why the last attempt to send was refused (a field's problem, or the rule book's no), put
    /// in words when drawn.
    pub error: Option<Refusal>,
    /// The case's consulate's zone: times are typed, and prefilled, as wall time there.
    pub zone: chrono_tz::Tz,
    /// That consulate's name, for the time fields' hint ("hora local de Los Angeles, CA").
    pub place: String,
    /// Reopened from a refused action: the hub's answer, shown until it is sent again.
    pub refused: Option<Box<crate::console::records::Pending>>,
    /// The steps of the case's open checklists not yet done, next first: a checklist step is
    /// offered among these only, prefilled with the next.
    pub steps: Vec<&'static str>,
    /// The registry's facilities, nearest to the person first, for placing them; the picker
    /// shows them after a placement checkpoint is chosen.
    pub facilities: Vec<PickItem>,
}

fn editor(text: &str) -> TextArea<'static> {
    let mut t = TextArea::new(text.lines().map(String::from).collect());
    t.move_cursor(CursorMove::Bottom);
    t.move_cursor(CursorMove::End);
    t
}

fn note_input(name: &'static str, required: bool) -> Input {
    Input {
        name,
        editor: TextArea::default(),
        pristine: true,
        multiline: true,
        required,
        hint: String::new(),
        choices: Vec::new(),
    }
}

fn field_hint(lang: Lang, spec: &FieldSpec) -> String {
    match spec.kind {
        FieldKind::YesNo => format!("{} / no", casework::word(lang, "yes")),
        FieldKind::Text => String::new(),
        FieldKind::Language => casework::word(lang, "language_hint").to_string(),
        FieldKind::Date => crate::i18n::t(lang, crate::i18n::Text::DateFormat).into(),
        FieldKind::DateTime => crate::i18n::t(lang, crate::i18n::Text::DateTimeFormat).into(),
        FieldKind::ANumber => "A-123456789".into(),
        FieldKind::Money => "1500.00".into(),
        FieldKind::Choice(options) => options
            .iter()
            .map(|o| casework::word(lang, o))
            .collect::<Vec<_>>()
            .join(" | "),
    }
}

impl Form {
    /// The keys a form takes at its stage: confirming, picking, or typing.
    pub fn mode(&self) -> crate::console::keymap::Mode {
        use crate::console::keymap::Mode;
        if matches!(self.stage, Stage::Confirming | Stage::ConfirmingWork(_)) {
            Mode::Confirm
        } else if self.picker.is_some() {
            Mode::Picker
        } else {
            Mode::Form
        }
    }

    /// A form with nothing in it yet, for no case.
    fn blank(kind: FormKind) -> Form {
        Form {
            case_id: 0,
            version: 0,
            kind,
            stage: Stage::Filling,
            picker: None,
            chosen: None,
            inputs: Vec::new(),
            focus: 0,
            error: None,
            zone: chrono_tz::UTC,
            place: String::new(),
            refused: None,
            steps: Vec::new(),
            facilities: Vec::new(),
        }
    }

    fn new(case: &Case, verb: Verb) -> Form {
        Form {
            case_id: case.id,
            version: case.version,
            ..Form::blank(FormKind::Case(verb))
        }
    }

    /// Times in this form are wall time at `place`, in `zone`.
    pub fn in_zone(mut self, zone: chrono_tz::Tz, place: String) -> Form {
        self.zone = zone;
        self.place = place;
        self
    }

    /// The hint under a time field: the format, and whose clock.
    fn time_hint(&self, lang: Lang) -> String {
        if self.zone == chrono_tz::UTC {
            return crate::i18n::t(lang, crate::i18n::Text::DateTimeFormat).into();
        }
        crate::console::words::local_time_hint(lang, &self.place)
    }

    pub fn assign(case: &Case, lawyers: &[LawyerInfo], lang: Lang) -> Form {
        let mut form = Form::new(case, Verb::Assign);
        form.picker = Some(Picker::new(lawyer_items(case, lawyers, lang)));
        form
    }

    /// Refreshes the lawyer list when the roster arrives after the picker opened.
    pub fn set_lawyers(&mut self, case: &Case, lawyers: &[LawyerInfo], lang: Lang) {
        if self.kind == FormKind::Case(Verb::Assign)
            && let Some(p) = &mut self.picker
        {
            p.items = lawyer_items(case, lawyers, lang);
            p.selected = 0;
        }
    }

    pub fn checkpoint(
        case: &Case,
        lang: Lang,
        registry: &crate::domain::facility::Registry,
    ) -> Form {
        let mut form = Form::new(case, Verb::Checkpoint);
        form.steps = crate::domain::checklist::offered(case);
        form.facilities = facility_items(case, registry, lang);
        let mut items: Vec<PickItem> = CheckpointCode::ALL
            .iter()
            .filter(|c| **c != CheckpointCode::ChecklistStep || !form.steps.is_empty())
            .map(|c| PickItem {
                key: c.as_str().into(),
                label: casework::checkpoint(lang, *c).into(),
                detail: String::new(),
                search: c.as_str().replace('_', " "),
            })
            .collect();
        // An open checklist walks the officer through: its next step comes first.
        if let Some(next) = form.steps.first()
            && let Some(at) = items
                .iter()
                .position(|i| i.key == CheckpointCode::ChecklistStep.as_str())
        {
            let mut item = items.remove(at);
            item.detail = format!("→ {}", casework::word(lang, next));
            items.insert(0, item);
        }
        form.picker = Some(Picker::new(items));
        form
    }

    pub fn note(case: &Case) -> Form {
        let mut form = Form::new(case, Verb::Note);
        // Named as on the wire, so the hub's field errors land on it.
        form.inputs = vec![note_input("text", true)];
        form
    }

    pub fn reopen(case: &Case) -> Form {
        let mut form = Form::new(case, Verb::Reopen);
        form.inputs = vec![note_input("reason", true)];
        form
    }

    pub fn close(case: &Case, lang: Lang) -> Form {
        let mut form = Form::new(case, Verb::Close);
        let items = CloseOutcome::ALL
            .iter()
            .map(|o| PickItem {
                key: o.as_str().into(),
                label: casework::outcome(lang, *o).into(),
                detail: String::new(),
                search: o.as_str().replace('_', " "),
            })
            .collect();
        form.picker = Some(Picker::new(items));
        form
    }

    /// A call taken by phone: no case yet.
    pub fn intake(lang: Lang) -> Form {
        let kind_hint = format!(
            "{} | {}",
            casework::word(lang, "imminent"),
            casework::word(lang, "detained")
        );
        let line = |name: &'static str, required: bool, hint: &str| Input {
            name,
            editor: TextArea::default(),
            pristine: true,
            multiline: false,
            required,
            hint: hint.into(),
            choices: Vec::new(),
        };
        let kinds: Vec<String> = ["imminent", "detained"]
            .iter()
            .map(|k| casework::word(lang, k).to_string())
            .collect();
        Form {
            inputs: vec![
                line("name", true, ""),
                line("phone", true, "+1 213 555 0100"),
                line("place", false, "Santa Ana, CA"),
                line("lat", false, "33.7456"),
                line("lon", false, "-117.8678"),
                Input {
                    hint: choices_hint(lang, &kinds),
                    choices: kinds,
                    ..line("kind", false, &kind_hint)
                },
                note_input("description", true),
            ],
            ..Form::blank(FormKind::Case(Verb::Intake))
        }
    }

    /// The caller of an earlier call says more about case `case_id` (which may be another
    /// consulate's): what they say, and where and how things stand now if that changed.
    pub fn call_more(case_id: u64, lang: Lang) -> Form {
        let mut form = Form::intake(lang);
        form.inputs.retain(|i| !matches!(i.name, "name" | "phone"));
        // What the caller says first: it is why the form is open.
        form.inputs.rotate_right(1);
        form.case_id = case_id;
        form
    }

    /// The offered consulate says no, with why.
    pub fn decline(case: &Case) -> Form {
        let mut form = Form::new(case, Verb::DeclineTransfer);
        form.inputs = vec![note_input("reason", true)];
        form
    }

    /// Consent, intent and matter: each typed as its label in either language (or picked from
    /// the hint), filled with the case's current triage.
    pub fn triage(case: &Case, lang: Lang) -> Form {
        let mut form = Form::new(case, Verb::Triage);
        let current = case.triage;
        let field = |name: &'static str, options: &[&str], now: Option<&str>| {
            let choices: Vec<String> = options
                .iter()
                .map(|o| casework::word(lang, o).to_string())
                .collect();
            Input {
                name,
                editor: editor(now.map(|c| casework::word(lang, c)).unwrap_or("")),
                pristine: true,
                multiline: false,
                required: true,
                hint: choices_hint(lang, &choices),
                choices,
            }
        };
        let codes = |all: Vec<&'static str>| all;
        form.inputs = vec![
            field(
                "consent",
                &codes(Consent::ALL.iter().map(|c| c.as_str()).collect()),
                current.map(|t| t.consent.as_str()),
            ),
            field(
                "intent",
                &codes(Intent::ALL.iter().map(|c| c.as_str()).collect()),
                current.map(|t| t.intent.as_str()),
            ),
            field(
                "category",
                &codes(Category::ALL.iter().map(|c| c.as_str()).collect()),
                current.map(|t| t.category.as_str()),
            ),
        ];
        form
    }

    /// "Is the caller one of these people?": the enrolled people with the number given, and
    /// "none of them". Someone whose open case is with another consulate is listed, marked,
    /// and cannot be chosen.
    pub fn confirm_caller(&mut self, candidates: &[Candidate], lang: Lang) {
        let mut items: Vec<PickItem> = candidates
            .iter()
            .map(|c| PickItem {
                key: c.registrant_id.map(|id| id.to_string()).unwrap_or_default(),
                label: format!(
                    "{} · {} · ····{}",
                    c.name,
                    c.birth_year
                        .map(|y| y.to_string())
                        .unwrap_or_else(|| "—".into()),
                    c.consular_id_last4
                ),
                detail: c
                    .open_elsewhere
                    .as_ref()
                    .map(|where_| crate::console::words::open_elsewhere(lang, where_))
                    .unwrap_or_default(),
                search: String::new(),
            })
            .collect();
        items.push(PickItem {
            key: NONE_OF_THEM.into(),
            label: crate::i18n::t(lang, crate::i18n::Text::NoneOfThem).into(),
            detail: String::new(),
            search: String::new(),
        });
        self.picker = Some(Picker::new(items));
    }

    /// Moves from the picker to the fields, for what was chosen.
    pub fn choose(&mut self, item: PickItem, lang: Lang, now: DateTime<Utc>) {
        self.picker = None;
        if self.stage == Stage::PickingFacility {
            self.stage = Stage::Filling;
            self.place_in(&item);
            return;
        }
        match self.kind.verb().unwrap_or(Verb::Acknowledge) {
            Verb::Checkpoint => {
                let Some(code) = CheckpointCode::parse(&item.key) else {
                    return;
                };
                let mut inputs = vec![Input {
                    name: "at",
                    editor: editor(&crate::domain::time::editable(now, self.zone)),
                    pristine: true,
                    multiline: false,
                    required: true,
                    hint: self.time_hint(lang),
                    choices: Vec::new(),
                }];
                for spec in code.fields() {
                    // The step field offers the open lists' steps, next first; the others (a
                    // search step's result) offer their own choices.
                    let walking = code == CheckpointCode::ChecklistStep
                        && spec.name == "step"
                        && !self.steps.is_empty();
                    let choices = if walking {
                        self.steps
                            .iter()
                            .map(|s| casework::word(lang, s).to_string())
                            .collect()
                    } else {
                        labels(lang, spec)
                    };
                    let start = match choices.first() {
                        Some(next) if walking => editor(next),
                        _ => TextArea::default(),
                    };
                    inputs.push(Input {
                        name: spec.name,
                        editor: start,
                        pristine: true,
                        multiline: false,
                        required: spec.required,
                        hint: match spec.kind {
                            FieldKind::DateTime => self.time_hint(lang),
                            _ if !choices.is_empty() => choices_hint(lang, &choices),
                            _ => field_hint(lang, spec),
                        },
                        choices,
                    });
                }
                inputs.push(note_input("note", false));
                self.inputs = inputs;
                let placement = matches!(
                    code,
                    CheckpointCode::FacilityLocated | CheckpointCode::FacilityTransfer
                );
                if placement && !self.facilities.is_empty() {
                    self.picker = Some(Picker::new(self.facilities.clone()));
                    self.stage = Stage::PickingFacility;
                }
            }
            Verb::Close => self.inputs = vec![note_input("note", true)],
            Verb::Transfer => self.inputs = vec![note_input("reason", true)],
            _ => {}
        }
        self.chosen = Some(item);
        self.focus = 0;
    }

    /// Puts a draft back: the picker's choice made again, then each field's text.
    pub fn apply_draft(
        &mut self,
        draft: &crate::console::records::FormDraft,
        lang: Lang,
        now: DateTime<Utc>,
    ) {
        if let (Some(key), Some(picker)) = (&draft.chosen, &mut self.picker) {
            let visible = picker.visible();
            let found = visible
                .iter()
                .position(|&i| picker.items.get(i).is_some_and(|item| &item.key == key));
            match found {
                // Choosing a lawyer sends at once: only point at them.
                Some(at) if self.kind == FormKind::Case(Verb::Assign) => picker.selected = at,
                Some(at) => {
                    let item = picker.items[visible[at]].clone();
                    self.choose(item, lang, now);
                }
                None => {}
            }
        }
        for (name, text) in &draft.fields {
            if let Some(input) = self.inputs.iter_mut().find(|i| i.name == name) {
                input.editor = editor(text);
                // What the person typed before: kept, not replaced by the next key.
                input.pristine = false;
            }
        }
        // A placement drafted with its facility already chosen goes back to its fields.
        let placed = |n: &str| {
            draft
                .fields
                .iter()
                .any(|(k, v)| k == n && !v.trim().is_empty())
        };
        if self.stage == Stage::PickingFacility && (placed("facility_code") || placed("facility")) {
            self.picker = None;
            self.stage = Stage::Filling;
        }
    }

    pub fn input(&self, name: &str) -> Option<&Input> {
        self.inputs.iter().find(|i| i.name == name)
    }

    pub fn focused(&mut self) -> Option<&mut Input> {
        self.inputs.get_mut(self.focus)
    }

    pub fn move_focus(&mut self, delta: i64) {
        if self.inputs.is_empty() {
            return;
        }
        let n = self.inputs.len() as i64;
        self.focus = (self.focus as i64 + delta).rem_euclid(n) as usize;
    }
}
