//! Every file the tools write: checked before any work starts, and written atomically (to a
//! temporary file in the same folder, then renamed), so a kill during the write leaves the old
//! file or the new one, never an empty or half-written one.

use std::io::Write;
use std::path::Path;

/// The folder a file at `path` goes into (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Makes sure `path` can be written: its folder exists (or is created) and accepts a new file,
/// and `path` itself is not a folder. Call it before the work whose result goes there.
pub fn check_writable(path: &Path) -> std::io::Result<()> {
    if path.is_dir() {
        return Err(std::io::Error::other("it is a folder"));
    }
    if let Some(file) = path.ancestors().skip(1).find(|ancestor| ancestor.is_file()) {
        return Err(std::io::Error::other(format!(
            "{} is a file, not a folder",
            file.display()
        )));
    }
    let folder = folder_of(path);
    std::fs::create_dir_all(folder)?;
    tempfile::NamedTempFile::new_in(folder).map(drop)
}

/// Writes `contents` to `path` atomically: a temporary file in the same folder, flushed to disk,
/// then renamed over `path`.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let folder = folder_of(path);
    std::fs::create_dir_all(folder)?;
    let mut file = tempfile::NamedTempFile::new_in(folder)?;
    file.write_all(contents)?;
    file.as_file().sync_all()?;
    // A temporary file is private (0600); a report is meant to be read by others, as any file
    // written with the usual umask would be.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    file.persist(path).map(drop).map_err(|error| error.error)
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
