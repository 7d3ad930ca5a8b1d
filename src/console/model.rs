//! The console's state: plain data, owned by the app loop alone.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use ratatui::widgets::TableState;
use ratatui_textarea::TextArea;

use super::action::{Connection, Notice};
use super::form::Form;
use super::keymap::Mode;
use super::records::Pending;
pub use super::records::{Message, ShiftPanel, SortMode, Tab, tabs};
use crate::api::{LawyerInfo, Me};
use crate::domain::case::Case;
use crate::domain::search::Needle;
use crate::domain::staff::Role;
use crate::domain::urgency::{self, Rules, Urgency};
use crate::i18n::Lang;

pub struct Model {
    pub lang: Lang,
    pub no_color: bool,
    pub rules: Rules,
    pub now: DateTime<Utc>,
    pub me: Option<Me>,
    pub connection: Connection,
    /// Which of the hubs given the console follows (from 0); `None` before the first connection.
    pub hub: Option<usize>,
    /// The last `seq` applied; anything at or below it is a duplicate.
    pub last_seq: u64,
    pub last_event_at: Option<DateTime<Utc>>,
    pub cases: HashMap<u64, Case>,
    /// The jurisdiction card of each case read whole, as the hub sent it with the case.
    pub cards: HashMap<u64, crate::domain::jurisdiction::CaseCard>,
    /// The list of cases: its order, view, search, selection and scroll.
    pub list: ListPane,
    /// `q` was pressed with actions still waiting; the next `q` quits.
    pub quit_armed: bool,
    /// Forms typed and not sent (see `drafts`), loaded at start, written back on change.
    pub drafts: Vec<super::records::FormDraft>,
    /// The open form was typed in since the drafts were last written.
    pub drafts_dirty: bool,
    /// The detail pane (or the map in its place).
    pub detail: DetailPane,
    /// The places ICE has held people (the shipped list with what staff recorded), for the
    /// map and for placing a detainee.
    pub facilities: crate::domain::facility::Registry,
    /// What is open over the list (the mode is derived: [`Model::mode`]).
    pub overlay: super::records::Overlay,
    /// Critical cases the bell has already rung for.
    pub rung: HashSet<u64>,
    pub quit: bool,
    pub tab: Tab,
    pub lawyers: Vec<LawyerInfo>,
    /// The consulates, for names in the header and the transfer picker.
    pub consulates: Vec<crate::domain::consulate::Consulate>,
    pub form: Option<Form>,
    pub command_input: TextArea<'static>,
    /// What the outbox holds, as it last said.
    pub outbox: OutboxView,
    /// The latest thing to tell the operator, for the status line.
    pub notice: Option<Notice>,
    /// A message from the command line or a form, put in words when drawn.
    pub message: Option<Message>,
    /// The supervisor's backlog tab.
    pub backlog: BacklogTab,
    /// The shift tab.
    pub shift: ShiftTab,
}

/// The detail pane (or the map in its place).
pub struct DetailPane {
    /// The map (`m`) in the detail's place.
    pub show_map: bool,
    /// The detail (or the map) over the whole body, the list hidden (`Enter`; `Esc` returns).
    pub full: bool,
    /// Events for cases being fetched whole (newly assigned to this lawyer), held until the case
    /// arrives so that none applied in between is lost.
    pub fetching: HashMap<u64, Vec<crate::domain::event::Event>>,
    /// The case whose whole record (timeline included) was asked for, while the answer is due.
    pub requested: Option<u64>,
    /// Lines the detail pane is scrolled by, and the case it applies to.
    pub scroll: u16,
    /// Lines the detail pane shows at the current size (set by `update::settle`), for paging.
    pub page: u16,
    pub shown_for: Option<u64>,
}

/// The supervisor's backlog tab.
pub struct BacklogTab {
    /// Selection in the backlog's attention list.
    pub selected: usize,
    /// The backlog and its attention list, computed by `update::settle` when the backlog tab is
    /// shown (once per drained inbox, not per frame or per event).
    pub view: Option<(crate::domain::backlog::Backlog, Vec<u64>)>,
    /// The backlog shows only cases triaged this way (`F` cycles the consent).
    pub triage: crate::domain::backlog::TriageFilter,
}

/// The shift tab.
pub struct ShiftTab {
    /// The shift tab, once loaded, and how far it is scrolled.
    pub panel: Option<ShiftPanel>,
    pub scroll: u16,
    /// Set by `settle`: the pane's height, and the furthest the scroll may go.
    pub page: u16,
    pub most: u16,
    /// The unattended cases as the strip counts them now (`Case::unattended` over this
    /// console's cases), oldest first, set by `settle`: the tab's list is the strip's number,
    /// not the handover's picture from when the tab was loaded.
    pub unattended: Vec<crate::domain::handover::Item>,
}

/// What the outbox holds, as it last said.
pub struct OutboxView {
    /// Actions saved in the outbox and not yet accepted by the hub.
    pub waiting: usize,
    /// The cases those actions are on: their rows say "sending" until the hub takes them.
    pub sending: HashSet<u64>,
    /// Actions the hub refused, kept until dismissed.
    pub refused: Vec<Pending>,
    pub selected: usize,
}

/// The list of cases: its order, view, search, selection and scroll.
pub struct ListPane {
    /// Case ids in display order, filtered. Brought up to date by [`Model::refresh_order`].
    pub order: Vec<u64>,
    /// The sort or the filter changed (or cases were replaced wholesale): rebuild the index.
    pub stale: bool,
    /// Cases an event touched since the last refresh: only these are re-keyed.
    pub touched: HashSet<u64>,
    pub index: super::order::SortedIndex,
    /// Every open case, kept only while the list is narrowed (a search, a quick view, a
    /// cluster), so the counts strip still counts the whole queue.
    pub whole: Option<super::order::SortedIndex>,
    /// The tier of each row of `order`, for counting the critical rows scrolled out of view.
    pub tiers: Vec<urgency::Tier>,
    /// Rows at the top of the list that never scroll away (duress cases), set by `settle`.
    pub pinned: usize,
    /// Duress rows heading `order`, pinned or not, set by `settle`: those beyond the pinned
    /// ones are counted in the title while out of view.
    pub duress: usize,
    pub sort: SortMode,
    /// The quick view (`v`): which question the list answers.
    pub view: super::quick_views::QuickView,
    /// Cases a bulk acknowledge will act on once confirmed.
    pub bulk: Vec<u64>,
    /// Unattended duress cases the bulk question left out, to say so after.
    pub bulk_duress: usize,
    /// Many recent alerts close together, biggest first; recomputed each second.
    pub clusters: Vec<crate::domain::cluster::Cluster>,
    /// The list narrowed to one cluster (`z`) or one raid (`:redada N`).
    pub focus: Option<super::records::Focus>,
    pub filter: String,
    /// The last search sent to the hub, and what it found (cases by phone or matrícula).
    pub asked: String,
    pub found: Option<(String, std::collections::HashSet<u64>)>,
    pub filter_input: TextArea<'static>,
    pub selected: Option<u64>,
    pub table: TableState,
    /// Critical cases not yet looked at: highlighted until selected.
    pub unseen: HashSet<u64>,
    /// Rows of the list pane at the current terminal size (set by `update::settle`), for paging.
    pub page: usize,
}

impl Model {
    /// Which keys apply now: the open form's stage, else what is open over the list.
    pub fn mode(&self) -> Mode {
        use super::records::Overlay;
        if let Some(form) = &self.form {
            return form.mode();
        }
        match self.overlay {
            Overlay::None => self.base_mode(),
            Overlay::Filter => Mode::Filter,
            Overlay::Help => Mode::Help,
            Overlay::Command => Mode::Command,
            Overlay::Refusals => Mode::Refusals,
            Overlay::Bulk => Mode::Bulk,
        }
    }

    /// The keys of what is under any overlay: the shift tab, the open case, or the list (the
    /// `?` help lists these).
    pub fn base_mode(&self) -> Mode {
        if self.tab == Tab::Shift {
            Mode::Shift
        } else if self.detail.full {
            Mode::Case
        } else {
            Mode::Normal
        }
    }

    /// Whether one pane takes the whole body: the open case, or the shift tab (which has no
    /// case beside it to show).
    pub fn whole_body(&self) -> bool {
        self.detail.full || self.tab == Tab::Shift
    }

    /// The case the detail pane shows: the backlog's selection on the backlog tab, else the
    /// list's.
    pub fn detail_target(&self) -> Option<u64> {
        match &self.backlog.view {
            Some((_, ids)) if self.tab == Tab::Backlog => ids.get(self.backlog.selected).copied(),
            _ => self.list.selected,
        }
    }

    /// A model with default urgency rules around `sla`; the console sets the configured ones.
    pub fn new(lang: Lang, no_color: bool, sla: Duration, now: DateTime<Utc>) -> Model {
        Model {
            lang,
            no_color,
            rules: Rules::with_sla(sla),
            now,
            me: None,
            connection: Connection::Connecting,
            hub: None,
            last_seq: 0,
            last_event_at: None,
            cases: HashMap::new(),
            cards: HashMap::new(),
            list: ListPane {
                order: Vec::new(),
                stale: false,
                touched: HashSet::new(),
                index: Default::default(),
                whole: None,
                tiers: Vec::new(),
                pinned: 0,
                duress: 0,
                sort: SortMode::Urgency,
                view: Default::default(),
                bulk: Vec::new(),
                bulk_duress: 0,
                clusters: Vec::new(),
                focus: None,
                filter: String::new(),
                asked: String::new(),
                found: None,
                filter_input: TextArea::default(),
                selected: None,
                table: TableState::default(),
                unseen: HashSet::new(),
                page: 10,
            },
            quit_armed: false,
            drafts: Vec::new(),
            drafts_dirty: false,
            detail: DetailPane {
                show_map: false,
                full: false,
                fetching: HashMap::new(),
                requested: None,
                scroll: 0,
                page: 0,
                shown_for: None,
            },
            facilities: Default::default(),
            overlay: super::records::Overlay::None,
            rung: HashSet::new(),
            quit: false,
            tab: Tab::Queue,
            lawyers: Vec::new(),
            consulates: Vec::new(),
            form: None,
            command_input: TextArea::default(),
            outbox: OutboxView {
                waiting: 0,
                sending: HashSet::new(),
                refused: Vec::new(),
                selected: 0,
            },
            notice: None,
            message: None,
            backlog: BacklogTab {
                view: None,
                selected: 0,
                triage: Default::default(),
            },
            shift: ShiftTab {
                panel: None,
                scroll: 0,
                page: 0,
                most: 0,
                unattended: Vec::new(),
            },
        }
    }

    pub fn role(&self) -> Option<Role> {
        self.me.as_ref().map(|m| m.role)
    }

    /// Whether a case belongs in this console: a lawyer's console keeps only their own cases; a
    /// consulate's, its own and those transferred or offered to it.
    pub fn keeps(&self, case: &Case) -> bool {
        use crate::domain::command::{may_read, relation};
        self.me
            .as_ref()
            .is_none_or(|me| may_read(relation(case, me)))
    }

    /// "Los Angeles, CA" for an id, once the list has arrived; the id until then.
    pub fn consulate_name(&self, id: &str) -> String {
        self.consulates
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.label())
            .unwrap_or_else(|| id.to_string())
    }

    pub fn urgency(&self, case: &Case) -> Urgency {
        urgency::assess(case, self.now, self.rules)
    }

    /// Brings the display order up to date. Called once per drained inbox, not per event; only
    /// the cases touched since, or whose tier time has moved, are re-keyed (see `order`), unless
    /// the sort or the filter changed.
    pub fn refresh_order(&mut self) {
        let mut changed = std::mem::take(&mut self.list.touched);
        let ids: Vec<u64> = if self.list.stale {
            self.cases.keys().copied().collect()
        } else {
            changed.iter().copied().collect()
        };
        self.measure(&ids);
        let needle = Needle::new(&self.list.filter);
        self.refresh_whole(&needle, &changed);
        // Out of the model while it is updated, so the filter can read the rest of it.
        let mut index = std::mem::take(&mut self.list.index);
        if self.list.stale {
            self.list.stale = false;
            index.clear();
            for case in self.cases.values() {
                if self.shown(case, &needle) {
                    index.upsert(case, self.now, self.rules, self.list.sort, &self.consulates);
                }
            }
        } else {
            changed.extend(index.due(self.now));
            if changed.is_empty() {
                self.list.index = index;
                return;
            }
            for id in changed {
                match self.cases.get(&id) {
                    Some(case) if self.shown(case, &needle) => {
                        index.upsert(case, self.now, self.rules, self.list.sort, &self.consulates)
                    }
                    _ => index.remove(id),
                }
            }
        }
        self.list.index = index;
        self.list.order.clear();
        self.list.tiers.clear();
        for (id, tier) in self.list.index.rows() {
            self.list.order.push(id);
            self.list.tiers.push(tier);
        }
        self.sync_selection();
    }

    /// The distance from where the person is now to the consulate that has the case now: the
    /// hub measures it when the alert arrives, but people move and cases are transferred, and
    /// a distance next to the wrong consulate's name misleads.
    fn measure(&mut self, ids: &[u64]) {
        for id in ids {
            let Some(case) = self.cases.get_mut(id) else {
                continue;
            };
            if !case.located() {
                continue;
            }
            if let Some(c) = self.consulates.iter().find(|c| c.id == case.consulate) {
                case.distance_km =
                    crate::domain::geo::distance_km(c.point(), case.location.point());
            }
        }
    }

    /// The counts strip's index: every open case, whatever the list shows. Kept only while the
    /// list is narrowed (otherwise the list's own index is the whole queue); updated for the
    /// cases touched since, like the list's.
    fn refresh_whole(&mut self, needle: &Needle, changed: &HashSet<u64>) {
        use crate::domain::case::CaseStatus;
        let narrowed = !needle.is_empty()
            || self.list.view != super::quick_views::QuickView::Open
            || self.list.focus.is_some();
        if !narrowed {
            self.list.whole = None;
            return;
        }
        let open = |c: &Case| c.status != CaseStatus::Closed;
        let (now, rules, consulates) = (self.now, self.rules, &self.consulates);
        match &mut self.list.whole {
            Some(whole) if !self.list.stale => {
                let mut ids: Vec<u64> = changed.iter().copied().collect();
                ids.extend(whole.due(now));
                for id in ids {
                    match self.cases.get(&id) {
                        Some(c) if open(c) => {
                            whole.upsert(c, now, rules, SortMode::Urgency, consulates)
                        }
                        _ => whole.remove(id),
                    }
                }
            }
            _ => {
                let mut whole = super::order::SortedIndex::default();
                for case in self.cases.values().filter(|c| open(c)) {
                    whole.upsert(case, now, rules, SortMode::Urgency, consulates);
                }
                self.list.whole = Some(whole);
            }
        }
    }

    /// The counts strip's index: the whole queue's.
    pub fn counted(&self) -> &super::order::SortedIndex {
        self.list.whole.as_ref().unwrap_or(&self.list.index)
    }

    /// Whether a case is in the list: open ones, or under a search (`/`) any case it finds, by
    /// name, phone, matrícula, number, place, lawyer, consulate or a shown reason, in either
    /// language.
    fn shown(&self, case: &Case, needle: &Needle) -> bool {
        use super::quick_views::QuickView;
        if let Some(focus) = &self.list.focus
            && !focus.ids().contains(&case.id)
        {
            return false;
        }
        // A raid's cases are all listed, closed ones too: the raid is the question asked.
        let in_view = matches!(self.list.focus, Some(super::records::Focus::Raid { .. }))
            || self
                .list
                .view
                .admits(case, self.me.as_ref(), self.day_start());
        if needle.is_empty() {
            return in_view;
        }
        // Closed cases leave the live queue, but a search from it still finds them; the other
        // views narrow the search to themselves.
        if self.list.view != QuickView::Open && !in_view {
            return false;
        }
        needle.finds(case, &self.consulate_name(&case.consulate))
            || self
                .list
                .found
                .as_ref()
                .is_some_and(|(q, ids)| *q == self.list.filter && ids.contains(&case.id))
            || self.urgency(case).reasons.iter().any(|r| {
                [Lang::Es, Lang::En]
                    .into_iter()
                    .any(|lang| needle.in_label(&crate::i18n::reason(lang, *r)))
            })
    }

    /// Keeps the selection on the same case across re-sorts; falls back to the first row.
    pub fn sync_selection(&mut self) {
        let index = self
            .list
            .selected
            .and_then(|id| self.list.order.iter().position(|&o| o == id));
        match index {
            Some(i) => self.list.table.select(Some(i)),
            None => {
                self.list.selected = self.list.order.first().copied();
                self.list.table.select(if self.list.order.is_empty() {
                    None
                } else {
                    Some(0)
                });
            }
        }
        if let Some(id) = self.list.selected {
            self.list.unseen.remove(&id);
        }
    }

    /// A consulate's time zone, once the list has arrived (UTC until then).
    pub fn zone_of(&self, consulate: &str) -> chrono_tz::Tz {
        crate::domain::consulate::zone_of(&self.consulates, consulate)
    }

    /// When the operator's day began, for "closed today": midnight in their consulate's time
    /// zone (UTC for national staff and until the consulates have arrived).
    pub fn day_start(&self) -> DateTime<Utc> {
        let zone = self
            .me
            .as_ref()
            .and_then(|me| me.consulate.as_deref())
            .map_or(chrono_tz::UTC, |id| self.zone_of(id));
        crate::domain::time::day_start(self.now, zone)
    }

    pub fn selected_case(&self) -> Option<&Case> {
        self.list.selected.and_then(|id| self.cases.get(&id))
    }
}
