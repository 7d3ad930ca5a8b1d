//! What the screen needs from the model, worked out once per drained inbox instead of while
//! drawing: the sorted order, the page size, the scroll offset that keeps the selection in view,
//! the backlog. Views then only read.

use ratatui::layout::Rect;

use crate::console::keymap::Mode;
use crate::console::layout::{list_rows, panes};
use crate::console::model::{Model, Tab, tabs};
use crate::domain::backlog;

/// Brings the derived parts of the model up to date for a terminal of `area`.
pub fn settle(model: &mut Model, area: Rect) {
    model.refresh_order();
    let input_open = model.mode() == Mode::Filter
        || model.mode() == Mode::Command
        || !model.list.filter.is_empty();
    let p = panes(area, input_open, model.whole_body());
    let height = list_rows(p.list);
    model.list.page = height;
    if model.tab == Tab::Shift {
        let mut unattended: Vec<_> = model
            .cases
            .values()
            .filter(|c| c.unattended())
            .map(|c| crate::domain::handover::Item {
                case_id: c.id,
                name: if c.registrant.erased {
                    String::new()
                } else {
                    c.registrant.name.clone()
                },
                since: c.received_at,
            })
            .collect();
        unattended.sort_by_key(|i| (i.since, i.case_id));
        model.shift.unattended = unattended;
        // Scrolled no further than its last line reaching the pane's bottom.
        // The shift tab has the whole body (see `Model::whole_body`).
        let page = p.detail.height.saturating_sub(2);
        let rows = crate::console::view::shift_rows(model, p.detail.width.saturating_sub(2));
        model.shift.page = page;
        model.shift.most = u16::try_from(rows).unwrap_or(u16::MAX).saturating_sub(page);
        model.shift.scroll = model.shift.scroll.min(model.shift.most);
    }
    // Duress cases head the list in every order and stay drawn above the scrolling rows: at
    // most a third of the pane, so the rest of the queue can still be worked; those beyond
    // scroll at the top of the rest, and the title counts them.
    let duress = model
        .list
        .order
        .iter()
        .take_while(|id| model.cases.get(id).is_some_and(|c| c.duress_at.is_some()))
        .count();
    let pinned = duress.min((height / 3).max(1)).min(model.list.order.len());
    model.list.pinned = pinned;
    model.list.duress = duress;
    let scrolling = height.saturating_sub(pinned).max(1);
    // Keep the selected row inside the window, scrolling as little as possible.
    if model.list.order.is_empty() {
        *model.list.table.offset_mut() = 0;
    } else {
        let selected = model
            .list
            .table
            .selected()
            .unwrap_or(0)
            .min(model.list.order.len() - 1);
        let mut offset = model.list.table.offset().max(pinned);
        if selected < pinned {
            // The selection is among the pinned rows: the window starts right after them, so
            // nothing counted hides between the two.
            offset = pinned;
        } else if selected < offset {
            offset = selected;
        } else if selected >= offset + scrolling {
            offset = selected + 1 - scrolling;
        }
        let last_start = model.list.order.len().saturating_sub(scrolling).max(pinned);
        *model.list.table.offset_mut() = offset.min(last_start);
    }
    // The selection stays on its case when rows above it come and go.
    let was = model
        .backlog
        .view
        .as_ref()
        .and_then(|(_, ids)| ids.get(model.backlog.selected).copied());
    model.backlog.view = (model.tab == Tab::Backlog).then(|| {
        let b = backlog_of(model);
        let ids = attention_of(&b);
        (b, ids)
    });
    if let Some((_, ids)) = &model.backlog.view {
        model.backlog.selected = was
            .and_then(|id| ids.iter().position(|&i| i == id))
            .unwrap_or(model.backlog.selected)
            .min(ids.len().saturating_sub(1));
    }
    let target = model.detail_target();
    if model.detail.shown_for != target {
        // Another case: its detail starts at the top.
        model.detail.shown_for = target;
        model.detail.scroll = 0;
    }
    // Scrolled no further than its last line reaching the pane's bottom.
    if let Some(id) = target {
        let inner = p.detail.height.saturating_sub(2) as usize;
        model.detail.page = u16::try_from(inner).unwrap_or(u16::MAX);
        let rows = crate::console::view::detail_rows(model, id, p.detail.width.saturating_sub(2));
        let most = rows.saturating_sub(inner).min(u16::MAX as usize) as u16;
        model.detail.scroll = model.detail.scroll.min(most);
    }
}

/// The supervisor's attention list: overdue, then without a lawyer, then deadlines; each case
/// once.
pub fn attention(model: &Model) -> Vec<u64> {
    attention_of(&backlog_of(model))
}

pub fn backlog_of(model: &Model) -> backlog::Backlog {
    backlog::compute(
        model.cases.values(),
        &model.lawyers,
        model.now,
        model.rules.sla,
        model.backlog.triage,
        &model.consulates,
    )
}

pub fn attention_of(b: &backlog::Backlog) -> Vec<u64> {
    // Duress first: a person pressed the duress PIN and someone must look now.
    let mut out: Vec<u64> = Vec::new();
    for id in b
        .duress
        .iter()
        .chain(&b.overdue)
        .chain(&b.without_lawyer)
        .chain(b.deadlines.iter().map(|(id, _)| id))
    {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    out
}

pub fn backlog_target(model: &Model) -> Option<u64> {
    match &model.backlog.view {
        Some((_, ids)) => ids.get(model.backlog.selected).copied(),
        None => attention(model).get(model.backlog.selected).copied(),
    }
}

/// Shows a case in the queue: switches to the tab that lists cases and selects it.
pub fn select_case(model: &mut Model, id: u64) {
    let list = tabs(model.role());
    if matches!(model.tab, Tab::Backlog | Tab::Shift)
        && let Some(tab) = list
            .iter()
            .find(|t| !matches!(t, Tab::Backlog | Tab::Shift))
    {
        model.tab = *tab;
    }
    // A closed case is out of the live queue: search for it so that it shows.
    let closed = model
        .cases
        .get(&id)
        .is_some_and(|c| c.status == crate::domain::case::CaseStatus::Closed);
    model.list.filter = if closed {
        id.to_string()
    } else {
        String::new()
    };
    model.list.selected = Some(id);
    model.list.stale = true;
    model.refresh_order();
    model.list.unseen.remove(&id);
}
