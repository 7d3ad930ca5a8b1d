//! The `:` command line: verbs on short case numbers, for officers who would rather type
//! `ack 1042` than find the row. Parsing only; `update` carries the verbs out.

use crate::domain::checkpoint::{CheckpointCode, CloseOutcome};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verb {
    /// `1042` or `open 1042`: select the case.
    Open(u64),
    Ack(u64),
    /// `assign 1042 <lawyer name or id>`.
    Assign(u64, String),
    /// `close 1042 false-alarm [note...]`: asks for the note if none, then for confirmation.
    Close(u64, CloseOutcome, String),
    /// `note 1042 text...`.
    Note(u64, String),
    /// `checkpoint 1042 [CODE]`: opens the checkpoint form.
    Checkpoint(u64, Option<CheckpointCode>),
    /// `reopen 1042 reason...`.
    Reopen(u64, String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandError {
    Empty,
    UnknownVerb(String),
    /// The case number is missing or not a number.
    CaseNumber,
    /// Something required after the case number is missing (`what` names it).
    Missing(&'static str),
    UnknownOutcome(String),
    UnknownCheckpoint(String),
}

/// The verbs, for the help line. Spanish synonyms are accepted too.
pub const VERBS: &[&str] = &[
    "ack",
    "assign",
    "checkpoint",
    "note",
    "close",
    "reopen",
    "open",
];

fn canonical(verb: &str) -> Option<&'static str> {
    Some(match verb {
        "ack" | "atender" => "ack",
        "assign" | "asignar" => "assign",
        "checkpoint" | "cp" | "etapa" => "checkpoint",
        "note" | "nota" => "note",
        "close" | "cerrar" => "close",
        "reopen" | "reabrir" => "reopen",
        "open" | "abrir" | "go" | "ir" => "open",
        _ => return None,
    })
}

pub fn parse(line: &str) -> Result<Verb, CommandError> {
    let line = line.trim().trim_start_matches(':').trim();
    let mut words = line.split_whitespace();
    let first = words.next().ok_or(CommandError::Empty)?;
    if let Ok(id) = first.trim_start_matches('#').parse::<u64>() {
        return Ok(Verb::Open(id));
    }
    let lower = first.to_lowercase();
    let verb = canonical(&lower).ok_or(CommandError::UnknownVerb(first.to_string()))?;
    let id: u64 = words
        .next()
        .and_then(|w| w.trim_start_matches('#').parse().ok())
        .ok_or(CommandError::CaseNumber)?;
    let rest: Vec<&str> = words.collect();
    let rest_text = rest.join(" ");
    match verb {
        "ack" => Ok(Verb::Ack(id)),
        "open" => Ok(Verb::Open(id)),
        "assign" if rest_text.is_empty() => Err(CommandError::Missing("lawyer")),
        "assign" => Ok(Verb::Assign(id, rest_text)),
        "note" if rest_text.is_empty() => Err(CommandError::Missing("text")),
        "note" => Ok(Verb::Note(id, rest_text)),
        "reopen" if rest_text.is_empty() => Err(CommandError::Missing("reason")),
        "reopen" => Ok(Verb::Reopen(id, rest_text)),
        "close" => {
            let word = rest.first().ok_or(CommandError::Missing("outcome"))?;
            let outcome =
                CloseOutcome::parse(word).ok_or(CommandError::UnknownOutcome(word.to_string()))?;
            Ok(Verb::Close(id, outcome, rest[1..].join(" ")))
        }
        "checkpoint" => match rest.first() {
            None => Ok(Verb::Checkpoint(id, None)),
            Some(word) => CheckpointCode::parse(word)
                .map(|c| Verb::Checkpoint(id, Some(c)))
                .ok_or(CommandError::UnknownCheckpoint(word.to_string())),
        },
        _ => Err(CommandError::UnknownVerb(first.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_on_short_case_numbers() {
        assert_eq!(parse("ack 1042"), Ok(Verb::Ack(1042)));
        assert_eq!(parse(":atender #1042"), Ok(Verb::Ack(1042)));
        assert_eq!(
            parse("assign 1042 Ana Beltrán"),
            Ok(Verb::Assign(1042, "Ana Beltrán".into()))
        );
        assert_eq!(
            parse("close 1042 false-alarm"),
            Ok(Verb::Close(1042, CloseOutcome::FalseAlarm, String::new()))
        );
        assert_eq!(
            parse("close 1042 false_alarm nadie detenido"),
            Ok(Verb::Close(
                1042,
                CloseOutcome::FalseAlarm,
                "nadie detenido".into()
            ))
        );
        assert_eq!(parse("1042"), Ok(Verb::Open(1042)));
        assert_eq!(
            parse("cp 7 detention_confirmed"),
            Ok(Verb::Checkpoint(
                7,
                Some(CheckpointCode::DetentionConfirmed)
            ))
        );
    }

    #[test]
    fn mistakes_say_what_is_missing() {
        assert_eq!(parse(""), Err(CommandError::Empty));
        assert_eq!(parse("ack"), Err(CommandError::CaseNumber));
        assert_eq!(parse("close 9"), Err(CommandError::Missing("outcome")));
        assert_eq!(
            parse("close 9 maybe"),
            Err(CommandError::UnknownOutcome("maybe".into()))
        );
        assert_eq!(
            parse("frobnicate 9"),
            Err(CommandError::UnknownVerb("frobnicate".into()))
        );
    }
}
