//! The app loop: one inbox, one owner of the model, draw after each drained batch.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::action::{Action, Command};
use super::model::Model;
use super::net::client::NetError;
use super::net::hubs::Hubs;
use super::net::outbox::{self, Outbox, OutboxMsg};
use super::net::subscriber;
use super::update::update;
use super::view;
use crate::i18n::Lang;

pub struct ConsoleOptions {
    /// The hubs to follow, in order: the console starts on the first and moves to the next when
    /// the one it is on fails (see [`super::net::hubs`]).
    pub hubs: Vec<String>,
    pub token: String,
    pub lang: Lang,
    pub no_color: bool,
    pub rules: crate::domain::urgency::Rules,
    /// The file that keeps this person's pending actions (see [`outbox::default_path`]).
    pub outbox: PathBuf,
}

impl ConsoleOptions {
    /// The console's settings: the hubs from `--hub` (`hub_flags`) or the configuration, the
    /// token, the urgency rules, and the outbox file in `data_dir`.
    pub fn from_config(
        config: &crate::config::Config,
        hub_flags: &[String],
        lang: Lang,
        no_color: bool,
        data_dir: &Path,
    ) -> Result<ConsoleOptions, String> {
        let hubs = config.console.hub_list(hub_flags);
        let Some(first) = hubs.first() else {
            return Err(
                "no hub: give --hub URL, or console.hub or console.hubs in the config file".into(),
            );
        };
        let token = config.console.token.clone();
        if token.is_empty() {
            return Err(
                "no staff token: set GUARDIA_TOKEN or console.token in the config file".into(),
            );
        }
        // Named after the first hub, as when there was only one: adding a standby hub after it
        // keeps the same file and whatever it holds.
        let outbox = outbox::default_path(data_dir, first, &token);
        Ok(ConsoleOptions {
            hubs,
            token,
            lang,
            no_color,
            rules: config.urgency.rules(),
            outbox,
        })
    }
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

/// The console drawn at `width` × `height` off screen, as text (a line per row): what the
/// screen tests and a transcript read.
pub fn draw_to_text(model: &mut Model, width: u16, height: u16) -> String {
    let backend = ratatui::backend::TestBackend::new(width, height);
    // The test backend cannot fail: its error type has no values.
    let Ok(mut terminal) = ratatui::Terminal::new(backend);
    let Ok(()) = draw(&mut terminal, model);
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| {
            (0..width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
                + "\n"
        })
        .collect()
}

/// Settles what the screen needs for the terminal's size, then draws it from the model.
pub fn draw<B: ratatui::backend::Backend>(
    terminal: &mut ratatui::Terminal<B>,
    model: &mut Model,
) -> Result<(), B::Error> {
    let size = terminal.size()?;
    super::update::settle(
        model,
        ratatui::layout::Rect::new(0, 0, size.width, size.height),
    );
    terminal.draw(|f| view::render(model, f))?;
    Ok(())
}

/// Performs the commands that reach outside the console: the outbox and the hub's REST reads.
/// Results come back as actions through the inbox, like everything else.
#[derive(Clone)]
pub struct Effects {
    outbox: mpsc::UnboundedSender<OutboxMsg>,
    /// The drafts list, written by a thread of its own in the order given; the second half,
    /// when present, is told once that list (or a newer one) is on disk.
    drafts: std::sync::mpsc::Sender<DraftsWrite>,
    /// Reads go to the current hub; one that finds it down moves the console on.
    hubs: Hubs,
    inbox: mpsc::Sender<Action>,
}

type DraftsWrite = (
    Vec<crate::console::records::FormDraft>,
    Option<std::sync::mpsc::Sender<()>>,
);

impl Effects {
    /// Writes the drafts and waits (a little) until they are on disk: on the way out, so what
    /// was typed outlives the console instead of dying with the writer thread.
    pub fn save_drafts_now(&self, list: Vec<crate::console::records::FormDraft>) {
        let (done, written) = std::sync::mpsc::channel();
        if self.drafts.send((list, Some(done))).is_ok() {
            let _ = written.recv_timeout(Duration::from_secs(3));
        }
    }

    /// Bell and Quit belong to the terminal loop and are ignored here.
    pub fn perform(&self, command: Command) {
        match command {
            Command::Bell | Command::Quit => {}
            // Two more strokes after the first, a beat apart: a pattern of its own.
            Command::DuressBell => {
                tokio::spawn(async {
                    for _ in 0..2 {
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        let mut out = std::io::stdout();
                        let _ = out.write_all(b"\x07");
                        let _ = out.flush();
                    }
                });
            }
            // Unbounded on purpose: an action must reach the outbox file, never be dropped
            // because a queue was full. People act at human speed, so it stays small.
            Command::Record(work) => {
                let _ = self.outbox.send(OutboxMsg::Record(work));
            }
            Command::Submit(draft) => {
                let _ = self.outbox.send(OutboxMsg::Submit(draft));
            }
            Command::SaveDrafts(list) => {
                let _ = self.drafts.send((list, None));
            }
            Command::FlushOutbox => {
                let _ = self.outbox.send(OutboxMsg::Flush);
            }
            Command::Dismiss(key) => {
                let _ = self.outbox.send(OutboxMsg::Dismiss(key));
            }
            Command::FetchLawyers => {
                let (hubs, inbox) = (self.hubs.clone(), self.inbox.clone());
                tokio::spawn(async move {
                    match hubs
                        .request(|client| async move { client.lawyers().await })
                        .await
                    {
                        Ok(list) => {
                            let _ = inbox.send(Action::Lawyers(list)).await;
                        }
                        Err(e) => tracing::warn!(error = %e, "cannot load the lawyers' roster"),
                    }
                });
            }
            Command::FetchConsulates => {
                let (hubs, inbox) = (self.hubs.clone(), self.inbox.clone());
                tokio::spawn(async move {
                    match hubs
                        .request(|client| async move { client.consulates().await })
                        .await
                    {
                        Ok(list) => {
                            let _ = inbox.send(Action::Consulates(list)).await;
                        }
                        Err(e) => tracing::warn!(error = %e, "cannot load the consulates"),
                    }
                });
            }
            Command::FetchShift => {
                let (hubs, inbox) = (self.hubs.clone(), self.inbox.clone());
                tokio::spawn(async move {
                    let panel = hubs
                        .request(|client| async move { Ok(client.shift_panel().await) })
                        .await;
                    if let Ok(panel) = panel {
                        let _ = inbox.send(Action::ShiftLoaded(Box::new(panel))).await;
                    }
                });
            }
            Command::FetchFacilities => {
                let (hubs, inbox) = (self.hubs.clone(), self.inbox.clone());
                tokio::spawn(async move {
                    match hubs
                        .request(|client| async move { client.recorded_facilities().await })
                        .await
                    {
                        Ok(list) => {
                            let _ = inbox.send(Action::Facilities(list)).await;
                        }
                        // Admins see no case work; the shipped list stands.
                        Err(e) => tracing::debug!(error = %e, "no recorded facilities"),
                    }
                });
            }
            Command::FindOnHub(query) => {
                let (hubs, inbox) = (self.hubs.clone(), self.inbox.clone());
                tokio::spawn(async move {
                    let asked = query.clone();
                    match hubs
                        .request(|client| async move { client.find(&asked).await })
                        .await
                    {
                        Ok(ids) => {
                            let _ = inbox.send(Action::Found { query, ids }).await;
                        }
                        // The search still finds what the rows carry.
                        Err(e) => tracing::warn!(error = %e, "the hub could not search"),
                    }
                });
            }
            Command::FetchCandidates(phone) => {
                let (hubs, inbox) = (self.hubs.clone(), self.inbox.clone());
                tokio::spawn(async move {
                    let list = match hubs
                        .request(|client| async move { client.candidates(&phone).await })
                        .await
                    {
                        Ok(list) => Some(list),
                        Err(e) => {
                            // No answer: the call still goes, as a new unmatched case.
                            tracing::warn!(error = %e, "cannot look up intake candidates");
                            None
                        }
                    };
                    let _ = inbox.send(Action::Candidates(list)).await;
                });
            }
            Command::FetchCase(id) => {
                let (hubs, inbox) = (self.hubs.clone(), self.inbox.clone());
                tokio::spawn(async move {
                    match hubs
                        .request(|client| async move { client.case(id).await })
                        .await
                    {
                        Ok(case) => {
                            let _ = inbox.send(Action::CaseLoaded(Box::new(case))).await;
                            // The card after the case: a hub without it (an older one) leaves
                            // the detail as it was.
                            if let Ok(card) = hubs
                                .request(|client| async move { client.case_card(id).await })
                                .await
                            {
                                let _ = inbox.send(Action::CardLoaded(id, Box::new(card))).await;
                            }
                        }
                        Err(e) => {
                            tracing::warn!(case = id, error = %e, "cannot load a case");
                            let _ = inbox.send(Action::CaseUnavailable(id)).await;
                        }
                    }
                });
            }
        }
    }
}

/// Starts the tasks that feed the inbox (the hub subscriber, the clock, the outbox) and returns
/// the inbox and the effects handle. `hubs` is one client or several to fail over between; all
/// three share which one is current. Fails only if the outbox file exists and cannot be read:
/// the console then refuses to start rather than lose what it holds.
pub fn spawn_feeds(
    hubs: impl Into<Hubs>,
    outbox_path: &Path,
    stop: &CancellationToken,
) -> std::io::Result<(mpsc::Receiver<Action>, Effects)> {
    let hubs = hubs.into();
    let outbox = Outbox::open(outbox_path)?;
    let (tx, rx) = mpsc::channel(INBOX);
    let (outbox_tx, outbox_rx) = mpsc::unbounded_channel();
    tokio::spawn(outbox::run(
        hubs.clone(),
        outbox,
        outbox_rx,
        tx.clone(),
        stop.clone(),
    ));
    let drafts_path = crate::console::drafts::path_beside(outbox_path);
    let (drafts_tx, drafts_rx) = std::sync::mpsc::channel::<DraftsWrite>();
    std::thread::spawn(move || {
        // Only the newest list matters: a burst of saves writes the last one.
        while let Ok((mut list, ack)) = drafts_rx.recv() {
            let mut acks: Vec<_> = ack.into_iter().collect();
            while let Ok((newer, ack)) = drafts_rx.try_recv() {
                list = newer;
                acks.extend(ack);
            }
            if let Err(e) = crate::console::drafts::save(&drafts_path, &list) {
                tracing::error!(error = %e, "cannot save the drafts");
            }
            for ack in acks {
                let _ = ack.send(());
            }
        }
    });
    let effects = Effects {
        outbox: outbox_tx,
        drafts: drafts_tx,
        hubs: hubs.clone(),
        inbox: tx.clone(),
    };
    tokio::spawn(subscriber::run(hubs, tx.clone(), stop.clone()));
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
    Ok((rx, effects))
}

/// Runs the console on the real terminal until the operator quits.
pub async fn run(options: ConsoleOptions) -> Result<(), NetError> {
    let hubs = Hubs::connect(&options.hubs, &options.token)?;
    let stop = CancellationToken::new();
    let (mut inbox, effects) = spawn_feeds(hubs, &options.outbox, &stop).map_err(|e| {
        NetError::Unreachable(format!(
            "the outbox {} cannot be read ({e}); move it aside to start, its actions are kept \
             there",
            options.outbox.display()
        ))
    })?;
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
    let mut model = Model::new(
        options.lang,
        options.no_color,
        options.rules.sla,
        Utc::now(),
    );
    model.rules = options.rules;
    model.drafts =
        crate::console::drafts::load(&crate::console::drafts::path_beside(&options.outbox));
    let result = event_loop(&mut terminal, &mut model, &mut inbox, &mut keys, &effects).await;
    // The loop may have left with a save still queued: the newest list goes to disk first.
    effects.save_drafts_now(model.drafts.clone());
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
    effects: &Effects,
) -> std::io::Result<()> {
    draw(terminal, model)?;
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
                Command::Bell | Command::DuressBell => {
                    if command == Command::DuressBell {
                        effects.perform(Command::DuressBell);
                    }
                    let mut out = std::io::stdout();
                    let _ = out.write_all(b"\x07");
                    let _ = out.flush();
                }
                Command::Quit => return Ok(()),
                other => effects.perform(other),
            }
        }
        if model.quit {
            return Ok(());
        }
        draw(terminal, model)?;
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use clap::Parser;

    use super::ConsoleOptions;
    use crate::cli::{Cli, Command};
    use crate::config::Config;
    use crate::console::net::outbox::default_path;
    use crate::i18n::Lang;

    /// `guardia console ...` as the binary reads it, down to the console's settings.
    fn options(args: &[&str]) -> Result<ConsoleOptions, String> {
        options_with(args, "http://127.0.0.1:8750")
    }

    fn options_with(args: &[&str], configured: &str) -> Result<ConsoleOptions, String> {
        let env = [
            ("GUARDIA_TOKEN".to_string(), "gds_test".to_string()),
            ("GUARDIA_CONSOLE_HUB".to_string(), configured.to_string()),
        ];
        let config = Config::load_with(None, None, &env).unwrap();
        let Command::Console { hub, .. } = Cli::try_parse_from(args).unwrap().command else {
            unreachable!("a console command");
        };
        ConsoleOptions::from_config(&config, &hub, Lang::Es, true, Path::new("/data"))
    }

    #[test]
    fn one_hub_is_followed_and_keeps_the_outbox_it_always_had() {
        let one = options(&["guardia", "console", "--hub", "https://hub.example"]).unwrap();
        assert_eq!(one.hubs, ["https://hub.example"]);
        assert_eq!(
            one.outbox,
            default_path(Path::new("/data"), "https://hub.example", "gds_test")
        );
        let configured = options(&["guardia", "console"]).unwrap();
        assert_eq!(configured.hubs, ["http://127.0.0.1:8750"]);
    }

    #[test]
    fn several_hubs_repeated_or_with_commas_share_the_first_ones_outbox() {
        let several = options(&[
            "guardia",
            "console",
            "--hub",
            "https://a.example",
            "--hub",
            "https://b.example,https://c.example",
        ])
        .unwrap();
        assert_eq!(
            several.hubs,
            [
                "https://a.example",
                "https://b.example",
                "https://c.example"
            ]
        );
        assert_eq!(
            several.outbox,
            default_path(Path::new("/data"), "https://a.example", "gds_test")
        );
        // Blank flags say nothing: the configured hub stands; with none, the console says so.
        let blank = options(&["guardia", "console", "--hub", " , "]).unwrap();
        assert_eq!(blank.hubs, ["http://127.0.0.1:8750"]);
        let none = options_with(&["guardia", "console"], "").err().unwrap();
        assert!(none.starts_with("no hub"), "{none}");
    }
}
