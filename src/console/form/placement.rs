//! Placing a detainee: the registry's facilities picked nearest first, the fields they fill, and
//! the transfer picker that offers first the consulate whose district the facility lies in.

use super::{Form, PickItem, Picker, editor};
use crate::domain::case::Case;
use crate::domain::command::Verb;
use crate::i18n::Lang;

/// The facility picker's "not in the registry: type it in".
pub const NOT_LISTED: &str = "";

pub(super) fn facility_items(
    case: &Case,
    registry: &crate::domain::facility::Registry,
    lang: Lang,
) -> Vec<PickItem> {
    let near = case.located().then(|| case.location.point());
    let mut items = vec![PickItem {
        key: NOT_LISTED.into(),
        label: crate::i18n::work::p(lang, crate::i18n::work::P::NotListed).into(),
        detail: String::new(),
        search: String::new(),
    }];
    items.extend(registry.search("", near, usize::MAX).into_iter().map(|f| {
        let km = f.km.map(|k| format!("{k:.0} km · ")).unwrap_or_default();
        PickItem {
            key: f.facility.code.clone(),
            label: f.facility.label(),
            detail: format!("{km}{}", f.facility.field_office),
            search: format!("{} {}", f.facility.code, f.facility.field_office),
        }
    }));
    items
}

impl Form {
    /// Consulates to transfer to, nearest to the person first (detainees are moved to facilities
    /// nearby more often than far away).
    /// `held_in`: the consulate whose district the person's facility lies in; offered first,
    /// since a detainee is served where they are held.
    pub fn transfer(
        case: &Case,
        consulates: &[crate::domain::consulate::Consulate],
        lang: Lang,
        held_in: Option<&str>,
    ) -> Form {
        let mut form = Form::new(case, Verb::Transfer);
        let mut items: Vec<PickItem> =
            crate::domain::consulate::by_distance(consulates, case.location.point())
                .into_iter()
                .filter(|(c, _)| c.id != case.consulate)
                .map(|(c, km)| PickItem {
                    key: c.id.clone(),
                    label: c.label(),
                    detail: crate::i18n::distance(lang, km),
                    search: c.id.clone(),
                })
                .collect();
        if let Some(at) = held_in.and_then(|d| items.iter().position(|i| i.key == d)) {
            let mut item = items.remove(at);
            item.detail = crate::i18n::work::p(lang, crate::i18n::work::P::HeldHere).to_string();
            items.insert(0, item);
        }
        form.picker = Some(Picker::new(items));
        form
    }

    /// Fills the placement's fields from the facility chosen (nothing for "not listed": the
    /// officer types it). The hub fills them again from its registry by the code.
    pub(super) fn place_in(&mut self, item: &PickItem) {
        if item.key == NOT_LISTED {
            self.focus = 1;
            return;
        }
        let (name, place) = item
            .label
            .split_once(" · ")
            .unwrap_or((item.label.as_str(), ""));
        let office = item.search.split_whitespace().nth(1).unwrap_or("");
        for (field, value) in [
            ("facility_code", item.key.as_str()),
            ("facility", name),
            ("city_state", place),
            ("field_office", office),
        ] {
            if let Some(input) = self.inputs.iter_mut().find(|i| i.name == field) {
                input.editor = editor(value);
            }
        }
        // On to what the registry cannot know: when, and the rest.
        self.focus = self
            .inputs
            .iter()
            .position(|i| i.name == "source" || i.name == "moved_on")
            .unwrap_or(0);
    }
}
