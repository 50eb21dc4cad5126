//! The output folder as a whole: one run at a time writes it, and its files are replaced as
//! one set (`docs/outputs.md`, "How the outputs are replaced").
//!
//! A run locks `.NAME.lock` beside the folder `NAME` (a file that stays put while the folder
//! is swapped), writes the new set into a staging folder beside it
//! (`.NAME.staging.PID.RANDOM`, created new under a name no one can foresee), and on Linux
//! swaps the two at once (`renameat2` with `RENAME_EXCHANGE`), then removes the old set. A run
//! killed at any instant leaves the folder holding the whole old set or the whole new one;
//! the next run removes what it left beside the folder.
//!
//! Where a swap cannot be done, or could lose something, the files are renamed into the
//! folder one by one, as before: on other systems, for a folder holding anything besides
//! the audit's files (the user's own files or folders), for the current folder, for a folder
//! that is a mount point or whose parent cannot be written.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::{FORMAT_FILES, OUTPUT_FILES, REPORT_FILES, left_by_gone_runs, unforeseeable};
use crate::error::{Error, Result};

/// The lock taken inside the folder itself when nothing can be created beside it.
const INNER_LOCK: &str = ".audit.lock";

/// An output folder being written: locked for this run, and staged beside it when its set
/// can be replaced as one.
pub(crate) struct OutputFolder {
    /// The folder as the caller named it, for messages.
    dir: PathBuf,
    /// The staging folder and the real folder (links resolved) it is swapped with; `None`
    /// when the files are renamed into the folder one by one.
    swap: Option<Swap>,
    /// Where the report's data folder ([`REPORT_FILES`]) is written when nothing is staged:
    /// a temporary folder in the output folder, renamed into place at the commit.
    files_tmp: PathBuf,
    /// Held until the run is over (the operating system releases it if the process dies).
    _lock: Option<File>,
}

struct Swap {
    staging: PathBuf,
    target: PathBuf,
}

impl OutputFolder {
    /// Locks the output folder `dir` (which exists) and decides how its files are replaced:
    /// the old set removed from a staging folder a killed run left beside it, and a new
    /// staging folder created where the set can be swapped.
    ///
    /// # Errors
    /// [`Error::OutputLocked`] when another run holds the folder's lock; [`Error::Io`] naming
    /// the lock file when it cannot be created or locked.
    pub(crate) fn open(dir: &Path) -> Result<OutputFolder> {
        let target = dir
            .canonicalize()
            .map_err(|e| Error::io(dir, "cannot resolve the output folder", e))?;
        let beside = target
            .parent()
            .zip(target.file_name())
            .map(|(parent, name)| (parent.to_path_buf(), name.to_string_lossy().into_owned()));
        // Beside the folder, where it stays while the folder is swapped; inside it when the
        // parent cannot be written (then nothing is staged there either).
        let (lock, beside) = match &beside {
            Some((parent, name)) => match lock(dir, &parent.join(format!(".{name}.lock")))? {
                Some(file) => (Some(file), Some((parent.as_path(), name.as_str()))),
                None => (lock(dir, &target.join(INNER_LOCK))?, None),
            },
            None => (lock(dir, &target.join(INNER_LOCK))?, None),
        };
        let mut folder = OutputFolder {
            dir: dir.to_path_buf(),
            swap: None,
            files_tmp: dir.join(format!(
                ".{REPORT_FILES}.{}.{:016x}.tmp",
                std::process::id(),
                unforeseeable(0)
            )),
            _lock: lock,
        };
        let Some((parent, name)) = beside else {
            return Ok(folder);
        };
        remove_stale_staging(parent, name);
        if swappable(parent, &target) {
            folder.swap = create_staging(parent, name).map(|staging| Swap { staging, target });
        }
        Ok(folder)
    }

    /// Where the outputs are written: the staging folder, or the output folder itself.
    pub(crate) fn writing_dir(&self) -> &Path {
        self.swap.as_ref().map_or(&self.dir, |s| &s.staging)
    }

    /// Where the report's data folder ([`REPORT_FILES`]) is written: in the staging folder,
    /// or a temporary folder renamed into place by [`OutputFolder::commit`].
    pub(crate) fn report_files_dir(&self) -> PathBuf {
        match &self.swap {
            Some(swap) => swap.staging.join(REPORT_FILES),
            None => self.files_tmp.clone(),
        }
    }

    /// Puts the written set in place: swaps the staging folder with the output folder and
    /// removes the old set. Where the file system cannot swap folders, the files are
    /// renamed in one by one.
    ///
    /// # Errors
    /// [`Error::Io`] naming the output file that could not be renamed into place.
    pub(crate) fn commit(mut self) -> Result<()> {
        let Some(swap) = self.swap.take() else {
            return replace_folder(&self.files_tmp, &self.dir.join(REPORT_FILES));
        };
        // The new folder takes the old one's permissions.
        if let Ok(meta) = std::fs::metadata(&swap.target) {
            let _ = std::fs::set_permissions(&swap.staging, meta.permissions());
        }
        if exchange(&swap.staging, &swap.target).is_ok() {
            remove_old_set(&swap.staging, Some(&swap.target));
            return Ok(());
        }
        // A file system that cannot swap (or a folder moved meanwhile): one by one.
        for name in OUTPUT_FILES.iter().chain(&FORMAT_FILES) {
            // A map layer not written this time (a format not asked for) is not renamed; the
            // earlier audit's is removed afterwards.
            let layer = OUTPUT_FILES[..2].contains(name) || FORMAT_FILES.contains(name);
            if layer && !swap.staging.join(name).exists() {
                let _ = std::fs::remove_file(swap.target.join(name));
                continue;
            }
            if let Err(e) = std::fs::rename(swap.staging.join(name), swap.target.join(name)) {
                remove_old_set(&swap.staging, None);
                return Err(Error::io(
                    &self.dir.join(name),
                    "cannot rename the output into place",
                    e,
                ));
            }
        }
        let files = replace_folder(
            &swap.staging.join(REPORT_FILES),
            &self.dir.join(REPORT_FILES),
        );
        remove_old_set(&swap.staging, None);
        files
    }
}

/// Puts the folder `new` at `dest` when it was written, the folder at `dest` removed either
/// way: a report small enough for one page has none, and one left by an earlier audit
/// would be that audit's.
fn replace_folder(new: &Path, dest: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dest) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            let _ = std::fs::remove_dir_all(new);
            return Err(Error::io(
                dest,
                "cannot remove the earlier report's folder",
                e,
            ));
        }
        _ => {}
    }
    if new.is_dir() {
        std::fs::rename(new, dest)
            .map_err(|e| Error::io(dest, "cannot rename the report's folder into place", e))?;
    }
    Ok(())
}

impl Drop for OutputFolder {
    /// A run that failed (or panicked) before its commit leaves no staging folder behind.
    fn drop(&mut self) {
        if let Some(swap) = self.swap.take() {
            remove_old_set(&swap.staging, None);
        }
        let _ = std::fs::remove_dir_all(&self.files_tmp);
    }
}

/// Opens and locks `path` for a run into `dir`: `None` when it cannot be created for want
/// of permission (a parent the user cannot write).
fn lock(dir: &Path, path: &Path) -> Result<Option<File>> {
    let mut options = File::options();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(target_os = "linux")]
    {
        // A link planted at the lock's name in a shared folder is not followed.
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        // A parent this user cannot write: the lock another made there serves (a lock needs
        // no write access), else there is none to take here.
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            match options.write(false).create(false).open(path) {
                Ok(file) => file,
                Err(_) => return Ok(None),
            }
        }
        Err(e) => return Err(Error::io(path, "cannot create the output folder's lock", e)),
    };
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::OutputLocked {
            dir: dir.to_path_buf(),
            lock: path.to_path_buf(),
        }),
        // A file system without locks: the run goes on unlocked, as before there were any.
        Err(std::fs::TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {
            Ok(Some(file))
        }
        Err(std::fs::TryLockError::Error(e)) => {
            Err(Error::io(path, "cannot lock the output folder's lock", e))
        }
    }
}

/// Whether the folder `target` (in `parent`) can be swapped with a staging folder without
/// losing or moving anything but the audit's own files.
fn swappable(parent: &Path, target: &Path) -> bool {
    if !cfg!(target_os = "linux") {
        return false;
    }
    // A shell or program sitting in the folder would be left in the removed old one.
    if std::env::current_dir()
        .and_then(|d| d.canonicalize())
        .is_ok_and(|cwd| cwd.starts_with(target))
    {
        return false;
    }
    // A mount point cannot be renamed, nor a folder across file systems.
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(parent), std::fs::metadata(target)) {
            (Ok(p), Ok(t)) if p.dev() == t.dev() => {}
            _ => return false,
        }
    }
    let Ok(entries) = std::fs::read_dir(target) else {
        return false;
    };
    entries.into_iter().all(|entry| {
        entry.is_ok_and(|entry| {
            let name = entry.file_name();
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            match name.to_str() {
                Some(name) if is_dir => name == REPORT_FILES,
                Some(name) => is_audit_file(name),
                None => false,
            }
        })
    })
}

/// Whether `name` is one the audit writes in its folder: an output, a temporary file of one
/// (`.parcels.csv.PID.RANDOM.tmp`), or the lock taken inside the folder.
fn is_audit_file(name: &str) -> bool {
    OUTPUT_FILES.contains(&name)
        || FORMAT_FILES.contains(&name)
        || name == INNER_LOCK
        || super::temporary_pid(name).is_some()
}

/// Whether `name` is the report's data folder or a temporary one of a run.
fn is_report_files(name: &str) -> bool {
    name == REPORT_FILES || super::temporary_pid(name).is_some()
}

/// Creates a new staging folder beside the output folder `name` in `parent`, under a name
/// no one can foresee, only if nothing stands there; `None` when none can be created.
fn create_staging(parent: &Path, name: &str) -> Option<PathBuf> {
    for attempt in 0..16 {
        let path = parent.join(format!(
            ".{name}.staging.{}.{:016x}",
            std::process::id(),
            unforeseeable(attempt)
        ));
        match std::fs::create_dir(&path) {
            Ok(()) => return Some(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(_) => return None,
        }
    }
    None
}

/// The process id in the name of a staging folder of the output folder `name`
/// (`.NAME.staging.PID.RANDOM`).
fn staging_pid(entry: &str, name: &str) -> Option<u32> {
    let rest = entry.strip_prefix('.')?.strip_prefix(name)?;
    let rest = rest.strip_prefix(".staging.")?;
    let (pid, random) = rest.split_once('.')?;
    (random.len() == 16 && random.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| pid.parse().ok())
        .flatten()
}

/// Removes the staging folders a stopped run left beside the output folder `name` in
/// `parent` (its new set not yet swapped in, or the old set swapped out): those of a process
/// that no longer runs, told by `/proc` (elsewhere nothing is removed). A folder holding
/// anything but the audit's files is left.
fn remove_stale_staging(parent: &Path, name: &str) {
    for entry in left_by_gone_runs(parent, |e| staging_pid(e, name)) {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            remove_old_set(&entry.path(), None);
        }
    }
}

/// Removes the audit's files from `folder` (a staging folder, or the old folder swapped out)
/// and then the folder. Anything else found there (put in the output folder while the run
/// wrote) is moved back into `target` when it is given and holds nothing of that name, and
/// otherwise left, with the folder.
fn remove_old_set(folder: &Path, target: Option<&Path>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let ours = name.to_str().is_some_and(is_audit_file);
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if ours && !is_dir {
            let _ = std::fs::remove_file(entry.path());
        } else if is_dir && name.to_str().is_some_and(is_report_files) {
            let _ = std::fs::remove_dir_all(entry.path());
        } else if let Some(target) = target {
            let _ = move_back(&entry.path(), &target.join(&name));
        }
    }
    let _ = std::fs::remove_dir(folder);
}

/// Renames `from` to `to` unless something stands at `to`.
fn move_back(from: &Path, to: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE).map_err(Into::into)
    }
    #[cfg(not(target_os = "linux"))]
    {
        if std::fs::symlink_metadata(to).is_ok() {
            return Err(std::io::ErrorKind::AlreadyExists.into());
        }
        std::fs::rename(from, to)
    }
}

/// Swaps two folders at once.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(Into::into)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_staging_folder_is_told_by_its_name() {
        let random = "0123456789abcdef";
        assert_eq!(
            staging_pid(&format!(".out.staging.42.{random}"), "out"),
            Some(42)
        );
        assert_eq!(
            staging_pid(&format!(".out.staging.42.{random}"), "ou"),
            None
        );
        assert_eq!(staging_pid(".out.staging.42.0123", "out"), None);
        assert_eq!(
            staging_pid(&format!("out.staging.42.{random}"), "out"),
            None
        );
        assert_eq!(staging_pid(&format!(".out.lock.42.{random}"), "out"), None);
    }
}
