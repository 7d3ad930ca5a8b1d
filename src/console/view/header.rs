use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::clean;
use super::theme::Theme;
use crate::console::action::Connection;
use crate::console::model::Model;
use crate::domain::staff::Role;
use crate::i18n::{self, Text, t};

pub fn render(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let lang = model.lang;
    let mut spans = vec![
        Span::styled(t(lang, Text::AppName), theme.title()),
        Span::raw(" · "),
    ];
    let (symbol, text, style) = match &model.connection {
        Connection::Live => ("●", t(lang, Text::Live).to_string(), theme.live()),
        Connection::Connecting => ("○", t(lang, Text::Connecting).to_string(), theme.warn()),
        Connection::Reconnecting { attempt, .. } => (
            "◌",
            format!(
                "{} ({})",
                t(lang, Text::Reconnecting),
                i18n::reconnect_attempt(lang, *attempt)
            ),
            theme.warn(),
        ),
        Connection::Refused(_) => ("✕", t(lang, Text::Refused).to_string(), theme.warn()),
    };
    // Whether the screen is live comes first: at 80 columns the line is cut from its end.
    spans.push(Span::styled(format!("{symbol} {text}"), style));
    // A week's notice before the token stops working, so nobody is locked out mid-shift.
    if let Some(expires) = model.me.as_ref().and_then(|m| m.token_expires_at)
        && expires - model.now <= chrono::Duration::days(7)
    {
        let days = (expires - model.now).num_days().max(0);
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(
            crate::console::words::token_expiring(lang, days),
            theme.unseen(),
        ));
    }
    let last = match model.last_event_at {
        Some(at) => format!(
            " · {}",
            i18n::last_event_ago(lang, (model.now - at).num_seconds())
        ),
        None => format!(" · {}", t(lang, Text::NoEventsYet)),
    };
    spans.push(Span::styled(last, theme.dim()));
    if let Some(me) = &model.me {
        spans.push(Span::raw(" · "));
        let place = match (&me.consulate, me.role) {
            (Some(c), _) => clean(&model.consulate_name(c)),
            // A lawyer works across consulates; "national" would suggest a supervisor's reach.
            (None, Role::Lawyer) => String::new(),
            (None, _) => t(lang, Text::National).to_string(),
        };
        if !place.is_empty() {
            spans.push(Span::styled(place, theme.title()));
            spans.push(Span::raw(" · "));
        }
        // A middle dot, not brackets: a name may carry its own ("(demo)").
        spans.push(Span::raw(format!(
            "{} · {}",
            clean(&me.name),
            i18n::role(lang, me.role)
        )));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
