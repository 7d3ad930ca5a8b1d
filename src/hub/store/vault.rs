//! Personal data at rest, sealed under one key per person, so that it can be erased without
//! touching the log: destroying the key (retention) leaves every sealed copy unreadable at once,
//! in the database, in its WAL and in every backup, while the rows and their chain stay whole.
//!
//! The keys live in their own small database beside the main one (`<db>.keys`, 0600), not in
//! the main database, so that a backup of the main database never carries them: a backup
//! restored after an erasure cannot bring the erased back. Each key is wrapped (XChaCha20-
//! Poly1305) under a key derived from the key file, so the key store alone opens nothing. The
//! key store keeps a rollback journal with `secure_delete`, so a destroyed key's bytes are
//! overwritten in the file rather than left on a free page or in a WAL.
//!
//! A sealed value is text: `gv1:<key id>:<base64 of nonce and ciphertext>`. Text without that
//! prefix where a sealed value belongs is refused: every person's data was sealed by the start
//! that brought the vault in, so a value in the clear is one the hub did not write.
//!
//! A destroyed key leaves a tombstone (its id, no key), never a free id: SQLite would otherwise
//! give the newest destroyed id to the next person, and every value sealed under the old key
//! would then read as damage instead of as erased. A value naming a key that never existed is
//! damage.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::StoreError;
use super::chain::Keys;
use super::db::{Conn, OptionalExtension, params};

const PREFIX: &str = "gv1:";
const SEALED_AD: &[u8] = b"guardia/sealed/v1";
const WRAP_AD: &[u8] = b"guardia/key/v1";

/// The key store named by default: beside the database.
pub fn key_store_file(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}.keys", db.display()))
}

/// A value read back: the whole of it, or word that its key was destroyed.
#[derive(Debug, Clone, PartialEq)]
pub enum Opened {
    Clear(String),
    Erased,
}

pub struct Vault {
    wrap: XChaCha20Poly1305,
    blind: [u8; 32],
    keys: Mutex<Conn>,
    /// PostgreSQL's URL, to connect again when the connection is lost.
    url: Option<String>,
    /// Keys unwrapped lately: a raid seals several values per press under the same few keys,
    /// and a look-up in the key store for each put the writer's p99 up fourfold. Kept briefly,
    /// so that keys destroyed by another process (`guardia admin retention` beside a running
    /// hub) stop opening within [`CACHE_FOR`]; those this process destroys go at once.
    cache: Mutex<HashMap<i64, (Instant, XChaCha20Poly1305)>>,
    /// Set when this start gave the key store tombstones: ids the database names and the store
    /// lacks are then adopted as destroyed ([`Self::adopt_destroyed`]).
    adopt_missing: bool,
}

const CACHE_FOR: Duration = Duration::from_secs(60);

fn poisoned() -> StoreError {
    StoreError::Setup("the key cache's lock was poisoned".into())
}

/// The key store's schema: 1 has tombstones.
const KEY_STORE_VERSION: i64 = 1;

/// Brings a key store to [`KEY_STORE_VERSION`]: the table made (or remade with room for
/// tombstones), and a tombstone for every id below the highest that is gone (destroyed when ids
/// could still be freed).
fn upgrade_key_store(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "BEGIN IMMEDIATE;
         CREATE TABLE IF NOT EXISTS keys (
             id         INTEGER PRIMARY KEY,
             wrapped    BLOB NOT NULL,
             created_at TEXT NOT NULL
         ) STRICT;
         CREATE TABLE keys_v1 (
             id           INTEGER PRIMARY KEY,
             wrapped      BLOB,
             created_at   TEXT NOT NULL,
             destroyed_at TEXT
         ) STRICT;
         INSERT INTO keys_v1 (id, wrapped, created_at) SELECT id, wrapped, created_at FROM keys;
         WITH RECURSIVE ids(id) AS (
             SELECT 1 UNION ALL SELECT id + 1 FROM ids WHERE id < (SELECT MAX(id) FROM keys_v1))
         INSERT INTO keys_v1 (id, wrapped, created_at, destroyed_at)
         SELECT id, NULL, '', 'before tombstones' FROM ids
          WHERE (SELECT MAX(id) FROM keys_v1) IS NOT NULL
            AND id NOT IN (SELECT id FROM keys_v1);
         DROP TABLE keys;
         ALTER TABLE keys_v1 RENAME TO keys;
         PRAGMA user_version = 1;
         COMMIT;",
    )
}
const CACHE_MAX: usize = 10_000;

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(..)")
    }
}

fn setup(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |e| StoreError::Setup(format!("{}: {e}", path.display()))
}

impl Vault {
    /// Opens the key store at `path`, creating it (0600) only when `may_create`: a database that
    /// already holds sealed values with no key store beside it would otherwise read as if every
    /// person in it had been erased.
    pub fn load(path: &Path, keys: &Keys, may_create: bool) -> Result<Vault, StoreError> {
        use std::os::unix::fs::PermissionsExt;
        if !path.exists() {
            if !may_create {
                return Err(StoreError::Setup(format!(
                    "the key store {} is missing, and this database holds personal data sealed \
                     with its keys: restore it beside the database",
                    path.display()
                )));
            }
            // Made empty and owner-only, its name synced into the folder before SQLite writes
            // a key into it: a power cut cannot leave the keys' file unnamed.
            crate::durable::create_new(path, b"")
                .map_err(|e| StoreError::Setup(format!("{}: {e}", path.display())))?;
        } else if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| StoreError::Setup(format!("{}: {e}", path.display())))?;
        }
        let conn = rusqlite::Connection::open(path).map_err(setup(path))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(setup(path))?;
        // A rollback journal, not a WAL: a destroyed key must not survive in a WAL frame.
        conn.execute_batch(
            "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;",
        )
        .map_err(setup(path))?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(setup(path))?;
        if version < KEY_STORE_VERSION {
            upgrade_key_store(&conn).map_err(setup(path))?;
        }
        let mut vault = Vault::over(Conn::Lite(conn), keys);
        vault.adopt_missing = version < KEY_STORE_VERSION;
        Ok(vault)
    }

    /// The vault over the `keys` table of a PostgreSQL database (made by its migrations): the
    /// hubs on one database share their people's keys. They are wrapped under the key file as
    /// in SQLite's key store, so a dump of the database opens nothing without that file.
    pub fn on_postgres(url: &str, keys: &Keys) -> Result<Vault, StoreError> {
        let mut vault = Vault::over(super::schema::open_pg(url)?, keys);
        vault.url = Some(url.to_string());
        Ok(vault)
    }

    fn over(conn: Conn, keys: &Keys) -> Vault {
        Vault {
            wrap: XChaCha20Poly1305::new((&keys.wrap).into()),
            blind: keys.blind,
            keys: Mutex::new(conn),
            url: None,
            cache: Mutex::new(HashMap::new()),
            adopt_missing: false,
        }
    }

    /// Once, after the key store learned tombstones: the keys that databases' rows name and the
    /// store no longer holds were destroyed before (a free id could only be the newest's), and
    /// get their tombstones now. Until then those ids would read as never made.
    pub fn adopt_destroyed(&self, named: &[i64]) -> Result<usize, StoreError> {
        if !self.adopt_missing {
            return Ok(0);
        }
        self.conn()?.in_transaction(|tx| {
            let mut n = 0;
            for id in named {
                n += tx.execute(
                    "INSERT INTO keys (id, wrapped, created_at, destroyed_at)
                     VALUES (?1, NULL, '', 'before tombstones') ON CONFLICT (id) DO NOTHING",
                    [id],
                )?;
            }
            Ok(n)
        })
    }

    /// Whether [`Self::adopt_destroyed`] has work to do (this start upgraded the key store).
    pub fn adopting(&self) -> bool {
        self.adopt_missing
    }

    fn conn(&self) -> Result<std::sync::MutexGuard<'_, Conn>, StoreError> {
        let mut conn = self
            .keys
            .lock()
            .map_err(|_| StoreError::Setup("the key store's lock was poisoned".into()))?;
        // A lost PostgreSQL connection is opened again here; if that fails, this use fails
        // and the next one tries again.
        if let Some(url) = &self.url
            && conn.is_broken()
        {
            *conn = super::schema::open_pg(url)?;
        }
        Ok(conn)
    }

    /// Makes a key for a new person and stores it (durably, before the caller's transaction
    /// commits: a key with nothing sealed under it is harmless, data without its key is lost).
    pub fn new_key(&self) -> Result<i64, StoreError> {
        let key: [u8; 32] = rand::random();
        let nonce: [u8; 24] = rand::random();
        let wrapped = self
            .wrap
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &key,
                    aad: WRAP_AD,
                },
            )
            .map_err(|_| StoreError::Setup("cannot wrap a key".into()))?;
        let mut stored = nonce.to_vec();
        stored.extend_from_slice(&wrapped);
        Ok(self.conn()?.query_row(
            "INSERT INTO keys (wrapped, created_at) VALUES (?1, ?2) RETURNING id",
            params![
                stored,
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ],
            |r| r.get(0),
        )?)
    }

    /// The cipher of key `id`, or `None` when it was destroyed.
    fn cipher(&self, id: i64) -> Result<Option<XChaCha20Poly1305>, StoreError> {
        if let Ok(cache) = self.cache.lock()
            && let Some((at, cipher)) = cache.get(&id)
            && at.elapsed() < CACHE_FOR
        {
            return Ok(Some(cipher.clone()));
        }
        let cipher = self.unwrapped(id)?;
        if let (Some(cipher), Ok(mut cache)) = (&cipher, self.cache.lock()) {
            if cache.len() >= CACHE_MAX {
                cache.clear();
            }
            cache.insert(id, (Instant::now(), cipher.clone()));
        }
        Ok(cipher)
    }

    /// The key a sealed value names.
    fn key_of(text: &str) -> Option<i64> {
        text.strip_prefix(PREFIX)?.split(':').next()?.parse().ok()
    }

    /// Puts the keys of these sealed values in the cache with one statement: a national
    /// snapshot opens thousands of people's values, and a look-up each, on the key store's one
    /// connection, held every reader in line. At most [`CACHE_MAX`] at a time stay cached.
    pub fn prefetch<'a>(
        &self,
        sealed: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), StoreError> {
        let fresh = |cache: &HashMap<i64, (Instant, XChaCha20Poly1305)>, id: &i64| {
            cache
                .get(id)
                .is_some_and(|(at, _)| at.elapsed() < CACHE_FOR)
        };
        let mut ids: Vec<i64> = {
            let cache = self.cache.lock().map_err(|_| poisoned())?;
            sealed
                .into_iter()
                .filter_map(Self::key_of)
                .filter(|id| !fresh(&cache, id))
                .collect()
        };
        ids.sort_unstable();
        ids.dedup();
        ids.truncate(CACHE_MAX);
        if ids.is_empty() {
            return Ok(());
        }
        // Integers only: nothing from outside is spliced into the statement.
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let mut stored: HashMap<i64, Option<Vec<u8>>> = HashMap::new();
        self.conn()?.query_each(
            &format!("SELECT id, wrapped FROM keys WHERE id IN ({list})"),
            (),
            |r| -> Result<(), StoreError> {
                stored.insert(r.get(0)?, r.get(1)?);
                Ok(())
            },
        )?;
        let mut opened = Vec::with_capacity(ids.len());
        for id in ids {
            // A key never held is left for `unseal` to report, on the value that names it.
            if let Some(wrapped) = stored.remove(&id) {
                if let Some(cipher) = self.unwrap_stored(id, wrapped)? {
                    opened.push((id, cipher));
                }
            }
        }
        let mut cache = self.cache.lock().map_err(|_| poisoned())?;
        if cache.len() + opened.len() > CACHE_MAX {
            cache.clear();
        }
        let now = Instant::now();
        cache.extend(opened.into_iter().map(|(id, c)| (id, (now, c))));
        Ok(())
    }

    /// Key `id` read from the key store and unwrapped; `None` for a destroyed key (its
    /// tombstone), an error for one that never existed.
    fn unwrapped(&self, id: i64) -> Result<Option<XChaCha20Poly1305>, StoreError> {
        let stored: Option<Option<Vec<u8>>> = self
            .conn()?
            .query_row("SELECT wrapped FROM keys WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        let Some(stored) = stored else {
            return Err(StoreError::Corrupt(format!(
                "a value is sealed under key {id}, which this key store never held"
            )));
        };
        self.unwrap_stored(id, stored)
    }

    /// A key as the key store holds it (`None`: its tombstone), unwrapped.
    fn unwrap_stored(
        &self,
        id: i64,
        stored: Option<Vec<u8>>,
    ) -> Result<Option<XChaCha20Poly1305>, StoreError> {
        let Some(stored) = stored else {
            return Ok(None);
        };
        if stored.len() < 24 {
            return Err(StoreError::Corrupt(format!("key {id} is cut short")));
        }
        let (nonce, wrapped) = stored.split_at(24);
        let key = self
            .wrap
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: wrapped,
                    aad: WRAP_AD,
                },
            )
            .map_err(|_| {
                StoreError::Corrupt(format!(
                    "key {id} does not open with this key file: the key store belongs elsewhere"
                ))
            })?;
        Ok(Some(XChaCha20Poly1305::new_from_slice(&key).map_err(
            |_| StoreError::Corrupt(format!("key {id} has the wrong length")),
        )?))
    }

    /// Whether key `id` still exists.
    pub fn holds(&self, id: i64) -> Result<bool, StoreError> {
        // Asked of the key store itself, never the cache: retention must see what is there.
        Ok(self.conn()?.exists(
            "SELECT 1 FROM keys WHERE id = ?1 AND wrapped IS NOT NULL",
            [id],
        )?)
    }

    /// Which of `ids` still exist, asked of the key store 500 at a time (never the cache).
    pub fn holding(&self, ids: &[i64]) -> Result<std::collections::BTreeSet<i64>, StoreError> {
        let mut out = std::collections::BTreeSet::new();
        for chunk in ids.chunks(500) {
            // Integers only: nothing from outside is spliced into the statement.
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            self.conn()?.query_each(
                &format!("SELECT id FROM keys WHERE id IN ({list}) AND wrapped IS NOT NULL"),
                (),
                |r| -> Result<(), StoreError> {
                    out.insert(r.get(0)?);
                    Ok(())
                },
            )?;
        }
        Ok(out)
    }

    /// `clear` sealed under key `id`.
    pub fn seal(&self, id: i64, clear: &str) -> Result<String, StoreError> {
        let cipher = self
            .cipher(id)?
            .ok_or_else(|| StoreError::Conflict(format!("key {id} was destroyed")))?;
        let nonce: [u8; 24] = rand::random();
        let aad = [SEALED_AD, &id.to_be_bytes()].concat();
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: clear.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| StoreError::Setup("cannot seal a value".into()))?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{id}:{}", B64.encode(bytes)))
    }

    /// A stored value read back. A sealed value that does not open under its own key was
    /// written by something other than the hub, and is an error, not an erasure.
    pub fn unseal(&self, text: &str) -> Result<Opened, StoreError> {
        let Some(rest) = text.strip_prefix(PREFIX) else {
            return Err(StoreError::Corrupt(
                "a value that must be sealed is in the clear (written by something other than \
                 the hub)"
                    .into(),
            ));
        };
        let bad = || StoreError::Corrupt("a sealed value is malformed".into());
        let (id, body) = rest.split_once(':').ok_or_else(bad)?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        let Some(cipher) = self.cipher(id)? else {
            return Ok(Opened::Erased);
        };
        let bytes = B64.decode(body).map_err(|_| bad())?;
        if bytes.len() < 24 {
            return Err(bad());
        }
        let (nonce, sealed) = bytes.split_at(24);
        let aad = [SEALED_AD, &id.to_be_bytes()].concat();
        let clear = cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| {
                StoreError::Corrupt(format!("a value sealed under key {id} was altered"))
            })?;
        String::from_utf8(clear)
            .map(Opened::Clear)
            .map_err(|_| bad())
    }

    /// A sealed JSON value read back, `None` once its key is destroyed.
    pub fn unseal_json<T: serde::de::DeserializeOwned>(
        &self,
        text: &str,
    ) -> Result<Option<T>, StoreError> {
        match self.unseal(text)? {
            Opened::Clear(json) => Ok(Some(serde_json::from_str(&json)?)),
            Opened::Erased => Ok(None),
        }
    }

    /// The blind index of a phone number: equal numbers give equal text, so look-ups and the
    /// one-device-per-number rule work, and the number itself is not stored.
    pub fn blind(&self, phone: &str) -> String {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.blind).expect("any key length");
        m.update(phone.as_bytes());
        format!("b1:{}", hex::encode(m.finalize().into_bytes()))
    }

    /// Destroys keys for good, leaving their tombstones. Their bytes are overwritten in the key
    /// store's file (`secure_delete`).
    pub fn destroy(&self, ids: &[i64]) -> Result<usize, StoreError> {
        if let Ok(mut cache) = self.cache.lock() {
            for id in ids {
                cache.remove(id);
            }
        }
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.conn()?.in_transaction(|tx| {
            let mut n = 0;
            for id in ids {
                n += tx.execute(
                    "UPDATE keys SET wrapped = NULL, destroyed_at = ?2
                      WHERE id = ?1 AND wrapped IS NOT NULL",
                    params![id, now],
                )?;
            }
            Ok(n)
        })
    }

    /// Keys made before `before` (RFC 3339), for the sweep of keys nothing holds any more.
    pub fn keys_made_before(&self, before: &str) -> Result<Vec<i64>, StoreError> {
        Ok(self.conn()?.query_map(
            "SELECT id FROM keys WHERE created_at < ?1 AND wrapped IS NOT NULL",
            [before],
            |r| r.get(0),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_of(text: &str) -> Option<i64> {
        Vault::key_of(text)
    }

    fn vault(dir: &Path) -> Vault {
        Vault::load(&dir.join("k.keys"), &Keys::from_secret(&[7; 32]), true).unwrap()
    }

    #[test]
    fn a_sealed_value_opens_until_its_key_is_destroyed_and_never_shows_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        let (a, b) = (v.new_key().unwrap(), v.new_key().unwrap());
        let sealed = v.seal(a, "Ana María López +13105550100").unwrap();
        assert!(
            !sealed.contains("Ana") && key_of(&sealed) == Some(a),
            "{sealed}"
        );
        assert_eq!(
            v.unseal(&sealed).unwrap(),
            Opened::Clear("Ana María López +13105550100".into())
        );
        let other = v.seal(b, "Rosa").unwrap();
        let wrapped_a: Vec<u8> = v
            .conn()
            .unwrap()
            .query_row("SELECT wrapped FROM keys WHERE id = ?1", [a], |r| r.get(0))
            .unwrap();
        assert_eq!(v.destroy(&[a]).unwrap(), 1);
        assert_eq!(v.unseal(&sealed).unwrap(), Opened::Erased);
        assert_eq!(v.unseal(&other).unwrap(), Opened::Clear("Rosa".into()));
        drop(v);
        let file = std::fs::read(dir.path().join("k.keys")).unwrap();
        assert!(
            !file.windows(wrapped_a.len()).any(|w| w == wrapped_a),
            "the destroyed key's bytes are still in the key store"
        );
    }

    #[test]
    fn a_destroyed_key_leaves_a_tombstone_and_its_id_is_never_given_again() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        let first = v.new_key().unwrap();
        let newest = v.new_key().unwrap();
        let sealed = v.seal(newest, "Rosa").unwrap();
        v.destroy(&[newest]).unwrap();
        let next = v.new_key().unwrap();
        assert!(next > newest, "key {next} reuses a destroyed id");
        assert_eq!(v.unseal(&sealed).unwrap(), Opened::Erased);
        assert!(!v.holds(newest).unwrap());
        assert!(v.holds(first).unwrap());
        drop(v);
        // Reopened: the tombstone is still there, and still read as erased.
        let again = vault(dir.path());
        assert_eq!(again.unseal(&sealed).unwrap(), Opened::Erased);
        assert!(again.new_key().unwrap() > next);
        // A value naming a key this store never held is damage, not an erasure.
        let forged = sealed.replacen(&format!("gv1:{newest}:"), "gv1:9999:", 1);
        assert!(again.unseal(&forged).is_err());
    }

    #[test]
    fn an_old_key_store_gets_tombstones_for_the_ids_it_freed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.keys");
        {
            // As the key store was before tombstones: ids 1 and 3 held, 2 and 4 deleted.
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE keys (id INTEGER PRIMARY KEY, wrapped BLOB NOT NULL,
                                    created_at TEXT NOT NULL) STRICT;
                 INSERT INTO keys VALUES (1, x'00', 't'), (3, x'00', 't');",
            )
            .unwrap();
        }
        let v = Vault::load(&path, &Keys::from_secret(&[7; 32]), false).unwrap();
        assert!(v.adopting());
        assert_eq!(
            v.adopt_destroyed(&[1, 3, 4]).unwrap(),
            1,
            "4 was the newest"
        );
        for id in [2, 4] {
            let sealed = format!("{PREFIX}{id}:AAAA");
            assert_eq!(v.unseal(&sealed).unwrap(), Opened::Erased, "key {id}");
        }
        assert_eq!(v.new_key().unwrap(), 5);
        drop(v);
        assert!(!vault(dir.path()).adopting(), "upgraded once");
    }

    #[test]
    fn an_altered_value_is_an_error_and_a_clear_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        let id = v.new_key().unwrap();
        let sealed = v.seal(id, "texto").unwrap();
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert!(v.unseal(&String::from_utf8(bytes).unwrap()).is_err());
        assert!(
            v.unseal("{\"a\":1}").is_err(),
            "a value in the clear where a sealed one belongs"
        );
        assert_eq!(v.blind("+13105550100"), v.blind("+13105550100"));
        assert_ne!(v.blind("+13105550100"), v.blind("+13105550101"));
    }

    #[test]
    fn another_key_file_opens_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        let id = v.new_key().unwrap();
        let sealed = v.seal(id, "texto").unwrap();
        drop(v);
        let other = Vault::load(
            &dir.path().join("k.keys"),
            &Keys::from_secret(&[8; 32]),
            false,
        )
        .unwrap();
        assert!(other.unseal(&sealed).is_err());
    }
}
