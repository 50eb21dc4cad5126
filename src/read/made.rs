//! GeoJSON text made from another format's records (a Shapefile's, a GeoPackage's table's, a
//! source read through GDAL; of a GeoParquet row, only its properties' object), so that each
//! is read by the GeoJSON pipeline itself: the collection's opening with the CRS its source declares, strings, and
//! numbers written to round-trip exactly.
//!
//! A reader of such a format makes its features ([`Features`]); [`MadeText`] is the one `Read`
//! over them, which writes the collection around them and hands the text out as it is made,
//! a chunk at a time: memory stays that of the GeoJSON pipeline's batches, whatever the
//! layer's size. [`Share`] tells how far the reading is, for a progress bar against the
//! source's size in bytes.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::crs::Crs;

/// Bytes of features made at a time (about: a chunk ends after the feature that passes it).
pub(crate) const CHUNK_BYTES: usize = 1 << 16;

/// What makes a layer's features as GeoJSON text, for [`MadeText`] to read: a Shapefile's
/// records, a GeoPackage's rows, a source read through GDAL.
pub(crate) trait Features {
    /// The CRS the source declares, named in the collection's opening.
    fn crs(&self) -> Option<&Crs>;

    /// Appends the next features to `out` (into which it may also swap a chunk made
    /// elsewhere), each begun with [`feature_start`]; false when the source has no more, after
    /// what it appended. Not called again once it has said false or failed.
    ///
    /// # Errors
    /// A damaged source: an `io::Error` carrying the crate's [`Error`](crate::Error) that
    /// names the record.
    fn next_chunk(&mut self, out: &mut Vec<u8>) -> std::io::Result<bool>;

    /// Called once the source has no more features, before the collection is closed.
    ///
    /// # Errors
    /// When the source gave fewer features than it declares.
    fn end(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A [`Features::next_chunk`] for a source that makes one feature at a time: calls `next`
/// (false when none is left) until `out` holds [`CHUNK_BYTES`].
///
/// # Errors
/// The first of `next`'s.
pub(crate) fn fill(
    out: &mut Vec<u8>,
    mut next: impl FnMut(&mut Vec<u8>) -> std::io::Result<bool>,
) -> std::io::Result<bool> {
    while out.len() < CHUNK_BYTES {
        if !next(out)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Opens the feature of 0-based index `index`: `,` and a line break before every feature but
/// the first, then `{"type":"Feature","properties":{`.
pub(crate) fn feature_start(index: usize, out: &mut Vec<u8>) {
    if index > 0 {
        out.extend_from_slice(b",\n");
    }
    out.extend_from_slice(b"{\"type\":\"Feature\",\"properties\":{");
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    Features,
    Done,
}

/// A layer's features as a GeoJSON FeatureCollection's bytes, made as they are read: the
/// opening with the CRS, the features chunk by chunk, the closing.
///
/// A source's error stops the read: it is returned once, in place of the chunk it came in, and
/// the text ends there.
pub(crate) struct MadeText<F> {
    features: F,
    out: Vec<u8>,
    pos: usize,
    state: State,
    share: Arc<Share>,
}

impl<F: Features> MadeText<F> {
    /// The text of `features`, whose reading `share` follows (marked whole at the end).
    pub(crate) fn new(features: F, share: Arc<Share>) -> Self {
        MadeText {
            features,
            out: Vec::with_capacity(CHUNK_BYTES),
            pos: 0,
            state: State::Start,
            share,
        }
    }

    /// What makes the features.
    pub(crate) fn features(&self) -> &F {
        &self.features
    }

    /// How far the reading is.
    pub(crate) fn share(&self) -> &Arc<Share> {
        &self.share
    }

    /// Makes the next piece of text into `out`; false at the end.
    fn refill(&mut self) -> std::io::Result<bool> {
        self.out.clear();
        self.pos = 0;
        match self.state {
            State::Start => {
                collection_start(self.features.crs(), &mut self.out);
                self.state = State::Features;
            }
            State::Features => {
                if !self.features.next_chunk(&mut self.out)? {
                    self.features.end()?;
                    self.out.extend_from_slice(b"]}\n");
                    self.state = State::Done;
                    self.share.finish();
                }
            }
            State::Done => return Ok(false),
        }
        Ok(true)
    }
}

impl<F: Features> Read for MadeText<F> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.out.len() {
            match self.refill() {
                Ok(true) => {}
                Ok(false) => return Ok(0),
                Err(e) => {
                    self.state = State::Done;
                    self.out.clear();
                    self.pos = 0;
                    return Err(e);
                }
            }
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// How far a made text is read, in its source's own measure (records, or bytes of a `.shp`),
/// told as a share of the source's size in bytes: a progress bar runs against that size
/// ([`Source::len`](crate::Source::len)), which the text made of it does not measure.
#[derive(Debug, Default)]
pub(crate) struct Share {
    /// All there is to read, in the source's measure; 0 when not known.
    total: u64,
    /// How much is read; `u64::MAX` once the text is read to its end.
    done: AtomicU64,
}

impl Share {
    /// A reading of `total` (records, bytes) in all; 0 when not known, which tells nothing
    /// until the end.
    pub(crate) fn new(total: u64) -> Arc<Self> {
        Arc::new(Share {
            total,
            done: AtomicU64::new(0),
        })
    }

    /// `done` of the total read.
    pub(crate) fn set(&self, done: u64) {
        self.done.store(done.min(self.total), Ordering::Relaxed);
    }

    /// The whole text read.
    fn finish(&self) {
        self.done.store(u64::MAX, Ordering::Relaxed);
    }

    /// How far the reading is, as bytes of a source of `len` bytes: never past `len`, `len`
    /// once the text is read to its end.
    pub(crate) fn of(&self, len: u64) -> u64 {
        match self.done.load(Ordering::Relaxed) {
            u64::MAX => len,
            _ if self.total == 0 => 0,
            done => {
                let share = u128::from(done) * u128::from(len) / u128::from(self.total);
                u64::try_from(share).unwrap_or(len).min(len)
            }
        }
    }
}

/// A progress hook (told bytes of a source of `len` bytes) told how far `share` is, each time
/// the pipeline would tell it the bytes of text read; none without a hook.
pub(crate) fn told(
    progress: Option<&Arc<dyn Fn(u64) + Send + Sync>>,
    share: &Arc<Share>,
    len: Option<u64>,
) -> Option<Arc<dyn Fn(u64) + Send + Sync>> {
    let progress = Arc::clone(progress?);
    let share = Arc::clone(share);
    let len = len.unwrap_or(0);
    Some(Arc::new(move |_| progress(share.of(len))))
}

/// A geometry that cannot be read, written as a GeoJSON geometry of that "type" (`what`
/// says what it is): the layer's checks reject the record as of the wrong geometry type,
/// saying so, rather than stopping the read.
pub(crate) fn unreadable_geometry(what: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"type\":");
    json_string(what, out);
    out.push(b'}');
}

/// The first ten of `indices` for a note, `, ...` after them when there are more.
pub(crate) fn first_ten(indices: &[usize]) -> String {
    let shown: Vec<String> = indices.iter().take(10).map(usize::to_string).collect();
    let more = if indices.len() > 10 { ", ..." } else { "" };
    format!("{}{more}", shown.join(", "))
}

/// Opens a FeatureCollection: `{"type":"FeatureCollection"`, the CRS its source declares as
/// GeoJSON's legacy `crs` member (the name the CRS reader takes back), then `,"features":[`.
pub(crate) fn collection_start(crs: Option<&Crs>, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"type\":\"FeatureCollection\"");
    if let Some(crs) = crs {
        out.extend_from_slice(b",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":");
        json_string(&crs.full_name(), out);
        out.extend_from_slice(b"}}");
    }
    out.extend_from_slice(b",\"features\":[\n");
}

/// `s` as a JSON string.
pub(crate) fn json_string(s: &str, out: &mut Vec<u8>) {
    // Serializing a str to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// `x` as a JSON number, in the fewest digits that read back as the same `f64`; `null` for a
/// value JSON cannot hold (NaN, infinite), which the layer's checks then reject.
pub(crate) fn number(x: f64, out: &mut Vec<u8>) {
    if x.is_finite() {
        let mut b = zmij::Buffer::new();
        out.extend_from_slice(b.format_finite(x).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` features of `pad` bytes' properties each, made one at a time; `short` of them
    /// missing at the end (as GDAL stopping early), which `end` finds.
    struct Fake {
        made: usize,
        n: usize,
        short: usize,
        pad: usize,
        share: Arc<Share>,
    }

    impl Features for Fake {
        fn crs(&self) -> Option<&Crs> {
            None
        }

        fn next_chunk(&mut self, out: &mut Vec<u8>) -> std::io::Result<bool> {
            let more = fill(out, |out| {
                if self.made + self.short == self.n {
                    return Ok(false);
                }
                feature_start(self.made, out);
                out.extend_from_slice(format!("\"p\":\"{}\"", "x".repeat(self.pad)).as_bytes());
                out.extend_from_slice(b"},\"geometry\":null}");
                self.made += 1;
                Ok(true)
            });
            self.share.set(self.made as u64);
            more
        }

        fn end(&mut self) -> std::io::Result<()> {
            match self.short {
                0 => Ok(()),
                k => Err(std::io::Error::other(format!("{k} short"))),
            }
        }
    }

    fn fake(n: usize, short: usize, pad: usize) -> MadeText<Fake> {
        let share = Share::new(n as u64);
        let features = Fake {
            made: 0,
            n,
            short,
            pad,
            share: Arc::clone(&share),
        };
        MadeText::new(features, share)
    }

    #[test]
    fn the_text_is_one_collection_whatever_the_reads_and_chunks() {
        // 0 features, one, and several chunks' worth (3000 × ~60 bytes = 180 KB).
        for (n, pad) in [(0, 1), (1, 1), (3000, 20)] {
            let mut whole = Vec::new();
            let mut text = fake(n, 0, pad);
            text.read_to_end(&mut whole).unwrap();
            let v: serde_json::Value = serde_json::from_slice(&whole).unwrap();
            assert_eq!(v["features"].as_array().unwrap().len(), n);
            assert_eq!(text.share().of(1000), 1000);
            // Read 7 bytes at a time: the same bytes.
            let mut text = fake(n, 0, pad);
            let (mut small, mut buf) = (Vec::new(), [0u8; 7]);
            loop {
                match text.read(&mut buf).unwrap() {
                    0 => break,
                    k => small.extend_from_slice(&buf[..k]),
                }
            }
            assert_eq!(small, whole);
        }
    }

    #[test]
    fn an_error_at_the_end_is_told_once_and_the_text_stops() {
        let mut text = fake(10, 2, 1);
        let mut out = Vec::new();
        let e = text.read_to_end(&mut out).unwrap_err();
        assert_eq!(e.to_string(), "2 short");
        // The error comes in place of the chunk it ended (here all 8 features): never closed.
        assert_eq!(out, b"{\"type\":\"FeatureCollection\",\"features\":[\n");
        assert_eq!(text.read(&mut [0u8; 16]).unwrap(), 0);
        // Not read to its end: 8 of 10, never the whole.
        assert_eq!(text.share().of(1000), 800);
    }

    #[test]
    fn a_share_is_told_in_bytes_never_past_them() {
        let share = Share::new(3);
        assert_eq!(share.of(900), 0);
        share.set(1);
        assert_eq!(share.of(900), 300);
        share.set(7);
        assert_eq!(share.of(900), 900);
        // A total not known tells nothing until the end.
        let unknown = Share::new(0);
        unknown.set(5);
        assert_eq!(unknown.of(900), 0);
        unknown.finish();
        assert_eq!(unknown.of(900), 900);
        assert_eq!(first_ten(&[1, 2]), "1, 2");
        assert_eq!(
            first_ten(&(0..12).collect::<Vec<_>>()),
            "0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ..."
        );
    }

    #[test]
    fn the_opening_names_the_crs_and_numbers_round_trip() {
        let mut out = Vec::new();
        collection_start(None, &mut out);
        assert_eq!(out, b"{\"type\":\"FeatureCollection\",\"features\":[\n");
        for x in [0.1 + 0.2, 500_000.123_456_789, -1e-300, 3.0] {
            let mut out = Vec::new();
            number(x, &mut out);
            let back: f64 = std::str::from_utf8(&out).unwrap().parse().unwrap();
            assert_eq!(back.to_bits(), x.to_bits());
        }
        let mut out = Vec::new();
        number(f64::NAN, &mut out);
        json_string("宗地 \"A\"", &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "null\"宗地 \\\"A\\\"\"");
    }
}
