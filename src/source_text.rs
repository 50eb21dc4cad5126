//! Text left in an input file and read back at write time: parcels' `properties` and
//! enterprises' names as spans of the file, each with a hash that tells whether the bytes
//! changed since they were read.

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::columns::{OptStrings, retain_vec};
use crate::error::{Error, Result};

/// An input file that parcels' `properties` or enterprises' names were left in when it was
/// read ([`Audit::run_leaving_text`](crate::audit::Audit::run_leaving_text)), kept open so that
/// renaming or removing its path afterwards does not matter. The writers read the texts back
/// from it, a block of rows at a time, and check each against the hash taken when it was read.
///
/// It is the only thing in the crate that reads an input after the readers: tables and
/// reports hold none, and a report serialises without it.
#[derive(Clone)]
pub struct InputText {
    path: PathBuf,
    file: Arc<File>,
    len: u64,
}

impl fmt::Debug for InputText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InputText({}, {} bytes)", self.path.display(), self.len)
    }
}

/// The input files an audit left text in, one per layer that has any: what
/// [`write_all_with_text`](crate::write::write_all_with_text) reads parcels' `properties` and
/// enterprises' names back from.
#[derive(Debug, Clone, Default)]
pub struct InputTexts {
    /// The parcels' file, when their `properties` were left in it.
    pub parcels: Option<InputText>,
    /// The enterprises' file, when their names were left in it.
    pub enterprises: Option<InputText>,
}

impl InputTexts {
    /// The files, for the writers to refuse to write over.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        [&self.parcels, &self.enterprises]
            .into_iter()
            .flatten()
            .map(InputText::path)
    }

    /// Fails when a file's length has changed since it was read.
    ///
    /// # Errors
    /// [`Error::InputChanged`] naming the file.
    pub fn check(&self) -> Result<()> {
        [&self.parcels, &self.enterprises]
            .into_iter()
            .flatten()
            .try_for_each(InputText::check)
    }
}

/// Spans closer than this in the file are fetched with one read (the bytes between them
/// included); farther apart, with one read each. Bounds a block's buffer to a few kilobytes a
/// row whatever lies between the texts (long geometries).
const MAX_GAP: u64 = 4096;

impl InputText {
    /// Opens the file, as it is now, to read texts back from later; `None` for what cannot
    /// be read twice (a pipe, a device).
    pub(crate) fn open(path: &Path) -> io::Result<Option<InputText>> {
        // Look before opening: opening a FIFO waits for a writer, and a second reader
        // would take the writer's text from the one that scans it (or wait forever once
        // the writer has gone).
        if !std::fs::metadata(path)?.is_file() {
            return Ok(None);
        }
        let file = File::open(path)?;
        let meta = file.metadata()?;
        Ok(meta.is_file().then(|| InputText {
            path: path.to_path_buf(),
            file: Arc::new(file),
            len: meta.len(),
        }))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Fails when the file's length has changed since it was read.
    ///
    /// # Errors
    /// [`Error::InputChanged`] naming the file.
    pub fn check(&self) -> Result<()> {
        let now = self
            .file
            .metadata()
            .map_err(|e| self.changed(e.to_string()))?
            .len();
        if now == self.len {
            Ok(())
        } else {
            Err(self.changed(format!(
                "changed after it was read ({} bytes then, {now} now); run the audit again",
                self.len
            )))
        }
    }

    fn changed(&self, message: String) -> Error {
        Error::InputChanged {
            file: self.path.clone(),
            message,
        }
    }

    /// The texts of `spans` (any of them absent), each checked against its hash; `name(i)`
    /// names the record of span `i` in the error when one differs.
    fn texts(&self, spans: &[Option<Span>], name: &dyn Fn(usize) -> String) -> Result<Texts> {
        self.read_spans(spans)
            .map_err(|e| self.changed(e.to_string()))
            .and_then(|texts| {
                for (i, (s, r)) in spans.iter().zip(&texts.at).enumerate() {
                    let (Some(s), Some(r)) = (s, r) else { continue };
                    let b = &texts.bytes[r.0..r.1];
                    if text_hash(b) != s.hash || std::str::from_utf8(b).is_err() {
                        return Err(self.changed(format!(
                            "the {} changed after it was read (the {} bytes at offset {} \
                             differ); run the audit again",
                            name(i),
                            s.len,
                            s.offset
                        )));
                    }
                }
                Ok(texts)
            })
    }

    /// Reads the bytes of `spans`, one read per run of nearby spans.
    fn read_spans(&self, spans: &[Option<Span>]) -> io::Result<Texts> {
        let mut bytes = Vec::new();
        let mut at = Vec::with_capacity(spans.len());
        let mut i = 0;
        while i < spans.len() {
            let Some(first) = spans[i] else {
                at.push(None);
                i += 1;
                continue;
            };
            // A run of spans in file order with small gaps: one read.
            let mut end = first.end();
            let mut j = i + 1;
            while let Some(next) = spans.get(j) {
                match next {
                    None => {}
                    Some(s) if s.offset >= end && s.offset - end <= MAX_GAP => end = s.end(),
                    Some(_) => break,
                }
                j += 1;
            }
            let base = bytes.len();
            let n = usize::try_from(end - first.offset).map_err(io::Error::other)?;
            bytes.resize(base + n, 0);
            read_at(&self.file, &mut bytes[base..], first.offset)?;
            for s in &spans[i..j] {
                at.push(s.map(|s| {
                    let a = base + (s.offset - first.offset) as usize;
                    (a, a + s.len as usize)
                }));
            }
            i = j;
        }
        Ok(Texts { bytes, at })
    }
}

/// Reads a file whole, refusing one larger than `limit` bytes (`what` it is, for the error):
/// a wrong path (a disk image, `/dev/zero`) is not read into memory to the end.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; [`Error::InputTooLarge`] naming it, its size
/// and the bound when it is larger, told by its size before reading or, for a file without
/// one (a device, a pipe), by reading one byte past the bound.
pub(crate) fn read_whole(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>> {
    use std::io::Read;
    let too_large = |size| Error::InputTooLarge {
        file: path.to_path_buf(),
        size,
        limit,
        what,
    };
    let file = File::open(path).map_err(|e| Error::io(path, "cannot read", e))?;
    let size = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    if let Some(size) = size.filter(|&s| s > limit) {
        return Err(too_large(Some(size)));
    }
    let mut bytes = Vec::with_capacity(size.unwrap_or(0) as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, "cannot read", e))?;
    if bytes.len() as u64 > limit {
        // A device or pipe, or a file that grew while it was read.
        return Err(too_large(size.filter(|&s| s > limit)));
    }
    Ok(bytes)
}

/// Reads `buf.len()` bytes at `offset` without moving a shared cursor.
#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

/// Reads `buf.len()` bytes at `offset` without moving a shared cursor.
#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// Reads `buf.len()` bytes at `offset`, one reader at a time.
#[cfg(not(any(unix, windows)))]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut f = file;
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)
}

/// The hash a span's bytes are checked against when read back (SipHash, truncated).
pub(crate) fn text_hash(bytes: &[u8]) -> u32 {
    use std::hash::{DefaultHasher, Hasher};
    let mut h = DefaultHasher::new();
    h.write(bytes);
    h.finish() as u32
}

/// A text's start and end in a buffer.
type Pos = (usize, usize);

/// Texts read back from a [`InputText`], in the order asked for.
pub(crate) struct Texts {
    bytes: Vec<u8>,
    at: Vec<Option<Pos>>,
}

impl Texts {
    /// Text `i` (checked as UTF-8 when read).
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        let (a, b) = self.at.get(i).copied().flatten()?;
        std::str::from_utf8(self.bytes.get(a..b)?).ok()
    }
}

/// Where a text lies in its file, and the hash of its bytes there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) offset: u64,
    pub(crate) len: u32,
    pub(crate) hash: u32,
}

impl Span {
    fn end(&self) -> u64 {
        self.offset + u64::from(self.len)
    }
}

/// An optional span per row; allocated when the first span arrives.
#[derive(Debug, Clone, Default)]
pub(crate) struct Spans {
    spans: Vec<Span>,
    len: usize,
}

impl Spans {
    const ABSENT: Span = Span {
        offset: 0,
        len: u32::MAX,
        hash: 0,
    };

    /// Appends a span (one of `u32::MAX` bytes or more cannot be stored: hold its text).
    pub(crate) fn push(&mut self, span: Option<Span>) {
        match span {
            Some(s) if s.len != u32::MAX => {
                if self.spans.len() < self.len {
                    self.spans.resize(self.len, Spans::ABSENT);
                }
                self.spans.push(s);
            }
            _ if !self.spans.is_empty() => self.spans.push(Spans::ABSENT),
            _ => {}
        }
        self.len += 1;
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Span `i`.
    pub(crate) fn get(&self, i: usize) -> Option<Span> {
        self.spans.get(i).copied().filter(|s| s.len != u32::MAX)
    }

    /// True when no row has a span.
    pub(crate) fn none(&self) -> bool {
        self.spans.is_empty()
    }

    /// Keeps the spans for which `keep[i]` is true.
    pub(crate) fn retain(&mut self, keep: &[bool]) {
        if !self.spans.is_empty() {
            retain_vec(&mut self.spans, keep);
        }
        self.len = keep.iter().filter(|k| **k).count();
    }

    /// Releases spare capacity (after reading).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.spans.shrink_to_fit();
    }
}

/// Optional text per row, each either held here or left in the input (a span of its bytes,
/// read back through the [`InputText`] the reader returned).
#[derive(Debug, Clone, Default)]
pub(crate) struct TextColumn {
    pub(crate) held: OptStrings,
    pub(crate) spans: Spans,
    /// The file the texts not held were left in (its path only: the reader keeps the file).
    pub(crate) left_in: Option<PathBuf>,
}

impl TextColumn {
    /// Appends a row: its text held, or left in the input at `span`, or absent.
    pub(crate) fn push(&mut self, held: Option<&str>, span: Option<Span>) {
        self.held.push(held);
        self.spans.push(span);
    }

    /// The texts of `rows` (clamped to the column), those left in the input read back from
    /// `source` (without it, they are absent); `name(row)` names a row's record in the error
    /// when its text changed in the file.
    ///
    /// # Errors
    /// [`Error::InputChanged`] when the file cannot be read or a text differs.
    pub(crate) fn texts(
        &self,
        rows: Range<usize>,
        source: Option<&InputText>,
        name: &dyn Fn(usize) -> String,
    ) -> Result<TextsOf<'_>> {
        let rows = rows.start.min(self.spans.len())..rows.end.min(self.spans.len());
        let left = match source {
            Some(source) if !self.spans.none() => {
                let spans: Vec<_> = rows.clone().map(|r| self.spans.get(r)).collect();
                if spans.iter().all(Option::is_none) {
                    None
                } else {
                    Some(source.texts(&spans, &|i| name(rows.start + i))?)
                }
            }
            _ => None,
        };
        Ok(TextsOf {
            column: self,
            first: rows.start,
            left,
        })
    }

    /// Whether any text was left in the input.
    pub(crate) fn any_left(&self) -> bool {
        !self.spans.none()
    }

    /// Checks that `source` is what the texts not held are to be read back from: given when
    /// some were left in a file, and that file.
    ///
    /// # Errors
    /// [`Error::Usage`] saying which file to give, `what` naming the texts.
    pub(crate) fn check_source(&self, source: Option<&InputText>, what: &str) -> Result<()> {
        let left_in = self.left_in.as_deref().filter(|_| self.any_left());
        match (left_in, source) {
            (Some(file), None) => Err(Error::Usage(format!(
                "the {what} were left in {}: write with write_all_with_text and the InputTexts \
                 that Audit::run_leaving_text returned with this report",
                file.display()
            ))),
            (Some(file), Some(given)) if given.path() != file => Err(Error::Usage(format!(
                "the {what} were left in {}, not in {}: give the InputTexts returned with this \
                 report",
                file.display(),
                given.path().display()
            ))),
            _ => Ok(()),
        }
    }

    pub(crate) fn retain(&mut self, keep: &[bool]) {
        self.held.retain(keep);
        self.spans.retain(keep);
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        self.held.shrink_to_fit();
        self.spans.shrink_to_fit();
    }
}

/// The texts of a range of rows of a [`TextColumn`], as JSON text when left in the input.
pub(crate) struct TextsOf<'a> {
    column: &'a TextColumn,
    first: usize,
    left: Option<Texts>,
}

impl TextsOf<'_> {
    /// Held text of row `row`, or the JSON text left in the input (a value's raw text).
    pub(crate) fn held_or_raw(&self, row: usize) -> Option<Raw<'_>> {
        if let Some(t) = self.column.held.get(row) {
            return Some(Raw::Held(t));
        }
        self.left
            .as_ref()?
            .get(row.checked_sub(self.first)?)
            .map(Raw::Json)
    }
}

/// A text as held, or as the JSON it was in the input.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Raw<'a> {
    Held(&'a str),
    Json(&'a str),
}

/// The value of a JSON string token (`None` if it is not one).
pub(crate) fn json_string(raw: &str) -> Option<Cow<'_, str>> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains('\\') {
        serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
    } else {
        Some(Cow::Borrowed(inner))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_allocate_on_the_first_and_keep_their_rows_through_retain() {
        let span = |offset, len| Span {
            offset,
            len,
            hash: 7,
        };
        let mut s = Spans::default();
        s.push(None);
        s.push(None);
        assert_eq!(s.get(1), None);
        assert!(s.none(), "no span yet, nothing allocated");
        s.push(Some(span(10, 4)));
        s.push(None);
        s.push(Some(span(u64::MAX - 1, 1)));
        s.push(Some(span(3, u32::MAX)));
        assert_eq!(
            (0..6).map(|i| s.get(i)).collect::<Vec<_>>(),
            [
                None,
                None,
                Some(span(10, 4)),
                None,
                Some(span(u64::MAX - 1, 1)),
                None
            ]
        );
        s.retain(&[false, true, true, false, true, true]);
        assert_eq!(
            (0..4).map(|i| s.get(i)).collect::<Vec<_>>(),
            [None, Some(span(10, 4)), Some(span(u64::MAX - 1, 1)), None]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_not_opened_to_be_read_back() {
        // Opening a FIFO with no writer blocks: InputText must decide from the file type alone.
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("p.fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.expect("mkfifo").success());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || tx.send(InputText::open(&fifo).map(|b| b.is_none())));
        let answer = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("InputText::open waited for a writer on a FIFO");
        assert!(answer.unwrap(), "a FIFO cannot be read back");
    }

    #[test]
    fn texts_are_read_in_runs_and_checked_against_their_hashes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        // Two texts 2 bytes apart, then one 10 000 bytes farther (a second read).
        let far = " ".repeat(10_000);
        let text = format!(r#"xx{{"a":1}}yy{{"b":"中"}}{far}{{"c":[]}}"#);
        std::fs::write(&path, &text).unwrap();
        let at = |needle: &str| {
            let o = text.find(needle).unwrap();
            Span {
                offset: o as u64,
                len: needle.len() as u32,
                hash: text_hash(needle.as_bytes()),
            }
        };
        let b = InputText::open(&path).unwrap().expect("a regular file");
        let name = |i: usize| format!("text {i}");
        let spans = [
            Some(at(r#"{"a":1}"#)),
            None,
            Some(at(r#"{"b":"中"}"#)),
            Some(at(r#"{"c":[]}"#)),
        ];
        let t = b.texts(&spans, &name).unwrap();
        assert_eq!(t.get(0), Some(r#"{"a":1}"#));
        assert_eq!(t.get(1), None);
        assert_eq!(t.get(2), Some(r#"{"b":"中"}"#));
        assert_eq!(t.get(3), Some(r#"{"c":[]}"#));
        assert!(
            t.bytes.len() < 100,
            "the gap is not read: {}",
            t.bytes.len()
        );

        let mut moved = at(r#"{"a":1}"#);
        moved.offset += 1;
        let Err(err) = b.texts(&[Some(moved)], &name) else {
            panic!("other bytes there")
        };
        assert!(err.to_string().contains("text 0 changed"), "{err}");
        let mut long = at(r#"{"c":[]}"#);
        long.len += 10;
        assert!(b.texts(&[Some(long)], &name).is_err(), "past the end");

        // Rewritten in place with the same length: the hash tells.
        std::fs::write(&path, text.replace("\"a\":1", "\"a\":2")).unwrap();
        assert!(b.check().is_ok(), "same length");
        assert!(b.texts(&[Some(at(r#"{"a":1}"#))], &name).is_err());
    }
}
