//! GDAL's own messages (its `CPLError`s: a driver's warnings, errors it goes on after) while a
//! source is read: caught rather than printed to standard error, and made the layer's warnings,
//! or added to the error that stops the read.
//!
//! GDAL's error handler is one for the whole process, and sources may be read on several
//! threads at once (and by threads that are not reading a source of ours). So the handler is
//! installed while any read is going ([`Handler`], counted) and routes each message by the
//! thread GDAL says it on: to the read that thread is working for ([`Caught::scope`]), else to
//! standard error as GDAL prints it. GDAL calls the handler under its own lock, and the
//! `gdal` crate swaps it under that lock: no message finds the handler half gone.

use std::cell::RefCell;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::Error;

/// Distinct messages kept per read; the rest are counted.
const KEPT: usize = 20;

/// The messages GDAL gave while one source was read.
#[derive(Debug, Default)]
pub(crate) struct Caught {
    said: Mutex<Said>,
    /// The path GDAL reads and the name messages give it, when they differ (an in-memory
    /// source's `/vsimem/` file and its label).
    renamed: Option<(String, String)>,
}

#[derive(Debug, Default)]
struct Said {
    /// Distinct messages, in the order first said.
    kept: Vec<Message>,
    /// Messages past the first [`KEPT`] distinct ones.
    more: usize,
}

#[derive(Debug, PartialEq)]
struct Message {
    /// An error (`CE_Failure`) rather than a warning.
    failure: bool,
    /// GDAL's error number (`CPLE_*`).
    number: i32,
    text: String,
    /// How many times it was said.
    times: usize,
}

impl Message {
    /// As GDAL prints it: `Warning 1: ...`, `ERROR 1: ...`.
    fn shown(&self) -> String {
        let class = if self.failure { "ERROR" } else { "Warning" };
        let times = match self.times {
            1 => String::new(),
            n => format!(" ({n} times)"),
        };
        format!("{class} {}: {}{times}", self.number, self.text.trim_end())
    }
}

thread_local! {
    /// The read this thread is doing GDAL's work for: its messages are that read's.
    static READING: RefCell<Option<Arc<Caught>>> = const { RefCell::new(None) };
}

impl Caught {
    /// Messages of a read of `path`, which messages name `shown`.
    pub(crate) fn naming(path: &Path, shown: &Path) -> Caught {
        let (path, shown) = (path.display().to_string(), shown.display().to_string());
        Caught {
            said: Mutex::default(),
            renamed: (path != shown).then_some((path, shown)),
        }
    }

    /// `text` with the path GDAL reads named as messages name it.
    pub(crate) fn rename(&self, text: &str) -> String {
        match &self.renamed {
            Some((path, shown)) => text.replace(path.as_str(), shown),
            None => text.to_string(),
        }
    }

    /// Keeps a message (once, counted when repeated).
    fn keep(&self, failure: bool, number: i32, text: &str) {
        let text = self.rename(text);
        let mut said = self.said.lock().unwrap_or_else(PoisonError::into_inner);
        let said = &mut *said;
        if let Some(m) = (said.kept.iter_mut())
            .find(|m| m.failure == failure && m.number == number && m.text == text)
        {
            m.times += 1;
        } else if said.kept.len() < KEPT {
            said.kept.push(Message {
                failure,
                number,
                text,
                times: 1,
            });
        } else {
            said.more += 1;
        }
    }

    /// Until the guard is dropped, GDAL's messages on this thread are this read's.
    pub(crate) fn scope(self: &Arc<Self>) -> Scope {
        let before = READING
            .try_with(|r| r.try_borrow_mut().ok()?.replace(Arc::clone(self)))
            .ok()
            .flatten();
        Scope { before }
    }

    /// The messages as the layer's warnings, each naming the source and its layer.
    pub(crate) fn notes(&self, name: &Path) -> Vec<String> {
        let said = self.said.lock().unwrap_or_else(PoisonError::into_inner);
        let mut notes: Vec<String> = (said.kept.iter())
            .map(|m| format!("{}: GDAL said {}", name.display(), m.shown()))
            .collect();
        if said.more > 0 {
            notes.push(format!(
                "{}: GDAL said {} more message(s), not kept",
                name.display(),
                said.more
            ));
        }
        notes
    }

    /// `e` with GDAL's messages added to its text (those it does not hold already), when it
    /// is an error of the source: what GDAL said before the read stopped.
    pub(crate) fn add_to(&self, e: Error) -> Error {
        let said = self.said.lock().unwrap_or_else(PoisonError::into_inner);
        let add = |message: &mut String| {
            let new: Vec<String> = (said.kept.iter())
                .filter(|m| !message.contains(m.text.trim_end()))
                .map(Message::shown)
                .collect();
            if !new.is_empty() {
                message.push_str(&format!(" (GDAL said: {})", new.join("; ")));
            }
        };
        match e {
            Error::Gdal {
                file,
                feature,
                message,
            } => {
                let mut message = self.rename(&message);
                add(&mut message);
                Error::Gdal {
                    file,
                    feature,
                    message,
                }
            }
            Error::InputFormat { file, message } => {
                let mut message = self.rename(&message);
                add(&mut message);
                Error::InputFormat { file, message }
            }
            other => other,
        }
    }

    /// An I/O error of the text, with GDAL's messages added to the source's error it carries.
    pub(crate) fn add_to_io(&self, e: std::io::Error) -> std::io::Error {
        if !e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            return e;
        }
        match e.into_inner().map(|b| b.downcast::<Error>()) {
            Some(Ok(inner)) => std::io::Error::other(self.add_to(*inner)),
            Some(Err(other)) => std::io::Error::other(other),
            None => std::io::Error::other("GDAL error"),
        }
    }
}

/// While alive, GDAL's messages on this thread go to one read's [`Caught`]; then to the read
/// before (none, unless reads nest).
pub(crate) struct Scope {
    before: Option<Arc<Caught>>,
}

impl Drop for Scope {
    fn drop(&mut self) {
        let before = self.before.take();
        let _ = READING.try_with(|r| {
            if let Ok(mut r) = r.try_borrow_mut() {
                *r = before;
            }
        });
    }
}

/// Reads catching GDAL's messages: the handler is installed while there is one.
static CATCHING: Mutex<usize> = Mutex::new(0);

/// While alive, GDAL's messages go to [`route`] (installed by the first of these, removed with
/// the last: GDAL's own printing then again).
pub(crate) struct Handler(());

impl Handler {
    /// Installs the handler, if no read has it installed already.
    pub(crate) fn install() -> Handler {
        let mut reads = CATCHING.lock().unwrap_or_else(PoisonError::into_inner);
        if *reads == 0 {
            gdal::config::set_error_handler(route);
        }
        *reads += 1;
        Handler(())
    }
}

impl Drop for Handler {
    fn drop(&mut self) {
        let mut reads = CATCHING.lock().unwrap_or_else(PoisonError::into_inner);
        *reads = reads.saturating_sub(1);
        if *reads == 0 {
            gdal::config::remove_error_handler();
        }
    }
}

/// GDAL's message, to the read this thread works for, else printed as GDAL prints it. Called
/// by GDAL (under its lock): must not call GDAL, nor panic.
fn route(class: gdal::errors::CplErrType, number: i32, text: &str) {
    use gdal::errors::CplErrType;
    let reading = READING
        .try_with(|r| r.try_borrow().ok().and_then(|r| r.clone()))
        .ok()
        .flatten();
    match (class, reading) {
        (CplErrType::Warning, Some(read)) => read.keep(false, number, text),
        (CplErrType::Failure, Some(read)) => read.keep(true, number, text),
        (class, _) => {
            let line = match class {
                CplErrType::Debug | CplErrType::None => format!("{text}\n"),
                CplErrType::Warning => format!("Warning {number}: {text}\n"),
                CplErrType::Failure | CplErrType::Fatal => format!("ERROR {number}: {text}\n"),
            };
            let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_kept_once_counted_and_added_to_an_error() {
        let caught = Caught::default();
        caught.keep(false, 1, "Field ZDMJ of width 12 truncated");
        caught.keep(false, 1, "Field ZDMJ of width 12 truncated");
        caught.keep(true, 4, "cannot read feature 7");
        for n in 0..KEPT {
            caught.keep(false, 1, &format!("warning {n}"));
        }
        let notes = caught.notes(Path::new("dc.gdb|layername=ZD"));
        assert_eq!(notes.len(), KEPT + 1, "{notes:?}");
        assert_eq!(
            notes[0],
            "dc.gdb|layername=ZD: GDAL said Warning 1: Field ZDMJ of width 12 truncated (2 times)"
        );
        assert_eq!(
            notes[1],
            "dc.gdb|layername=ZD: GDAL said ERROR 4: cannot read feature 7"
        );
        assert_eq!(
            notes[KEPT],
            "dc.gdb|layername=ZD: GDAL said 2 more message(s), not kept"
        );
        let e = caught.add_to(Error::Gdal {
            file: "dc.gdb".into(),
            feature: Some(7),
            message: "stopped (cannot read feature 7)".into(),
        });
        let text = e.to_string();
        assert!(
            text.contains("(GDAL said: Warning 1: Field ZDMJ") && !text.contains("ERROR 4"),
            "{text}"
        );
    }

    #[test]
    fn a_scope_routes_this_threads_messages_only_and_ends() {
        let caught = Arc::new(Caught::default());
        {
            let _scope = caught.scope();
            route(gdal::errors::CplErrType::Warning, 1, "here");
            std::thread::scope(|s| {
                s.spawn(|| route(gdal::errors::CplErrType::Warning, 1, "elsewhere"));
            });
        }
        route(gdal::errors::CplErrType::Warning, 1, "after");
        let notes = caught.notes(Path::new("x.kml"));
        assert_eq!(notes, ["x.kml: GDAL said Warning 1: here"]);
    }
}
