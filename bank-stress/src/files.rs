//! Every file the tools write: checked before any work starts, and written so that nothing is
//! destroyed:
//!
//! - a regular file (or a new one) is written atomically (a temporary file in the same folder,
//!   then renamed), so a kill during the write leaves the old file or the new one, never an empty
//!   or half-written one;
//! - a symlink is written through: its target is replaced (atomically, if a regular file), the
//!   link stays;
//! - a device (`/dev/null`, a terminal) or a pipe (`/dev/stdout` on a pipe, a named pipe) is
//!   written in place, and a write error (`/dev/full`: no space) fails the command; a pipe with
//!   no reader is an error, not a wait for ever (it is opened without blocking; it is not opened
//!   before the work, which would end its reader's input);
//! - a socket, a folder and a link to nowhere are refused before the work.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Where an output goes, decided before the work.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Destination {
    /// A regular file, new or to replace atomically, at this path (a symlink's target, resolved).
    Replace(PathBuf),
    /// A device, written in place.
    Through(PathBuf),
    /// A pipe, written in place (and not opened before the work: that would end its reader's
    /// input).
    Pipe(PathBuf),
}

/// The folder a file at `path` goes into (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

fn refused(why: impl Into<String>) -> std::io::Error {
    std::io::Error::other(why.into())
}

/// Where `path` really is, and how it is written.
fn destination(path: &Path) -> std::io::Result<Destination> {
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_dir() => Err(refused("it is a folder")),
        Ok(metadata) if metadata.is_file() => {
            Ok(Destination::Replace(std::fs::canonicalize(path)?))
        }
        Ok(metadata) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::FileTypeExt;
                let kind = metadata.file_type();
                if kind.is_socket() {
                    return Err(refused("it is a socket; write to a file or a device"));
                }
                if kind.is_fifo() {
                    return Ok(Destination::Pipe(path.to_path_buf()));
                }
            }
            Ok(Destination::Through(path.to_path_buf()))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if std::fs::symlink_metadata(path).is_ok() {
                Err(refused("it is a symlink to something that does not exist"))
            } else {
                Ok(Destination::Replace(path.to_path_buf()))
            }
        }
        Err(error) => Err(error),
    }
}

/// Opens a device or a pipe for writing in place. A pipe is opened without blocking (a pipe no
/// one reads is an error at once, not a wait for ever), then made blocking again for the write.
fn open_in_place(path: &Path) -> std::io::Result<std::fs::File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
            .open(path)
            .map_err(|error| {
                if error.raw_os_error() == Some(rustix::io::Errno::NXIO.raw_os_error()) {
                    refused("it is a pipe that no one reads")
                } else {
                    error
                }
            })?;
        let flags = rustix::fs::fcntl_getfl(&file)?;
        rustix::fs::fcntl_setfl(&file, flags - rustix::fs::OFlags::NONBLOCK)?;
        Ok(file)
    }
    #[cfg(not(unix))]
    {
        std::fs::OpenOptions::new().write(true).open(path)
    }
}

/// An error of the OS without the name of the temporary file it was about.
fn plainly(error: &std::io::Error, folder: &Path) -> std::io::Error {
    std::io::Error::new(
        error.kind(),
        format!(
            "cannot create a file in {}: {}",
            folder.display(),
            std::io::Error::from(error.kind())
        ),
    )
}

/// Makes sure `path` can be written: its folder exists (or can be made) and accepts a new file,
/// and `path` itself is a regular file, a new one, a device, or a symlink to one of those. Call
/// it before the work whose result goes there.
pub fn check_writable(path: &Path) -> std::io::Result<()> {
    if let Some(file) = path.ancestors().skip(1).find(|ancestor| ancestor.is_file()) {
        return Err(refused(format!(
            "{} is a file, not a folder",
            file.display()
        )));
    }
    match destination(path)? {
        Destination::Pipe(_) => Ok(()),
        Destination::Through(device) => open_in_place(&device).map(drop),
        Destination::Replace(file) => {
            // The folders are made when the file is written, not now: a command refused later
            // leaves nothing behind. The nearest one that exists must take a new file.
            let folder = folder_of(&file)
                .ancestors()
                .find(|folder| folder.exists())
                .unwrap_or(Path::new("."));
            tempfile::NamedTempFile::new_in(folder)
                .map(drop)
                .map_err(|error| plainly(&error, folder))
        }
    }
}

/// Writes `contents` to `path` (see the module documentation for how each kind of path is
/// written).
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let file = match destination(path)? {
        Destination::Through(device) | Destination::Pipe(device) => {
            let mut device = open_in_place(&device)?;
            device.write_all(contents)?;
            return device.flush();
        }
        Destination::Replace(file) => file,
    };
    let folder = folder_of(&file);
    std::fs::create_dir_all(folder)?;
    let mut temporary =
        tempfile::NamedTempFile::new_in(folder).map_err(|error| plainly(&error, folder))?;
    temporary.write_all(contents)?;
    temporary.as_file().sync_all()?;
    // A temporary file is private (0600); a report is meant to be read by others, as any file
    // written with the usual umask would be.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temporary
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    temporary
        .persist(&file)
        .map(drop)
        .map_err(|error| std::io::Error::new(error.error.kind(), error.error.to_string()))
}

/// Whether two paths name the same file (after following symlinks); a path that does not exist
/// is no other path's file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        write_atomically(&path, b"old").unwrap();
        write_atomically(&path, b"new and longer").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new and longer");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_folder_or_an_unwritable_place_is_refused_before_any_work() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_writable(dir.path()).is_err(), "a folder");
        let blocker = dir.path().join("a-file");
        std::fs::write(&blocker, b"").unwrap();
        assert!(
            check_writable(&blocker.join("report.json")).is_err(),
            "a folder that cannot exist because a file has its name"
        );
        assert!(check_writable(&dir.path().join("new/report.json")).is_ok());
    }
}
