//! A case export that can be checked later: it lists who read the case, and ends with the seal
//! of the case's last event. `guardia verify --export` asks the hub for the case as it stood at
//! that event and for the reads up to the export's own, draws the document again the same way,
//! and compares it line by line; the seal's link must be the hub's.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::api::AccessEntry;
use crate::console::net::client::{HubClient, NetError, Sealed};
use crate::console::words as console;
use crate::domain::event::ReadPurpose;
use crate::domain::sanitize::{Lines, sanitize};
use crate::i18n::{Lang, record};

/// The machine-readable last line of an export.
const SEAL_MARK: &str = "<!-- guardia-seal ";

/// What the last line of an export says.
#[derive(Debug, Clone, PartialEq)]
pub struct Seal {
    pub case: u64,
    /// The case's last event when it was exported, and that event's link.
    pub seq: u64,
    pub link: String,
    /// The export's own read record: the access list runs up to it.
    pub read: u64,
    pub at: DateTime<Utc>,
    pub lang: Lang,
}

impl Seal {
    fn line(&self) -> String {
        format!(
            "{SEAL_MARK}case={} seq={} link={} read={} at={} lang={} -->\n",
            self.case,
            self.seq,
            self.link,
            self.read,
            self.at.to_rfc3339_opts(SecondsFormat::Secs, true),
            self.lang.code()
        )
    }

    /// Reads the seal from an export's last line.
    pub fn parse(document: &str) -> Option<Seal> {
        let line = document.trim_end().lines().last()?;
        let fields = line.strip_prefix(SEAL_MARK)?.strip_suffix(" -->")?;
        let get = |key: &str| {
            fields
                .split(' ')
                .find_map(|f| f.strip_prefix(key)?.strip_prefix('='))
        };
        Some(Seal {
            case: get("case")?.parse().ok()?,
            seq: get("seq")?.parse().ok()?,
            link: get("link")?.to_string(),
            read: get("read")?.parse().ok()?,
            at: DateTime::parse_from_rfc3339(get("at")?)
                .ok()?
                .with_timezone(&Utc),
            lang: Lang::parse(get("lang")?)?,
        })
    }
}

/// The access list as Markdown, or a line saying this role does not see it.
fn access_markdown(access: Option<&[AccessEntry]>, lang: Lang) -> String {
    let mut out = format!("## {}\n\n", record::access_heading(lang));
    let Some(list) = access else {
        out.push_str(&format!("{}\n\n", record::access_hidden(lang)));
        return out;
    };
    for a in list {
        let purpose = record::purpose(lang, a.purpose);
        let from = a
            .console
            .as_deref()
            .map(|c| format!(" — {}", super::md(&sanitize(c, Lines::One))))
            .unwrap_or_default();
        out.push_str(&format!(
            "- {} — {} — {}{from} (seq {})\n",
            a.at.format("%Y-%m-%d %H:%M:%S UTC"),
            super::md(&console::actor(lang, &a.by)),
            purpose,
            a.seq
        ));
    }
    out.push('\n');
    out
}

/// The whole document above the seal line.
fn body(sealed: &Sealed, access: Option<&[AccessEntry]>, seal: &Seal) -> String {
    let mut out = super::case_markdown(&sealed.case, seal.lang, seal.at);
    out.push('\n');
    out.push_str(&super::card::markdown(&sealed.case, seal.lang, seal.at));
    out.push_str(&access_markdown(access, seal.lang));
    out.push_str(&format!(
        "{}: seq {} — {}\n\n",
        record::seal(seal.lang),
        seal.seq,
        seal.link
    ));
    out
}

/// `guardia case export`: reads the case (recorded as an export), then who read it up to that
/// read, and writes the document with its seal.
pub async fn export(
    client: &HubClient,
    id: u64,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<String, NetError> {
    let sealed = client.case_sealed(id, ReadPurpose::Export, None).await?;
    let access = client.access(id, Some(sealed.read)).await?;
    let seal = Seal {
        case: id,
        seq: sealed.seq,
        link: sealed.link.clone(),
        read: sealed.read,
        // Whole seconds, as the seal line writes them, so that the check draws the same.
        at: DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now),
        lang,
    };
    let mut out = body(&sealed, access.as_deref(), &seal);
    out.push_str(&seal.line());
    Ok(out)
}

/// What checking an export found.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// The document is the hub's record, as it stood at the seal.
    Matches,
    /// The file has no seal line.
    NoSeal,
    /// The hub's link for that event is another: the export was not made from this record.
    SealDiffers { hub: String },
    /// The document differs from the record: the first differing line (1-based).
    Edited { line: usize },
}

/// `guardia verify --export`.
pub async fn verify(client: &HubClient, document: &str) -> Result<Verdict, NetError> {
    let Some(seal) = Seal::parse(document) else {
        return Ok(Verdict::NoSeal);
    };
    let sealed = client
        .case_sealed(seal.case, ReadPurpose::Verify, Some(seal.seq))
        .await?;
    if sealed.seq != seal.seq || sealed.link != seal.link {
        return Ok(Verdict::SealDiffers { hub: sealed.link });
    }
    let access = client.access(seal.case, Some(seal.read)).await?;
    let expected = body(&sealed, access.as_deref(), &seal);
    let given = &document[..document.rfind(SEAL_MARK).unwrap_or(document.len())];
    if given == expected {
        return Ok(Verdict::Matches);
    }
    let line = given
        .lines()
        .zip(expected.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| given.lines().count().min(expected.lines().count()));
    Ok(Verdict::Edited { line: line + 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seal_line_reads_back() {
        let seal = Seal {
            case: 1042,
            seq: 57,
            link: "ab".repeat(32),
            read: 61,
            at: DateTime::from_timestamp(1_790_000_000, 0).unwrap(),
            lang: Lang::Es,
        };
        let doc = format!("# Caso\n\ntexto\n{}", seal.line());
        assert_eq!(Seal::parse(&doc), Some(seal));
        assert_eq!(Seal::parse("# Caso\n"), None);
    }
}
