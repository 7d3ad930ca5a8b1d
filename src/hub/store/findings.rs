//! What `guardia verify` and the hub's checks report: each thing found, named by the first `seq`
//! (or case, or table and row) where it shows.

use super::chain::Head;

/// One thing wrong, named by the first `seq` (or case) where it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub seq: Option<u64>,
    pub case_id: Option<u64>,
    pub what: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.seq, self.case_id) {
            (Some(seq), _) => write!(f, "seq {seq}: {}", self.what),
            (None, Some(id)) => write!(f, "case {id}: {}", self.what),
            (None, None) => f.write_str(&self.what),
        }
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub events: u64,
    pub cases: u64,
    pub head: Option<Head>,
    /// Whether the log's end was compared with a head file.
    pub head_checked: bool,
    /// In log order: the first is where the record stops being trustworthy.
    pub findings: Vec<Finding>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} events, {} cases checked", self.events, self.cases)?;
        if let Some(head) = self.head {
            writeln!(f, "head: seq {} link {}", head.seq, hex::encode(head.link))?;
            if !self.head_checked {
                writeln!(
                    f,
                    "no head file beside it: removals from the log's end cannot be told"
                )?;
            }
        }
        match self.findings.first() {
            None => writeln!(f, "ok: every link and every case matches the seal"),
            Some(first) => {
                writeln!(f, "FAILED at {first}")?;
                for more in &self.findings[1..] {
                    writeln!(f, "  also {more}")?;
                }
                Ok(())
            }
        }
    }
}

pub(super) fn at_seq(seq: u64, what: impl Into<String>) -> Finding {
    Finding {
        seq: Some(seq),
        case_id: None,
        what: what.into(),
    }
}

pub(super) fn at_case(id: u64, what: impl Into<String>) -> Finding {
    Finding {
        seq: None,
        case_id: Some(id),
        what: what.into(),
    }
}
