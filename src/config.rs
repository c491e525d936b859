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

/// The configuration directory of the demo's member (`tlschat demo`)
/// inside `config_dir`: what its window accepts (a pin past the impostor's
/// warning), keeps (its settings) and makes (its key) stays there, apart
/// from the user's own.
#[must_use]
pub fn demo_member_dir(config_dir: &Path) -> PathBuf {
    config_dir.join("demo").join("member")
}

/// The directory a file lives in (`.` for a bare file name).
fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."))
}

/// Makes `dir` and its missing parents; those it makes are for this user
/// only (0700), like every file tlschat makes.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
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
    create_private_dir(dir)?;
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
/// owner only (0600) if it is new (the key log, the transcript). An
/// existing file must be one [`check_private`] accepts; a symbolic link, a
/// FIFO or anything else that is not a regular file is refused before it is
/// opened (so opening never blocks), and again after (so nothing swapped in
/// between gets through).
pub fn open_private_append(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    open_checked(path, &mut options, Access::Private)
}

/// Opens `path` for reading and writing, creating it (0600) if it is new,
/// with the checks of [`open_private_append`]: the history file.
pub fn open_private_rw(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    open_checked(path, &mut options, Access::Private)
}

/// Reads a file tlschat wrote into the configuration directory (the known
/// hosts, the host's own key and certificate): not through a symbolic
/// link, a regular file of this user's that nobody else can change, and
/// nobody else can read either when `secret`.
pub fn read_own(path: &Path, secret: bool) -> std::io::Result<String> {
    use std::io::Read as _;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    let access = if secret {
        Access::Private
    } else {
        Access::Public
    };
    let mut text = String::new();
    open_checked(path, &mut options, access)?.read_to_string(&mut text)?;
    Ok(text)
}

/// Who else may have a file tlschat keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Nobody: no permission bits for the group or others.
    Private,
    /// Others may read it, not change it (a certificate).
    Public,
}

/// What a file that is not a regular file is, for an error.
#[cfg(unix)]
fn kind_of(t: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else {
        "not a regular file"
    }
}

/// `path` as a shell word (quoted when it needs to be), for a command to
/// copy.
fn shell_word(path: &Path) -> String {
    let s = path.display().to_string();
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%=~".contains(c));
    if plain {
        s
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Whether an existing file may be used as one tlschat keeps for this
/// user: a regular file (not a symbolic link, FIFO, device or directory),
/// owned by this user, with no permission bits for others beyond what
/// `access` allows. The error is one line that says what is wrong and how
/// to fix it (`chmod 600 FILE`); the caller names the file first.
#[cfg(unix)]
fn check_metadata(path: &Path, meta: &std::fs::Metadata, access: Access) -> std::io::Result<()> {
    use std::io::{Error, ErrorKind};
    use std::os::unix::fs::MetadataExt as _;
    let t = meta.file_type();
    if t.is_symlink() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "it is a symbolic link, which tlschat does not follow for the files it keeps: give the path of the file itself",
        ));
    }
    if !t.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("it is {}, not a regular file", kind_of(t)),
        ));
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(Error::new(
            ErrorKind::PermissionDenied,
            format!(
                "it belongs to another user (uid {}, you are {me}): use a file of your own",
                meta.uid()
            ),
        ));
    }
    let mode = meta.mode() & 0o7777;
    let shared = match access {
        Access::Private => mode & 0o077,
        Access::Public => mode & 0o022,
    };
    if shared != 0 {
        let what = if shared & 0o022 != 0 && shared & 0o044 != 0 {
            "read and change"
        } else if shared & 0o022 != 0 {
            "change"
        } else if shared & 0o044 != 0 {
            "read"
        } else {
            "run"
        };
        let fix = match access {
            Access::Private => "make it private with `chmod 600",
            Access::Public => "let only you change it with `chmod 644",
        };
        return Err(Error::new(
            ErrorKind::PermissionDenied,
            format!(
                "others can {what} it (mode {mode:04o}): {fix} {}`",
                shell_word(path)
            ),
        ));
    }
    Ok(())
}

/// [`check_metadata`] for whatever is at `path` now, not following a
/// symbolic link; `Ok(false)` when nothing is there.
pub fn check_private(path: &Path) -> std::io::Result<bool> {
    match std::fs::symlink_metadata(path) {
        Ok(_meta) => {
            #[cfg(unix)]
            check_metadata(path, &_meta, Access::Private)?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Opens `path` with `options` after checking what is there (see
/// [`check_metadata`]), never following a symbolic link, never blocking
/// (a FIFO swapped in after the check is opened non-blocking and then
/// refused), creating it 0600; the open file is checked again.
fn open_checked(
    path: &Path,
    options: &mut std::fs::OpenOptions,
    access: Access,
) -> std::io::Result<std::fs::File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        match std::fs::symlink_metadata(path) {
            Ok(meta) => check_metadata(path, &meta, access)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
        options
            .mode(0o600)
            .custom_flags(i32::try_from(flags.bits()).unwrap_or(0));
        let file = options.open(path).map_err(|e| {
            // What O_NOFOLLOW says about a link (ELOOP) in the words above.
            if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "it is a symbolic link, which tlschat does not follow for the files it keeps: give the path of the file itself",
                )
            } else {
                e
            }
        })?;
        check_metadata(path, &file.metadata()?, access)?;
        // Blocking again (a regular file never blocks anyway).
        let flags = rustix::fs::fcntl_getfl(&file)?;
        rustix::fs::fcntl_setfl(&file, flags - rustix::fs::OFlags::NONBLOCK)?;
        Ok(file)
    }
    #[cfg(not(unix))]
    {
        let _ = access;
        options.open(path)
    }
}

/// Takes an exclusive advisory lock on `path` (made if missing, with its
/// directory), waiting for any other holder, in this process or another.
/// The lock file's content is never read or written.
pub fn lock_file(path: &Path) -> std::io::Result<FileLock> {
    create_private_dir(parent(path))?;
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
                let mut options = std::fs::OpenOptions::new();
                match open_checked(path, options.read(true), Access::Private) {
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

    /// Runs `f` on a thread of its own; panics if it has not returned
    /// within 10 s (it blocked).
    #[cfg(unix)]
    fn within_deadline<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(std::time::Duration::from_secs(10))
            .expect("it blocked")
    }

    #[cfg(unix)]
    fn mkfifo(path: &Path) {
        let made = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap();
        assert!(made.success());
    }

    #[cfg(unix)]
    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    }

    #[cfg(unix)]
    #[test]
    fn files_others_can_read_or_change_are_refused_with_the_fix() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        for (mode, what) in [
            (0o644, "others can read it (mode 0644)"),
            (0o666, "others can read and change it (mode 0666)"),
            (0o620, "others can change it (mode 0620)"),
        ] {
            let path = dir.path().join(format!("f{mode:o}"));
            std::fs::write(&path, "x").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            for e in [
                open_private_append(&path).unwrap_err(),
                open_private_rw(&path).unwrap_err(),
                read_own(&path, true).unwrap_err(),
            ] {
                let e = e.to_string();
                assert!(e.contains(what), "{e}");
                assert!(
                    e.ends_with(&format!("`chmod 600 {}`", path.display())),
                    "{e}"
                );
                assert!(!e.contains('\n'));
            }
            assert_eq!(std::fs::read(&path).unwrap(), b"x", "left as it was");
        }
        // A certificate may be read by others, not changed by them.
        let cert = dir.path().join("cert.pem");
        std::fs::write(&cert, "c").unwrap();
        std::fs::set_permissions(&cert, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(read_own(&cert, false).unwrap(), "c");
        std::fs::set_permissions(&cert, std::fs::Permissions::from_mode(0o664)).unwrap();
        let e = read_own(&cert, false).unwrap_err().to_string();
        assert!(e.contains("`chmod 644 "), "{e}");
        // A name a shell would split is quoted in the fix.
        let odd = dir.path().join("it's mine");
        std::fs::write(&odd, "x").unwrap();
        std::fs::set_permissions(&odd, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = open_private_append(&odd).unwrap_err().to_string();
        assert!(e.contains("it'\\''s mine'`"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn links_are_refused_dangling_or_not_and_nothing_is_written_through_them() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(&target, &dangling).unwrap();
        let real = dir.path().join("real");
        std::fs::write(&real, "precious").unwrap();
        std::fs::set_permissions(&real, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        let to_real = dir.path().join("to-real");
        std::os::unix::fs::symlink(&real, &to_real).unwrap();
        for link in [&dangling, &to_real] {
            for e in [
                open_private_append(link).unwrap_err(),
                open_private_rw(link).unwrap_err(),
                read_own(link, true).unwrap_err(),
            ] {
                assert!(e.to_string().contains("symbolic link"), "{e}");
            }
        }
        assert!(!target.exists(), "the dangling link's target was made");
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "precious");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_at_once_and_other_kinds_too() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        mkfifo(&fifo);
        let f = fifo.clone();
        let e = within_deadline(move || open_private_append(&f).unwrap_err().to_string());
        assert!(e.contains("a FIFO (named pipe), not a regular file"), "{e}");
        let f = fifo;
        let e = within_deadline(move || read_own(&f, true).unwrap_err().to_string());
        assert!(e.contains("FIFO"), "{e}");
        let e = open_private_rw(dir.path()).unwrap_err().to_string();
        assert!(e.contains("a directory"), "{e}");
        let e = open_private_append(Path::new("/dev/null"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("a device"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_file_of_another_user_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("theirs");
        std::fs::write(&path, "x").unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        // Only root can give a file away; as anyone else, there is
        // nothing to test here.
        if std::os::unix::fs::chown(&path, Some(65534), None).is_err() {
            return;
        }
        let e = open_private_append(&path).unwrap_err().to_string();
        assert!(e.contains("belongs to another user (uid 65534"), "{e}");
        assert!(read_own(&path, false).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn new_files_and_directories_are_for_their_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a").join("b");
        create_private_dir(&sub).unwrap();
        assert_eq!(mode_of(&sub) & 0o077, 0);
        assert_eq!(mode_of(&dir.path().join("a")) & 0o077, 0);
        let file = sub.join("f");
        open_private_rw(&file).unwrap();
        assert_eq!(mode_of(&file), 0o600);
        // And an append opened here appends.
        let log = sub.join("log");
        for line in ["one\n", "two\n"] {
            use std::io::Write as _;
            open_private_append(&log)
                .unwrap()
                .write_all(line.as_bytes())
                .unwrap();
        }
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "one\ntwo\n");
        assert_eq!(mode_of(&log), 0o600);
    }
}
