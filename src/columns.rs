//! Compact columns for large tables: strings in one buffer, optional numbers, and the end
//! offsets both use. A million rows take a few allocations, not millions.

/// End offsets, four bytes each until a value needs more, then eight.
#[derive(Debug, Clone)]
pub(crate) enum Offsets {
    Small(Vec<u32>),
    Large(Vec<u64>),
}

impl Default for Offsets {
    fn default() -> Self {
        Offsets::Small(Vec::new())
    }
}

impl Offsets {
    pub(crate) fn push(&mut self, v: usize) {
        match self {
            Offsets::Small(s) => match u32::try_from(v) {
                Ok(x) => s.push(x),
                Err(_) => {
                    let mut large: Vec<u64> = s.iter().map(|&x| u64::from(x)).collect();
                    large.push(v as u64);
                    *self = Offsets::Large(large);
                }
            },
            Offsets::Large(l) => l.push(v as u64),
        }
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> usize {
        match self {
            Offsets::Small(s) => s[i] as usize,
            Offsets::Large(l) => l[i] as usize,
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Offsets::Small(s) => s.len(),
            Offsets::Large(l) => l.len(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        match self {
            Offsets::Small(s) => s.shrink_to_fit(),
            Offsets::Large(l) => l.shrink_to_fit(),
        }
    }

    /// Start and end of item `i`.
    #[inline]
    pub(crate) fn range(&self, i: usize) -> std::ops::Range<usize> {
        let start = if i == 0 { 0 } else { self.get(i - 1) };
        start..self.get(i)
    }
}

/// Strings in one buffer, addressed by position.
#[derive(Debug, Clone, Default)]
pub(crate) struct Strings {
    bytes: String,
    ends: Offsets,
}

impl Strings {
    /// An empty buffer.
    pub fn new() -> Self {
        Strings::default()
    }

    /// Appends a string.
    pub fn push(&mut self, s: &str) {
        self.bytes.push_str(s);
        self.ends.push(self.bytes.len());
    }

    /// String `i`.
    ///
    /// # Panics
    /// When `i >= self.len()`.
    pub fn get(&self, i: usize) -> &str {
        &self.bytes[self.ends.range(i)]
    }

    /// Releases spare capacity (after reading).
    pub fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Keeps the strings for which `keep[i]` is true.
    pub fn retain(&mut self, keep: &[bool]) {
        let mut out = Strings::new();
        for i in (0..self.len()).filter(|&i| keep[i]) {
            out.push(self.get(i));
        }
        *self = out;
    }
}

/// Optional strings in one buffer; absent ones cost one offset and a flag, and a column with
/// no value at all costs nothing (it is allocated when the first value arrives).
#[derive(Debug, Clone, Default)]
pub(crate) struct OptStrings {
    strings: Strings,
    present: Vec<bool>,
    len: usize,
}

impl OptStrings {
    /// Appends a value.
    pub fn push(&mut self, s: Option<&str>) {
        if s.is_some() && self.present.len() < self.len {
            // The first value: back-fill the absent ones before it.
            for _ in self.present.len()..self.len {
                self.strings.push("");
                self.present.push(false);
            }
        }
        if s.is_some() || !self.present.is_empty() {
            self.strings.push(s.unwrap_or(""));
            self.present.push(s.is_some());
        }
        self.len += 1;
    }

    /// Value `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.present
            .get(i)
            .copied()
            .unwrap_or(false)
            .then(|| self.strings.get(i))
    }

    /// Keeps the values for which `keep[i]` is true.
    pub fn retain(&mut self, keep: &[bool]) {
        if !self.present.is_empty() {
            self.strings.retain(keep);
            retain_vec(&mut self.present, keep);
        }
        self.len = keep.iter().filter(|k| **k).count();
    }

    /// Releases spare capacity (after reading).
    pub fn shrink_to_fit(&mut self) {
        self.strings.shrink_to_fit();
        self.present.shrink_to_fit();
    }
}

/// The input file text was left in. It is kept open, so that renaming or removing its path
/// afterwards does not matter; each span's hash tells whether the bytes were changed in place.
/// An optional number per row, stored as NaN when absent. Allocated only once a value appears,
/// so an absent column costs nothing.
#[derive(Debug, Clone, Default)]
pub(crate) struct OptColumn {
    values: Vec<f64>,
    len: usize,
}

impl OptColumn {
    /// Appends a value.
    pub fn push(&mut self, v: Option<f64>) {
        match v {
            Some(x) => {
                if self.values.len() < self.len {
                    self.values.resize(self.len, f64::NAN);
                }
                self.values.push(x);
            }
            None if !self.values.is_empty() => self.values.push(f64::NAN),
            None => {}
        }
        self.len += 1;
    }

    /// Value `i`.
    pub fn get(&self, i: usize) -> Option<f64> {
        self.values.get(i).copied().filter(|v| !v.is_nan())
    }

    /// Makes every value absent (the rows stay).
    pub fn clear(&mut self) {
        self.values = Vec::new();
    }

    /// Releases spare capacity (after reading).
    pub fn shrink_to_fit(&mut self) {
        self.values.shrink_to_fit();
    }

    /// Keeps the values for which `keep[i]` is true.
    pub fn retain(&mut self, keep: &[bool]) {
        if !self.values.is_empty() {
            self.values.resize(self.len, f64::NAN);
            retain_vec(&mut self.values, keep);
        }
        self.len = keep.iter().filter(|k| **k).count();
    }
}

/// Keeps `v[i]` where `keep[i]`.
pub(crate) fn retain_vec<T>(v: &mut Vec<T>, keep: &[bool]) {
    let mut i = 0;
    v.retain(|_| {
        let k = keep[i];
        i += 1;
        k
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns() {
        let mut c = OptColumn::default();
        c.push(None);
        c.push(Some(2.0));
        c.push(None);
        assert_eq!((c.get(0), c.get(1), c.get(2)), (None, Some(2.0), None));
        c.retain(&[true, true, false]);
        assert_eq!(c.get(1), Some(2.0));
        let mut s = OptStrings::default();
        s.push(None);
        s.push(Some("中"));
        s.push(None);
        assert_eq!((s.get(0), s.get(1), s.get(2)), (None, Some("中"), None));
        let mut empty = OptStrings::default();
        empty.push(None);
        assert_eq!(empty.get(0), None);
    }
}
