//! One theme. With `NO_COLOR`, meaning is carried by symbols, words and bold/reverse only.

use ratatui::style::{Color, Modifier, Style};

use crate::domain::urgency::Tier;

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub no_color: bool,
}

impl Theme {
    fn fg(self, color: Color) -> Style {
        if self.no_color {
            Style::default()
        } else {
            Style::default().fg(color)
        }
    }

    pub fn tier(self, tier: Tier) -> Style {
        match tier {
            Tier::Critical => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Tier::High => self.fg(Color::LightRed),
            Tier::Elevated => self.fg(Color::Yellow),
            Tier::Routine => self.fg(Color::Reset),
            Tier::Resolved => self.fg(Color::DarkGray),
        }
    }

    pub fn title(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn dim(self) -> Style {
        self.fg(Color::DarkGray)
    }

    pub fn live(self) -> Style {
        self.fg(Color::Green).add_modifier(Modifier::BOLD)
    }

    pub fn warn(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn selected(self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }

    /// A new critical alert not yet looked at: bold and underlined in every colour mode.
    pub fn unseen(self) -> Style {
        self.fg(Color::Red)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn key(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
}
