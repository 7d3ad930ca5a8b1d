//! The app loop: one inbox, one owner of the model, draw after each drained batch.

use std::io::Write;
use std::time::Duration;

use chrono::Utc;
use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::action::{Action, Command};
use super::model::Model;
use super::net::client::{HubClient, NetError};
use super::net::subscriber;
use super::update::update;
use super::view;
use crate::i18n::Lang;

pub struct ConsoleOptions {
    pub hub: String,
    pub token: String,
    pub lang: Lang,
    pub no_color: bool,
    pub sla: chrono::Duration,
}

/// Most actions applied before a redraw, so a flood of events cannot starve the screen.
const MAX_DRAIN: usize = 4096;
const INBOX: usize = 8192;

/// Applies `first` and whatever else is already waiting; returns the commands to run.
pub fn drain(model: &mut Model, first: Action, inbox: &mut mpsc::Receiver<Action>) -> Vec<Command> {
    let mut commands = update(model, first);
    for _ in 0..MAX_DRAIN {
        match inbox.try_recv() {
            Ok(action) => commands.extend(update(model, action)),
            Err(_) => break,
        }
    }
    commands
}

/// Starts the tasks that feed the inbox: the hub subscriber and the clock.
pub fn spawn_feeds(client: HubClient, stop: &CancellationToken) -> mpsc::Receiver<Action> {
    let (tx, rx) = mpsc::channel(INBOX);
    tokio::spawn(subscriber::run(client, tx.clone(), stop.clone()));
    let ticks = tx;
    let stop_ticks = stop.clone();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = stop_ticks.cancelled() => return,
                _ = interval.tick() => {
                    if ticks.send(Action::Tick(Utc::now())).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    rx
}

/// Runs the console on the real terminal until the operator quits.
pub async fn run(options: ConsoleOptions) -> Result<(), NetError> {
    let client = HubClient::new(&options.hub, &options.token)?;
    let stop = CancellationToken::new();
    let mut inbox = spawn_feeds(client, &stop);
    let (keys_tx, mut keys) = mpsc::channel(256);
    let stop_keys = stop.clone();
    tokio::spawn(async move {
        let mut events = EventStream::new();
        loop {
            let next = tokio::select! {
                _ = stop_keys.cancelled() => return,
                e = events.next() => e,
            };
            let action = match next {
                Some(Ok(TermEvent::Key(key))) => Action::Key(key),
                Some(Ok(TermEvent::Resize(..))) => Action::Resize,
                Some(Ok(_)) => continue,
                _ => return,
            };
            if keys_tx.send(action).await.is_err() {
                return;
            }
        }
    });

    // ratatui::init installs a panic hook that restores the terminal before the message prints.
    let mut terminal = ratatui::init();
    let mut model = Model::new(options.lang, options.no_color, options.sla, Utc::now());
    let result = event_loop(&mut terminal, &mut model, &mut inbox, &mut keys).await;
    stop.cancel();
    ratatui::restore();
    if let Err(e) = result {
        tracing::error!(error = %e, "terminal error");
    }
    Ok(())
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    model: &mut Model,
    inbox: &mut mpsc::Receiver<Action>,
    keys: &mut mpsc::Receiver<Action>,
) -> std::io::Result<()> {
    terminal.draw(|f| view::render(model, f))?;
    loop {
        // Keys come first so the operator is never queued behind a burst of events.
        let first = tokio::select! {
            biased;
            Some(k) = keys.recv() => k,
            Some(a) = inbox.recv() => a,
            else => return Ok(()),
        };
        let mut commands = drain(model, first, keys);
        if let Ok(action) = inbox.try_recv() {
            commands.extend(drain(model, action, inbox));
        }
        for command in commands {
            match command {
                Command::Bell => {
                    let mut out = std::io::stdout();
                    let _ = out.write_all(b"\x07");
                    let _ = out.flush();
                }
                Command::Quit => return Ok(()),
            }
        }
        if model.quit {
            return Ok(());
        }
        terminal.draw(|f| view::render(model, f))?;
    }
}
