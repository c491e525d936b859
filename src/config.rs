//! The configuration directory: the platform's usual one, or
//! `$TLSCHAT_CONFIG_DIR` when that is set (tests and several instances on one
//! machine keep apart with it), and the two ways tlschat writes there: whole
//! files replaced atomically ([`write_atomic`]) and read-modify-write cycles
//! under an advisory lock ([`lock_file`]).

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Environment variable that overrides the configuration directory.
pub const CONFIG_DIR_ENV: &str = "TLSCHAT_CONFIG_DIR";

/// The configuration directory (not created by this call).
#[must_use]
pub fn config_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(CONFIG_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    dirs::config_dir()
        .or_else(dirs::home_dir)
        .unwrap_or_else(|| PathBuf::from("."))
        .join("tlschat")
}

/// The directory a file lives in (`.` for a bare file name).
fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."))
}

/// Makes a rename (or a new file) in `dir` durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    // Windows cannot open a directory as a file; its renames (MoveFileEx
    // with write-through, as std does) need no directory sync.
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Writes a file atomically: the bytes go to a fresh temporary file in the
/// same directory (random name, created exclusively, so a symlink or file
/// planted there is never followed or overwritten), which is synced and
/// then renamed over the target, and the directory is synced too. A crash
/// leaves the old or the new content, never a mix; a symlink at `path`
/// itself is replaced, not followed. `private` makes the file readable by
/// its owner only.
pub fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    let dir = parent(path);
    std::fs::create_dir_all(dir)?;
    let prefix = format!(
        ".{}.",
        path.file_name()
            .map_or_else(|| "file".into(), |n| n.to_string_lossy())
    );
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(if private {
            0o600
        } else {
            0o644
        }));
    }
    #[cfg(not(unix))]
    let _ = private;
    // The temporary file is removed again if anything below fails.
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)
}

/// An advisory lock held on a lock file; released when dropped (closing the
/// file releases it, also when the process dies).
#[derive(Debug)]
pub struct FileLock {
    _file: std::fs::File,
}

/// Opens `path` for appending, creating it readable and writable by its
/// owner only (0600) if it is new; an existing file keeps its mode.
pub fn open_private_append(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

/// Takes an exclusive advisory lock on `path` (made if missing, with its
/// directory), waiting for any other holder, in this process or another.
/// The lock file's content is never read or written.
pub fn lock_file(path: &Path) -> std::io::Result<FileLock> {
    std::fs::create_dir_all(parent(path))?;
    let mut create = std::fs::OpenOptions::new();
    // Created exclusively (never through a planted symlink); an existing
    // one is only opened for reading, which is all a lock needs.
    create.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        create.mode(0o600);
    }
    let mut attempts = 0;
    let file = loop {
        attempts += 1;
        match create.open(path) {
            Ok(f) => break f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                match std::fs::File::open(path) {
                    Ok(f) => break f,
                    // Removed between the two calls: try again.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound && attempts < 5 => {}
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
    };
    file.lock()?;
    Ok(FileLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomic_replaces_the_file_and_leaves_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        write_atomic(&path, b"one", false).unwrap();
        write_atomic(&path, b"two", true).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("f")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "private: {mode:o}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn write_atomic_replaces_a_symlink_instead_of_following_it() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("victim");
        std::fs::write(&victim, "untouched").unwrap();
        let path = dir.path().join("f");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        write_atomic(&path, b"new", true).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert!(!std::fs::symlink_metadata(&path).unwrap().is_symlink());
    }

    #[test]
    fn a_lock_excludes_a_second_holder_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("x.lock");
        let first = lock_file(&path).unwrap();
        // Another open file description (as another process would have)
        // cannot take it while the first is held, and can once it is gone.
        let other = std::fs::File::open(&path).unwrap();
        assert!(matches!(
            other.try_lock(),
            Err(std::fs::TryLockError::WouldBlock)
        ));
        drop(first);
        other.try_lock().unwrap();
    }
}
