//! The log's seal: every event row carries an HMAC-SHA256 chained to the row before it, and every
//! case row an HMAC of its own columns, both keyed with a secret kept outside the database.
//!
//! The append-only triggers stop a mistake, not an insider: with the file alone one can drop them
//! and edit, delete or insert rows, and `integrity_check` stays happy. With the chain, an edited
//! row no longer matches its link, a deleted or inserted one breaks the links after it (and `seq`
//! is checked gap-free from 1), and a forger cannot compute new links without the key. Removing
//! events from the end leaves a shorter valid chain; the head file (`<db>.head`, signed with the
//! same key) remembers how far the log had reached, so that too is caught.

use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::StoreError;

type HmacSha256 = Hmac<Sha256>;

/// A link or a MAC.
pub type Link = [u8; 32];

/// What comes before event 1.
pub const GENESIS: Link = [0; 32];

/// The key file named by default: beside the database, so the two-command set-up needs nothing.
pub fn default_key_file(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}.key", db.display()))
}

/// Where the signed head of the log is kept.
pub fn head_file(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}.head", db.display()))
}

/// The keys derived from the secret in the key file, one per use, so that a MAC made for one
/// purpose can never pass as another.
#[derive(Clone)]
pub struct Keys {
    chain: Link,
    cases: Link,
    head: Link,
    /// Wraps the per-person keys of the vault (`vault.rs`).
    pub(super) wrap: Link,
    /// Keys the blind index of phone numbers.
    pub(super) blind: Link,
    /// Seals the rows of the tables beside the log (`rows.rs`).
    pub(super) rows: Link,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never printed, not even in a panic message.
        f.write_str("Keys(..)")
    }
}

fn mac(key: &[u8], parts: &[&[u8]]) -> Link {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

impl Keys {
    pub fn from_secret(secret: &[u8; 32]) -> Keys {
        Keys {
            chain: mac(secret, &[b"guardia/chain/v1"]),
            cases: mac(secret, &[b"guardia/cases/v1"]),
            head: mac(secret, &[b"guardia/head/v1"]),
            wrap: mac(secret, &[b"guardia/wrap/v1"]),
            blind: mac(secret, &[b"guardia/blind/v1"]),
            rows: mac(secret, &[b"guardia/rows/v1"]),
        }
    }

    /// Reads the key file, or creates it (0600, 32 random bytes as hex) when `may_create`: only
    /// a database with no sealed event may get a new key, since a new key would make every old
    /// link look forged.
    pub fn load(path: &Path, may_create: bool) -> Result<Keys, StoreError> {
        use std::os::unix::fs::PermissionsExt;
        let named = |e: std::io::Error| StoreError::Setup(format!("{}: {e}", path.display()));
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let meta = std::fs::metadata(path).map_err(named)?;
                if meta.permissions().mode() & 0o077 != 0 {
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                        .map_err(named)?;
                }
                let bytes = hex::decode(text.trim()).ok().filter(|b| b.len() == 32);
                let Some(bytes) = bytes else {
                    return Err(StoreError::Setup(format!(
                        "{}: not a guardia key (64 hexadecimal digits expected)",
                        path.display()
                    )));
                };
                let mut secret = [0u8; 32];
                secret.copy_from_slice(&bytes);
                Ok(Keys::from_secret(&secret))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && may_create => {
                let secret: [u8; 32] = rand::random();
                // Written whole under another name, synced, linked into place and the folder
                // synced: a power cut leaves no key file or the whole one, never an empty file
                // that would lock the hub out of the record it starts sealing now.
                crate::durable::create_new(path, format!("{}\n", hex::encode(secret)).as_bytes())
                    .map_err(named)?;
                Ok(Keys::from_secret(&secret))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::Setup(format!(
                "the key file {} is missing, and this database's log was sealed with a key: \
                 restore the key file (or name it with hub.key_file / GUARDIA_HUB_KEY_FILE)",
                path.display()
            ))),
            Err(e) => Err(named(e)),
        }
    }

    /// The link of one event row: the previous link and every column, each length-prefixed so
    /// that no two different rows encode alike.
    pub fn link(&self, prev: &Link, row: &EventRow<'_>) -> Link {
        let mut m = HmacSha256::new_from_slice(&self.chain).expect("any key length");
        m.update(prev);
        m.update(&row.seq.to_be_bytes());
        field(&mut m, Some(row.at.as_bytes()));
        m.update(&row.case_id.to_be_bytes());
        field(&mut m, Some(row.consulate.as_bytes()));
        int(&mut m, row.lawyer_id);
        int(&mut m, row.prev_lawyer_id);
        field(&mut m, row.also_consulate.map(str::as_bytes));
        field(&mut m, row.prev_consulate.map(str::as_bytes));
        field(&mut m, Some(row.kind.as_bytes()));
        field(&mut m, Some(row.body.as_bytes()));
        // Added with the vault: rows from before it link as they always did.
        if let Some(sealed) = row.sealed {
            field(&mut m, Some(sealed.as_bytes()));
        }
        m.finalize().into_bytes().into()
    }

    /// The MAC of a case row: the projection is checked against the log by `guardia verify`,
    /// and this lets the hub tell at once that a row was written by something other than it.
    pub fn case_mac(&self, row: &CaseRow<'_>) -> Link {
        let mut m = HmacSha256::new_from_slice(&self.cases).expect("any key length");
        m.update(&row.id.to_be_bytes());
        field(&mut m, Some(row.consulate.as_bytes()));
        field(&mut m, Some(row.status.as_bytes()));
        int(&mut m, row.lawyer_id);
        m.update(&row.last_seq.to_be_bytes());
        field(&mut m, Some(row.state.as_bytes()));
        field(&mut m, row.also_consulate.map(str::as_bytes));
        field(&mut m, Some(row.received_at.as_bytes()));
        m.update(&[u8::from(row.acknowledged), row.escalation]);
        if row.key_id.is_some() || row.sealed.is_some() {
            int(&mut m, row.key_id);
            field(&mut m, row.sealed.map(str::as_bytes));
        }
        m.finalize().into_bytes().into()
    }

    fn head_mac(&self, seq: u64, link: &Link) -> Link {
        mac(&self.head, &[&seq.to_be_bytes(), link])
    }
}

fn field(m: &mut HmacSha256, value: Option<&[u8]>) {
    match value {
        None => m.update(&[0]),
        Some(v) => {
            m.update(&[1]);
            m.update(&(v.len() as u64).to_be_bytes());
            m.update(v);
        }
    }
}

fn int(m: &mut HmacSha256, value: Option<i64>) {
    match value {
        None => m.update(&[0]),
        Some(v) => {
            m.update(&[1]);
            m.update(&v.to_be_bytes());
        }
    }
}

/// An event row's columns, as stored.
#[derive(Debug, Clone)]
pub struct EventRow<'a> {
    pub seq: u64,
    pub at: &'a str,
    pub case_id: i64,
    pub consulate: &'a str,
    pub lawyer_id: Option<i64>,
    pub prev_lawyer_id: Option<i64>,
    pub also_consulate: Option<&'a str>,
    pub prev_consulate: Option<&'a str>,
    pub kind: &'a str,
    /// The event as stored in the clear: whole, or without what is personal when `sealed`
    /// holds the whole of it under the person's key (`vault.rs`).
    pub body: &'a str,
    pub sealed: Option<&'a str>,
}

/// A case row's columns, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRow<'a> {
    pub id: i64,
    pub consulate: &'a str,
    pub status: &'a str,
    pub lawyer_id: Option<i64>,
    pub last_seq: i64,
    pub state: &'a str,
    pub also_consulate: Option<&'a str>,
    pub received_at: &'a str,
    pub acknowledged: bool,
    pub escalation: u8,
    /// The person's key, and the case's personal part sealed under it (`state` is the erased
    /// form; rows from before sealed the whole case).
    pub key_id: Option<i64>,
    pub sealed: Option<&'a str>,
}

/// How far the log had reached, as last recorded by a hub.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Head {
    pub seq: u64,
    pub link: Link,
}

/// Reads the head file; a file whose MAC does not match is an error, not an absence.
pub fn read_head(path: &Path, keys: &Keys) -> Result<Option<Head>, StoreError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::Setup(format!("{}: {e}", path.display()))),
    };
    let bad = || StoreError::Corrupt(format!("{}: the head record is not valid", path.display()));
    let mut parts = text.split_whitespace();
    let seq: u64 = parts.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
    let link = parts.next().and_then(decode_link).ok_or_else(bad)?;
    let sig = parts.next().and_then(decode_link).ok_or_else(bad)?;
    if keys.head_mac(seq, &link) != sig {
        return Err(bad());
    }
    Ok(Some(Head { seq, link }))
}

/// Records the head durably: written whole under another name, synced, renamed over the old
/// one, and the folder synced (`crate::durable::replace`). A power cut at any moment leaves the
/// previous head or this one, never an empty or torn file; and since a head is only recorded
/// after its commit returned (synced), the file can lag the log but never lead it. Two processes
/// writing the same database (the hub and `guardia admin`) each record the head they read
/// inside the write lock; one may record an earlier head than the other just did, which only
/// makes the check weaker for a moment, never wrong.
pub fn write_head(path: &Path, keys: &Keys, head: Head) -> Result<(), StoreError> {
    let text = format!(
        "{} {} {}\n",
        head.seq,
        hex::encode(head.link),
        hex::encode(keys.head_mac(head.seq, &head.link))
    );
    crate::durable::replace(path, text.as_bytes())
        .map_err(|e| StoreError::Setup(format!("{}: {e}", path.display())))
}

pub fn decode_link(text: &str) -> Option<Link> {
    let bytes = hex::decode(text).ok()?;
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(body: &str) -> EventRow<'_> {
        EventRow {
            seq: 1,
            at: "2026-11-22T10:00:00Z",
            case_id: 1001,
            consulate: "los-angeles",
            lawyer_id: None,
            prev_lawyer_id: None,
            also_consulate: None,
            prev_consulate: None,
            kind: "note_added",
            body,
            sealed: None,
        }
    }

    #[test]
    fn a_link_moves_with_every_column_and_with_the_key() {
        let keys = Keys::from_secret(&[7; 32]);
        let base = keys.link(&GENESIS, &row("{}"));
        assert_ne!(base, keys.link(&GENESIS, &row("{ }")));
        assert_ne!(base, keys.link(&[1; 32], &row("{}")));
        let mut with_sealed = row("{}");
        with_sealed.sealed = Some("gv1:1:AAAA");
        assert_ne!(base, keys.link(&GENESIS, &with_sealed));
        let mut moved = row("{}");
        moved.lawyer_id = Some(0);
        assert_ne!(base, keys.link(&GENESIS, &moved), "None and Some(0) differ");
        let mut shifted = row("{}");
        shifted.consulate = "los-angele";
        shifted.kind = "snote_added";
        assert_ne!(
            base,
            keys.link(&GENESIS, &shifted),
            "fields are length-prefixed"
        );
        let other = Keys::from_secret(&[8; 32]);
        assert_ne!(base, other.link(&GENESIS, &row("{}")));
    }

    #[test]
    fn the_head_file_is_signed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.head");
        let keys = Keys::from_secret(&[7; 32]);
        for seq in [5, 9] {
            let link = [seq as u8; 32];
            write_head(&path, &keys, Head { seq, link }).unwrap();
        }
        assert_eq!(read_head(&path, &keys).unwrap().unwrap().seq, 9);
        let other = Keys::from_secret(&[8; 32]);
        assert!(
            read_head(&path, &other).is_err(),
            "a head signed with another key"
        );
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replacen("9 ", "12 ", 1);
        std::fs::write(&path, text).unwrap();
        assert!(read_head(&path, &keys).is_err(), "an edited head");
    }

    #[test]
    fn a_key_file_is_created_private_once_and_then_required() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.key");
        assert!(
            Keys::load(&path, false).is_err(),
            "no key and none may be made"
        );
        let made = Keys::load(&path, true).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = Keys::load(&path, false).unwrap();
        assert_eq!(
            made.link(&GENESIS, &row("x")),
            again.link(&GENESIS, &row("x"))
        );
        std::fs::write(&path, "not a key").unwrap();
        assert!(Keys::load(&path, false).is_err());
    }
}
