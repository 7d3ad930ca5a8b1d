//! The raid picture (`m`): the consulate's district on ratatui's world map, with open alerts,
//! duress cases, clusters, consulates and the places ICE has held people. Symbols carry the
//! meaning, so it reads without colour too.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::canvas::{Canvas, Map, MapResolution, Points};
use ratatui::widgets::{Block, Borders};

use super::theme::Theme;
use crate::console::model::Model;
use crate::console::words::strip;
use crate::domain::case::CaseStatus;
use crate::domain::geo::Point;

/// Degrees around the consulate a district view shows (about 330 × 370 km in California).
const DISTRICT_LAT: f64 = 1.5;
const DISTRICT_LON: f64 = 2.0;
/// The lower 48, for national staff.
const USA: ([f64; 2], [f64; 2]) = ([-125.0, -66.0], [24.0, 50.0]);

/// (x bounds, y bounds) the map shows: around a focused cluster, else the officer's consulate,
/// else the whole country.
pub fn bounds(model: &Model) -> ([f64; 2], [f64; 2]) {
    let around = |p: Point, dlat: f64, dlon: f64| {
        ([p.lon - dlon, p.lon + dlon], [p.lat - dlat, p.lat + dlat])
    };
    if let Some(crate::console::records::Focus::Cluster(c)) = &model.list.focus {
        return around(c.center, 0.15, 0.2);
    }
    model
        .me
        .as_ref()
        .and_then(|me| me.consulate.as_deref())
        .and_then(|id| model.consulates.iter().find(|c| c.id == id))
        .map(|c| around(c.point(), DISTRICT_LAT, DISTRICT_LON))
        .unwrap_or(USA)
}

pub fn render(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let lang = model.lang;
    let color = |c: Color| if theme.no_color { Color::Reset } else { c };
    let (x, y) = bounds(model);
    let inside = |p: Point| p.lon >= x[0] && p.lon <= x[1] && p.lat >= y[0] && p.lat <= y[1];
    let mut alerts: Vec<Point> = Vec::new();
    let mut duress: Vec<Point> = Vec::new();
    for case in model.cases.values() {
        if case.status == CaseStatus::Closed || !case.located() || !model.keeps(case) {
            continue;
        }
        let p = case.location.point();
        if case.duress_at.is_some() {
            duress.push(p);
        } else if inside(p) {
            alerts.push(p);
        }
    }
    let facilities: Vec<(f64, f64)> = model
        .facilities
        .iter()
        .filter(|f| inside(f.point()))
        .map(|f| (f.lon, f.lat))
        .collect();
    let title = format!(
        " {}: {} ",
        crate::console::words::map_title(lang),
        strip::map_legend(lang)
    );
    let canvas = Canvas::default()
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(Span::styled(title, theme.title()))
                // Where the places come from, wherever they are shown.
                .title_bottom(Span::styled(
                    format!(" {} ", strip::facilities_credit(lang)),
                    theme.dim(),
                )),
        )
        .marker(Marker::Braille)
        .x_bounds(x)
        .y_bounds(y)
        .paint(|ctx| {
            ctx.draw(&Map {
                color: color(Color::DarkGray),
                resolution: MapResolution::High,
            });
            ctx.layer();
            ctx.draw(&Points {
                coords: &facilities,
                color: color(Color::Blue),
            });
            ctx.layer();
            // A whole cell each, so they stand out from the places' fine dots without colour.
            for p in &alerts {
                ctx.print(p.lon, p.lat, Span::styled("•", theme.warn()));
            }
            for c in &model.consulates {
                if inside(c.point()) {
                    ctx.print(c.lon, c.lat, Span::styled("◆", theme.key()));
                }
            }
            for cluster in &model.list.clusters {
                if inside(cluster.center) {
                    ctx.print(
                        cluster.center.lon,
                        cluster.center.lat,
                        Span::styled(format!("◎{}", cluster.ids.len()), theme.warn()),
                    );
                }
            }
            // Last, so nothing is drawn over them.
            for p in &duress {
                if inside(*p) {
                    // Not ‼, which the list uses for every critical case.
                    ctx.print(p.lon, p.lat, Span::styled("⊗", theme.unseen()));
                }
            }
        });
    frame.render_widget(canvas, area);
}
