//! The console's state: plain data, owned by the app loop alone.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use ratatui::widgets::TableState;
use ratatui_textarea::TextArea;

use super::action::Connection;
use super::keymap::Mode;
use crate::api::Me;
use crate::domain::case::Case;
use crate::domain::sanitize::{Lines, sanitize};
use crate::domain::urgency::{self, Tier, Urgency};
use crate::i18n::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortMode {
    Urgency,
    Proximity,
    Age,
}

pub struct Model {
    pub lang: Lang,
    pub no_color: bool,
    pub sla: Duration,
    pub now: DateTime<Utc>,
    pub me: Option<Me>,
    pub connection: Connection,
    /// The last `seq` applied; anything at or below it is a duplicate.
    pub last_seq: u64,
    pub last_event_at: Option<DateTime<Utc>>,
    pub cases: HashMap<u64, Case>,
    /// Case ids in display order, filtered. Rebuilt by [`Model::refresh_order`].
    pub order: Vec<u64>,
    pub order_stale: bool,
    pub sort: SortMode,
    pub filter: String,
    pub filter_input: TextArea<'static>,
    pub mode: Mode,
    pub selected: Option<u64>,
    pub table: TableState,
    /// Critical cases not yet looked at: highlighted until selected.
    pub unseen: HashSet<u64>,
    /// Critical cases the bell has already rung for.
    pub rung: HashSet<u64>,
    /// Rows the queue showed last frame, for page up/down.
    pub page: usize,
    pub quit: bool,
}

impl Model {
    pub fn new(lang: Lang, no_color: bool, sla: Duration, now: DateTime<Utc>) -> Model {
        Model {
            lang,
            no_color,
            sla,
            now,
            me: None,
            connection: Connection::Connecting,
            last_seq: 0,
            last_event_at: None,
            cases: HashMap::new(),
            order: Vec::new(),
            order_stale: false,
            sort: SortMode::Urgency,
            filter: String::new(),
            filter_input: TextArea::default(),
            mode: Mode::Normal,
            selected: None,
            table: TableState::default(),
            unseen: HashSet::new(),
            rung: HashSet::new(),
            page: 10,
            quit: false,
        }
    }

    pub fn urgency(&self, case: &Case) -> Urgency {
        urgency::assess(case, self.now, self.sla)
    }

    fn matches_filter(&self, case: &Case, needle: &str) -> bool {
        if needle.is_empty() {
            return true;
        }
        let name = sanitize(&case.registrant.name, Lines::One).to_lowercase();
        name.contains(needle)
            || case.id.to_string().contains(needle)
            || case.consulate.contains(needle)
    }

    /// Rebuilds the display order if anything changed since the last frame. Called once per
    /// drained inbox, not per event, so a burst of a thousand events costs one sort.
    pub fn refresh_order(&mut self) {
        if !self.order_stale {
            return;
        }
        self.order_stale = false;
        let needle = self.filter.to_lowercase();
        let mut rows: Vec<(&Case, Tier)> = self
            .cases
            .values()
            .filter(|c| self.matches_filter(c, &needle))
            .map(|c| (c, self.urgency(c).tier))
            .collect();
        match self.sort {
            SortMode::Urgency => rows.sort_by(|a, b| urgency::queue_order(*a, *b)),
            SortMode::Proximity => rows.sort_by(|a, b| {
                a.0.distance_km
                    .total_cmp(&b.0.distance_km)
                    .then_with(|| urgency::queue_order(*a, *b))
            }),
            SortMode::Age => rows.sort_by(|a, b| {
                a.0.pressed_at
                    .cmp(&b.0.pressed_at)
                    .then_with(|| a.0.id.cmp(&b.0.id))
            }),
        }
        self.order = rows.into_iter().map(|(c, _)| c.id).collect();
        self.sync_selection();
    }

    /// Keeps the selection on the same case across re-sorts; falls back to the first row.
    pub fn sync_selection(&mut self) {
        let index = self
            .selected
            .and_then(|id| self.order.iter().position(|&o| o == id));
        match index {
            Some(i) => self.table.select(Some(i)),
            None => {
                self.selected = self.order.first().copied();
                self.table
                    .select(if self.order.is_empty() { None } else { Some(0) });
            }
        }
        if let Some(id) = self.selected {
            self.unseen.remove(&id);
        }
    }

    pub fn selected_case(&self) -> Option<&Case> {
        self.selected.and_then(|id| self.cases.get(&id))
    }
}
