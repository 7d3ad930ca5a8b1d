//! Files that must survive a power cut: every file the hub needs to start or to vouch for the
//! record (the head file, the key file, the key store's creation) and the console's outbox and
//! drafts are written through here, and nowhere else.
//!
//! A power cut keeps what was synced and nothing more: a file written and renamed but never
//! synced can come back empty under its new name, and a rename or a new name that was never
//! synced in its folder can come back undone. So a file is written whole to a temporary name,
//! synced, renamed (or linked) into place, and then its folder is synced. Any moment a cut can
//! stop this at leaves the old file whole or the new one whole, never an empty or torn one.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The temporary name beside `path` that [`replace`] writes first: `<name>.tmp<pid>.<n>`. The
/// process id keeps two processes writing the same file (a hub and `guardia admin`) apart, the
/// count two writers in one process (two stores on one file).
fn temporary(path: &Path) -> PathBuf {
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    PathBuf::from(format!("{}.tmp{}.{n}", path.display(), std::process::id()))
}

/// Writes `bytes` to a new owner-only file at `tmp` and syncs it.
fn write_synced(tmp: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(tmp)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Syncs the folder that holds `path`, so that a rename or a new name in it is on disk.
pub fn sync_dir(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)?.sync_all()
}

/// Replaces `path` with `bytes` (owner-only), so that a crash or a power cut leaves the old
/// contents or the new, never an empty or half-written file.
pub fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temporary(path);
    let written = write_synced(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    sync_dir(path)
}

/// Creates `path` with `bytes` (owner-only) unless it exists (`AlreadyExists` then), so that
/// after a power cut the file is either absent or whole: a key that a cut could leave empty
/// would lock the hub out of its own record.
pub fn create_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temporary(path);
    let made = write_synced(&tmp, bytes).and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    made?;
    sync_dir(path)
}

/// Removes the temporary files a crash left beside `path` (any process's).
pub fn remove_leftovers(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!("{}.tmp", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let file = file.to_string_lossy();
        let pid = file
            .strip_prefix(&prefix)
            .and_then(|rest| rest.split_once('.'))
            .filter(|(pid, n)| {
                !pid.is_empty()
                    && pid.bytes().all(|b| b.is_ascii_digit())
                    && n.bytes().all(|b| b.is_ascii_digit())
            })
            .map(|(pid, _)| pid.to_string());
        // Our own process's temporaries may be in use by another thread.
        if pid.is_some_and(|pid| pid != std::process::id().to_string()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn replace_leaves_the_new_contents_private_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("head");
        replace(&path, b"one").unwrap();
        replace(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn create_new_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        create_new(&path, b"first").unwrap();
        let again = create_new(&path, b"second").unwrap_err();
        assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn leftovers_of_other_processes_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.head");
        std::fs::write(dir.path().join("db.head.tmp12345.0"), b"").unwrap();
        std::fs::write(dir.path().join("db.head.tmpx"), b"").unwrap();
        std::fs::write(&path, b"kept").unwrap();
        remove_leftovers(&path);
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["db.head", "db.head.tmpx"]);
    }
}
