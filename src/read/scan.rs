//! A streaming scanner over the top level of a GeoJSON FeatureCollection.
//!
//! It reads the file through a fixed buffer and hands out the bytes of one feature at a time,
//! so a file is never held whole in memory. Every other top-level member (`type`, `crs`,
//! `bbox`, `name`, foreign members) is kept as raw JSON wherever it stands, before or after
//! `features`. The scanner checks only the structure it walks (objects, strings, brackets);
//! the bytes it hands out are parsed and validated by serde_json, whose syntax errors are
//! mapped back to file byte offsets.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

const BUF_SIZE: usize = 1 << 20;

/// Where the scanner is in the top-level object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing read yet.
    Start,
    /// Between top-level members (after `{` or after a member's value).
    Members { first: bool },
    /// Inside the `features` array.
    Features { first: bool },
    /// The closing `}` was read and nothing but white space followed.
    Done,
}

/// Top-level members other than `features`, as raw JSON text.
#[derive(Debug, Default, Clone)]
pub(crate) struct Members {
    pub(crate) entries: Vec<(String, Vec<u8>)>,
    pub(crate) saw_features: bool,
}

impl Members {
    pub(crate) fn get(&self, key: &str) -> Option<&[u8]> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }
}

/// One feature's bytes, appended to a caller's buffer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FeatureSpan {
    /// 0-based index in the `features` array.
    pub(crate) index: usize,
    /// Byte offset of the feature's first byte in the file.
    pub(crate) byte: u64,
    /// Range of the feature's bytes in the caller's buffer.
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// True when those bytes are the file's own, at `byte` (false for a lone feature or
    /// geometry, which is rebuilt).
    pub(crate) verbatim: bool,
}

pub(crate) struct Scanner<R> {
    inner: R,
    file: PathBuf,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// File offset of `buf[0]`.
    base: u64,
    eof: bool,
    state: State,
    next_index: usize,
    members: Members,
}

impl<R: Read> Scanner<R> {
    pub(crate) fn new(inner: R, file: &Path) -> Self {
        Scanner {
            inner,
            file: file.to_path_buf(),
            buf: vec![0; BUF_SIZE],
            pos: 0,
            end: 0,
            base: 0,
            eof: false,
            state: State::Start,
            next_index: 0,
            members: Members::default(),
        }
    }

    /// Bytes consumed so far.
    pub(crate) fn offset_read(&self) -> u64 {
        self.offset()
    }

    pub(crate) fn into_members(self) -> Members {
        self.members
    }

    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    fn malformed(&self, message: impl Into<String>) -> Error {
        let feature = match self.state {
            State::Features { .. } => Some(self.next_index),
            _ => None,
        };
        Error::MalformedJson {
            file: self.file.clone(),
            byte: self.offset(),
            feature,
            message: message.into(),
        }
    }

    /// The file is well-formed so far but not a FeatureCollection: it holds `found` instead.
    fn not_collection(&self, found: &str) -> Error {
        Error::NotFeatureCollection {
            file: self.file.clone(),
            found: found.into(),
        }
    }

    /// A problem between two features: in none of them (the one after may not exist).
    fn between_features(&self, message: String) -> Error {
        Error::MalformedJson {
            file: self.file.clone(),
            byte: self.offset(),
            feature: None,
            message,
        }
    }

    /// Makes sure `buf[pos]` is readable; false at end of file.
    fn fill(&mut self) -> Result<bool> {
        if self.pos < self.end {
            return Ok(true);
        }
        if self.eof {
            return Ok(false);
        }
        self.base += self.end as u64;
        self.pos = 0;
        self.end = 0;
        loop {
            match self.inner.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end = n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(&self.file, "cannot read", e)),
            }
        }
    }

    fn peek(&mut self) -> Result<Option<u8>> {
        Ok(if self.fill()? {
            Some(self.buf[self.pos])
        } else {
            None
        })
    }

    /// Skips JSON white space; returns the next byte without consuming it.
    fn skip_ws(&mut self) -> Result<Option<u8>> {
        loop {
            if !self.fill()? {
                return Ok(None);
            }
            let b = self.buf[self.pos];
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                return Ok(Some(b));
            }
        }
    }

    fn expect_byte(&mut self, want: u8, what: &str) -> Result<()> {
        match self.skip_ws()? {
            Some(b) if b == want => {
                self.pos += 1;
                Ok(())
            }
            Some(b) => Err(self.malformed(format!("expected {what}, found {}", show_byte(b)))),
            None => Err(self.malformed(format!("unexpected end of file, expected {what}"))),
        }
    }

    /// Appends one JSON value's bytes to `out`, checking only its bracket structure.
    fn capture_value(&mut self, out: &mut Vec<u8>) -> Result<()> {
        let first = match self.skip_ws()? {
            Some(b) => b,
            None => return Err(self.malformed("unexpected end of file, expected a value")),
        };
        match first {
            b'{' | b'[' => self.capture_nested(out),
            b'"' => {
                out.push(b'"');
                self.pos += 1;
                self.capture_string_rest(out)
            }
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => self.capture_scalar(out),
            b => Err(self.malformed(format!("expected a JSON value, found {}", show_byte(b)))),
        }
    }

    fn capture_scalar(&mut self, out: &mut Vec<u8>) -> Result<()> {
        loop {
            if !self.fill()? {
                return Ok(());
            }
            let slice = &self.buf[self.pos..self.end];
            let stop = slice.iter().position(|b| {
                matches!(
                    b,
                    b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r' | b'{' | b'[' | b'"'
                )
            });
            match stop {
                Some(n) => {
                    out.extend_from_slice(&slice[..n]);
                    self.pos += n;
                    return Ok(());
                }
                None => {
                    out.extend_from_slice(slice);
                    self.pos = self.end;
                }
            }
        }
    }

    /// After an opening quote: copies up to and including the closing quote.
    fn capture_string_rest(&mut self, out: &mut Vec<u8>) -> Result<()> {
        let mut escaped = false;
        loop {
            if !self.fill()? {
                return Err(
                    self.malformed("unexpected end of file inside a string: the JSON is truncated")
                );
            }
            let slice = &self.buf[self.pos..self.end];
            for (i, &b) in slice.iter().enumerate() {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    out.extend_from_slice(&slice[..=i]);
                    self.pos += i + 1;
                    return Ok(());
                }
            }
            out.extend_from_slice(slice);
            self.pos = self.end;
        }
    }

    /// Appends an object or array's bytes to `out`, up to its closing bracket, checking only
    /// that brackets nest (strings skipped).
    fn capture_nested(&mut self, out: &mut Vec<u8>) -> Result<()> {
        let mut nesting = Nesting::default();
        loop {
            if !self.fill()? {
                return Err(self.malformed(if nesting.in_string {
                    "unexpected end of file inside a string: the JSON is truncated"
                } else {
                    "unexpected end of file: the JSON is truncated"
                }));
            }
            let slice = &self.buf[self.pos..self.end];
            match nesting.close_in(slice) {
                Some(i) => {
                    out.extend_from_slice(&slice[..=i]);
                    self.pos += i + 1;
                    return Ok(());
                }
                None => {
                    out.extend_from_slice(slice);
                    self.pos = self.end;
                }
            }
        }
    }

    fn read_key(&mut self) -> Result<String> {
        let mut raw = Vec::with_capacity(16);
        match self.skip_ws()? {
            Some(b'"') => {
                raw.push(b'"');
                self.pos += 1;
            }
            Some(b) => {
                return Err(self.malformed(format!(
                    "expected a member name in quotes, found {}",
                    show_byte(b)
                )));
            }
            None => return Err(self.malformed("unexpected end of file, expected a member name")),
        }
        let at = self.offset();
        self.capture_string_rest(&mut raw)?;
        serde_json::from_slice::<String>(&raw).map_err(|e| Error::MalformedJson {
            file: self.file.clone(),
            byte: at,
            feature: None,
            message: format!("bad member name: {e}"),
        })
    }

    /// Reads up to the next feature, appending its bytes to `out`; `None` at the end of the
    /// collection, once every top-level member has been seen.
    pub(crate) fn next_feature(&mut self, out: &mut Vec<u8>) -> Result<Option<FeatureSpan>> {
        loop {
            match self.state {
                State::Start => self.open_top_level()?,
                State::Members { first } => {
                    if !self.member_follows(first)? {
                        return self.finish(out);
                    }
                    self.read_member()?;
                }
                State::Features { first } => {
                    if self.feature_follows(first)? {
                        return self.capture_feature(out).map(Some);
                    }
                }
                State::Done => return Ok(None),
            }
        }
    }

    /// At the start of the file: skips a UTF-8 byte order mark and white space and reads the
    /// `{` that opens the top-level object; refuses anything else.
    fn open_top_level(&mut self) -> Result<()> {
        if self.peek()?.is_none() {
            return Err(self.malformed("the file is empty"));
        }
        // A UTF-8 byte order mark is tolerated at the very start.
        if self.end - self.pos >= 3 && self.buf[self.pos..self.pos + 3] == [0xEF, 0xBB, 0xBF] {
            self.pos += 3;
        }
        match self.skip_ws()? {
            Some(b'{') => {
                self.pos += 1;
                self.state = State::Members { first: true };
                Ok(())
            }
            first => Err(self.not_an_object(first)),
        }
    }

    /// The error for a file whose first byte after white space (`None`: there is none) does
    /// not open an object.
    fn not_an_object(&self, first: Option<u8>) -> Error {
        match first {
            Some(b'[') => self.not_collection("a JSON array at the top level"),
            Some(b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n') => {
                self.not_collection("a JSON scalar at the top level")
            }
            // A UTF-16 byte order mark (Windows "Unicode" text).
            Some(0xFF | 0xFE) if super::utf16_bom(&self.buf[self.pos..self.end]) => self.malformed(
                "the file is UTF-16 (it starts with a UTF-16 byte order mark); \
                     GeoJSON is UTF-8 (RFC 7946): save it as UTF-8",
            ),
            Some(b) => self.malformed(format!(
                "expected '{{' to open a FeatureCollection, found {}{}",
                show_byte(b),
                if self
                    .file
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
                {
                    " (a .csv file: only enterprises may be CSV; parcels and \
                     parks must be GeoJSON)"
                } else {
                    ""
                }
            )),
            None => self.malformed("the file holds only white space"),
        }
    }

    /// Between top-level members: consumes the `,` before the next member (none before the
    /// `first`) and returns true, or consumes the closing `}` and returns false.
    #[inline]
    fn member_follows(&mut self, first: bool) -> Result<bool> {
        match self.skip_ws()? {
            Some(b'}') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b',') if !first => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) if first => Ok(true),
            Some(b) => Err(self.malformed(format!(
                "expected ',' or '}}' after a member, found {}",
                show_byte(b)
            ))),
            None => Err(self.malformed("unexpected end of file: the JSON is truncated")),
        }
    }

    /// Reads one top-level member's name and `:`, then opens `features` or keeps the value.
    fn read_member(&mut self) -> Result<()> {
        let key = self.read_key()?;
        self.expect_byte(b':', "':' after a member name")?;
        if key == "features" {
            self.open_features()
        } else {
            self.keep_member(key)
        }
    }

    /// After `"features":`: checks it is the only one and that the `type` read so far allows
    /// it, and enters the array at its `[`.
    fn open_features(&mut self) -> Result<()> {
        if self.members.saw_features {
            return Err(self.malformed("a second \"features\" member"));
        }
        self.members.saw_features = true;
        self.check_type_so_far()?;
        match self.skip_ws()? {
            Some(b'[') => {
                self.pos += 1;
                self.state = State::Features { first: true };
                Ok(())
            }
            Some(b'n') => Err(self.not_collection("\"features\" is null")),
            Some(_) => Err(self.not_collection("\"features\" is not an array")),
            None => Err(self.malformed("unexpected end of file: the JSON is truncated")),
        }
    }

    /// Keeps a member other than `features` as raw JSON, and checks a `type` as soon as it is
    /// read.
    fn keep_member(&mut self, key: String) -> Result<()> {
        let mut raw = Vec::new();
        self.capture_value(&mut raw)?;
        self.members.entries.push((key, raw));
        self.state = State::Members { first: false };
        if self
            .members
            .entries
            .last()
            .is_some_and(|(k, _)| k == "type")
        {
            self.check_type_so_far()?;
        }
        Ok(())
    }

    /// In the `features` array: consumes the `,` before the next feature (none before the
    /// `first`) and returns true, or consumes the closing `]`, goes back to the members and
    /// returns false. Refuses a trailing comma and a file cut after one.
    #[inline]
    fn feature_follows(&mut self, first: bool) -> Result<bool> {
        match self.skip_ws()? {
            Some(b']') => {
                self.pos += 1;
                self.state = State::Members { first: false };
                return Ok(false);
            }
            Some(b',') if !first => {
                self.pos += 1;
            }
            Some(_) if first => {}
            Some(b) => {
                return Err(self.between_features(format!(
                    "expected ',' or ']' after feature {}, found {}",
                    self.next_index - 1,
                    show_byte(b)
                )));
            }
            None => {
                let after = match self.next_index {
                    0 => "before any feature".to_string(),
                    n => format!("after feature {}", n - 1),
                };
                return Err(self.between_features(format!(
                    "unexpected end of file {after}: the JSON is truncated"
                )));
            }
        }
        match self.skip_ws()? {
            Some(b']') => Err(self.malformed("a trailing ',' before ']'")),
            // Cut after a comma: the feature it promises has no byte yet.
            None if self.next_index > 0 => Err(self.between_features(format!(
                "unexpected end of file after feature {} and a ',': the JSON \
                 is truncated",
                self.next_index - 1
            ))),
            _ => Ok(true),
        }
    }

    /// Appends the next feature's bytes to `out` and says where they are.
    #[inline]
    fn capture_feature(&mut self, out: &mut Vec<u8>) -> Result<FeatureSpan> {
        let byte = self.offset();
        let start = out.len();
        self.capture_value(out)?;
        let index = self.next_index;
        self.next_index += 1;
        self.state = State::Features { first: false };
        Ok(FeatureSpan {
            index,
            byte,
            start,
            end: out.len(),
            verbatim: true,
        })
    }

    /// The top-level `type`, once read.
    fn top_type(&self) -> Option<std::result::Result<String, String>> {
        self.members.get("type").map(|raw| {
            serde_json::from_slice::<String>(raw)
                .map_err(|_| String::from_utf8_lossy(raw).into_owned())
        })
    }

    /// Refuses a top-level `type` that can be neither a FeatureCollection nor a lone feature.
    fn check_type_so_far(&self) -> Result<()> {
        let not = |found: String| Error::NotFeatureCollection {
            file: self.file.clone(),
            found,
        };
        match self.top_type() {
            None => Ok(()),
            Some(Err(raw)) => Err(not(format!("\"type\": {raw}"))),
            Some(Ok(t)) if t == "FeatureCollection" => Ok(()),
            Some(Ok(t)) if self.members.saw_features => {
                Err(not(format!("\"type\": {t:?} with a \"features\" member")))
            }
            Some(Ok(t)) if t == "Feature" || GEOMETRY_TYPES.contains(&t.as_str()) => Ok(()),
            Some(Ok(t)) => Err(not(format!("\"type\": {t:?}"))),
        }
    }

    /// After the closing `}`: checks what follows and what the object was. A lone Feature or
    /// geometry (RFC 7946 allows either as a GeoJSON text) is handed out as feature 0.
    fn finish(&mut self, out: &mut Vec<u8>) -> Result<Option<FeatureSpan>> {
        self.state = State::Done;
        if let Some(b) = self.skip_ws()? {
            return Err(self.malformed(format!(
                "unexpected {} after the end of the top-level object",
                show_byte(b)
            )));
        }
        let t = match self.top_type() {
            None => {
                return Err(Error::NotFeatureCollection {
                    file: self.file.clone(),
                    found: "an object with no \"type\" member".into(),
                });
            }
            Some(t) => t,
        };
        self.check_type_so_far()?;
        if self.members.saw_features {
            return Ok(None);
        }
        let t = t.unwrap_or_default();
        if t == "FeatureCollection" {
            return Err(Error::NotFeatureCollection {
                file: self.file.clone(),
                found: "an object with no \"features\" member".into(),
            });
        }
        let start = out.len();
        let object = |out: &mut Vec<u8>, entries: &[(String, Vec<u8>)]| {
            out.push(b'{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let _ = serde_json::to_writer(&mut *out, k);
                out.push(b':');
                out.extend_from_slice(v);
            }
            out.push(b'}');
        };
        if t == "Feature" {
            object(out, &self.members.entries);
        } else {
            out.extend_from_slice(br#"{"type":"Feature","properties":null,"geometry":"#);
            object(out, &self.members.entries);
            out.push(b'}');
        }
        self.next_index = 1;
        Ok(Some(FeatureSpan {
            index: 0,
            byte: 0,
            start,
            end: out.len(),
            verbatim: false,
        }))
    }
}

/// The GeoJSON geometry types: a file holding one of them is read as a one-feature layer.
const GEOMETRY_TYPES: [&str; 7] = [
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
];

/// Where the bytes of an object or array stand as they go by, one buffer's slice at a time:
/// how many brackets are open, and whether inside a string (and just after a backslash).
#[derive(Debug, Default)]
struct Nesting {
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl Nesting {
    /// Scans `slice` on from where the previous slice left off: the index of the bracket that
    /// closes the value, or `None` when the slice ends first.
    #[inline]
    fn close_in(&mut self, slice: &[u8]) -> Option<usize> {
        let mut i = 0;
        while i < slice.len() {
            if self.in_string {
                i = self.string_step(slice, i)?;
                continue;
            }
            // Skip bytes that are not structural.
            while i < slice.len() && STRUCTURAL[slice[i] as usize] == 0 {
                i += 1;
            }
            if i == slice.len() {
                break;
            }
            match slice[i] {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                _ => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        return Some(i);
                    }
                }
            }
            i += 1;
        }
        None
    }

    /// Inside a string at `slice[i]`: steps past the byte after a backslash, or on to the next
    /// quote (which ends the string) or backslash and past it. The index to go on from, or
    /// `None` when the slice ends first.
    #[inline]
    fn string_step(&mut self, slice: &[u8], i: usize) -> Option<usize> {
        if self.escaped {
            // The byte after a backslash, whatever it is.
            self.escaped = false;
            return Some(i + 1);
        }
        // Skip to the next quote or backslash.
        let i = i + slice[i..].iter().position(|&b| b == b'"' || b == b'\\')?;
        if slice[i] == b'\\' {
            self.escaped = true;
        } else {
            self.in_string = false;
        }
        Some(i + 1)
    }
}

/// Bytes that change the nesting outside strings: quotes and brackets.
const STRUCTURAL: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'"' as usize] = 1;
    t[b'{' as usize] = 1;
    t[b'}' as usize] = 1;
    t[b'[' as usize] = 1;
    t[b']' as usize] = 1;
    t
};

fn show_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("byte 0x{b:02X}")
    }
}

/// The 0-based byte offset of serde_json's 1-based (line, column) within `text`.
pub(crate) fn byte_of_line_col(text: &[u8], line: usize, column: usize) -> usize {
    let mut offset = 0;
    let mut current = 1;
    while current < line {
        match text[offset..].iter().position(|&b| b == b'\n') {
            Some(n) => {
                offset += n + 1;
                current += 1;
            }
            None => return text.len(),
        }
    }
    (offset + column.saturating_sub(1)).min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Result<(Vec<String>, Members)> {
        let mut sc = Scanner::new(text.as_bytes(), Path::new("t.geojson"));
        let mut out = Vec::new();
        let mut feats = Vec::new();
        while let Some(span) = sc.next_feature(&mut out)? {
            feats.push(String::from_utf8(out[span.start..span.end].to_vec()).unwrap());
        }
        Ok((feats, sc.into_members()))
    }

    #[test]
    fn members_before_and_after_features_are_seen() {
        let text = r#"{"bbox":[1,2,3,4],"type":"FeatureCollection","features":[{"a":"]}"},{"b":[1,{"c":"\""}]}],
            "crs":{"type":"name","properties":{"name":"EPSG:4549"}}}"#;
        let (feats, members) = scan(text).unwrap();
        assert_eq!(feats, vec![r#"{"a":"]}"}"#, r#"{"b":[1,{"c":"\""}]}"#]);
        assert_eq!(members.get("bbox").unwrap(), b"[1,2,3,4]");
        assert!(
            members
                .get("crs")
                .unwrap()
                .starts_with(b"{\"type\":\"name\"")
        );
    }

    #[test]
    fn tiny_buffer_boundaries_do_not_matter() {
        // Feed one byte per read to cross every buffer boundary.
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() || buf.is_empty() {
                    return Ok(0);
                }
                buf[0] = self.0[0];
                self.0 = &self.0[1..];
                Ok(1)
            }
        }
        let text = r#"{"type":"FeatureCollection","features":[ {"x":"a\\"} , 12 ,"s", {"q":"\"]}\\\"{"}]}"#;
        let mut sc = Scanner::new(OneByte(text.as_bytes()), Path::new("t"));
        let mut out = Vec::new();
        let mut n = 0;
        while let Some(span) = sc.next_feature(&mut out).unwrap() {
            assert_eq!(span.index, n);
            n += 1;
        }
        assert_eq!(n, 4);
        assert_eq!(out, br#"{"x":"a\\"}12"s"{"q":"\"]}\\\"{"}"#);
    }

    #[test]
    fn truncated_file_names_byte_and_feature() {
        let text = r#"{"type":"FeatureCollection","features":[{"a":1},{"b":"#;
        match scan(text) {
            Err(Error::MalformedJson { byte, feature, .. }) => {
                assert_eq!(byte as usize, text.len());
                assert_eq!(feature, Some(1));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn not_a_feature_collection() {
        for (text, needle) in [
            (r#"{"type":"Topology","objects":{}}"#, "\"Topology\""),
            (
                r#"{"type":"Feature","features":[]}"#,
                "with a \"features\" member",
            ),
            ("[1,2]", "array"),
            (r#"{"type":"FeatureCollection"}"#, "no \"features\""),
            (r#"{"features":[]}"#, "no \"type\""),
        ] {
            match scan(text) {
                Err(Error::NotFeatureCollection { found, .. }) => {
                    assert!(found.contains(needle), "{found}")
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_lone_feature_or_geometry_is_one_feature() {
        let (feats, _) = scan(r#"{"geometry":{"type":"Point","coordinates":[1,2]},"type":"Feature","properties":{"a":1}}"#).unwrap();
        assert_eq!(
            feats,
            vec![
                r#"{"geometry":{"type":"Point","coordinates":[1,2]},"type":"Feature","properties":{"a":1}}"#
            ]
        );
        let (feats, _) = scan(r#"{"type":"Polygon","coordinates":[]}"#).unwrap();
        assert_eq!(
            feats,
            vec![
                r#"{"type":"Feature","properties":null,"geometry":{"type":"Polygon","coordinates":[]}}"#
            ]
        );
    }

    #[test]
    fn empty_and_binary_files_are_malformed() {
        assert!(matches!(
            scan(""),
            Err(Error::MalformedJson { byte: 0, .. })
        ));
        assert!(matches!(
            scan("\u{1}\u{2}garbage"),
            Err(Error::MalformedJson { byte: 0, .. })
        ));
        assert!(matches!(
            scan(r#"{"type":"FeatureCollection","features":[]} x"#),
            Err(Error::MalformedJson { byte: 43, .. })
        ));
    }

    #[test]
    fn line_col_to_byte() {
        let t = b"ab\ncd\nef";
        assert_eq!(byte_of_line_col(t, 1, 1), 0);
        assert_eq!(byte_of_line_col(t, 2, 2), 4);
        assert_eq!(byte_of_line_col(t, 3, 1), 6);
    }
}
