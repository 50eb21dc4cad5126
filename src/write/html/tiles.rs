//! The map's data of a report too large for one page (more parcels than
//! [`ReportOptions::max_parcels_drawn`](super::ReportOptions::max_parcels_drawn)), written in
//! the folder `report_files/` beside it for the page's script to load as the map is zoomed in.
//!
//! The map is cut into tiles of about [`PER_TILE`] parcels each (a parcel in the tile of its
//! bounding box's centre):
//! - `t<N>.js`: tile `N`'s parcels (their outline in the page's SVG units and the figures a
//!   card shows) and the firms on them; tile `cols × rows` holds the firms joined to no parcel;
//! - `i<H>.js`: the tile of each parcel id and firm id whose hash ([`shard`]) is `H`, for the
//!   links `#parcel=` and `#firm=`;
//! - `names.js`: every parcel id and firm name, for the search, loaded when first used.
//!
//! Each file is a script calling one function of the page (`LE_tile`, `LE_ids`, `LE_names`):
//! a page opened from disk may load scripts beside it but not read files, so the page stays
//! usable offline, from any folder. Parcels and firms keep their indices in the whole audit,
//! so a card's links are the same as in a page that holds them all.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use super::data::{Cards, FirmData, ParcelData, Tiling};
use super::{Frame, frame_of};

/// About how many parcels a tile holds on average.
const PER_TILE: usize = 2_000;

/// How many files the id lookup is spread over.
pub(super) const SHARDS: u32 = 256;

/// At most how many parcels the page draws at once: zoomed out further, it shows the grid.
const DRAWN_AT_ONCE: u32 = 40_000;

/// A parcel in a tile: its index in the audit, its outline, its card's figures.
#[derive(Serialize)]
struct TileParcel<'a> {
    i: usize,
    d: String,
    #[serde(flatten)]
    p: ParcelData<'a>,
}

/// A firm in a tile: its index in the audit and its card's figures.
#[derive(Serialize)]
struct TileFirm<'a> {
    j: usize,
    #[serde(flatten)]
    e: FirmData<'a>,
}

/// The ids of one `i<H>.js`: parcel ids and firm ids with their tiles.
#[derive(Serialize, Default)]
struct Ids<'a> {
    p: Vec<(&'a str, u32)>,
    e: Vec<(&'a str, u32)>,
}

/// Writes the folder `dir` (created) for the page of `cards.report` and returns what the
/// page needs to find its parcels and firms.
///
/// # Errors
/// I/O errors, the first file's in tile order.
pub(super) fn write(dir: &Path, cards: &Cards<'_>) -> io::Result<Tiling> {
    let report = cards.report;
    std::fs::create_dir_all(dir)?;
    let Some(f) = frame_of(report) else {
        return Err(io::Error::other("no parcel to draw"));
    };
    let n = report.parcel_count();
    let target = n.div_ceil(PER_TILE).max(1) as f64;
    let cols = (target * f.width / f.height).sqrt().ceil().max(1.0) as usize;
    let rows = (target / cols as f64).ceil().max(1.0) as usize;
    let (w, h) = (f.width / cols as f64, f.height / rows as f64);
    let unjoined = (cols * rows) as u32;
    let tile_of: Vec<u32> = report
        .parcels()
        .map(|parcel| {
            let Some(r) = parcel.record().shape().bounding_rect() else {
                return 0;
            };
            let (x, y) = f.xy((r.min().x + r.max().x) / 2.0, (r.min().y + r.max().y) / 2.0);
            let col = ((x / w).max(0.0) as usize).min(cols - 1);
            let row = ((y / h).max(0.0) as usize).min(rows - 1);
            (row * cols + col) as u32
        })
        .collect();
    let firm_tile: Vec<u32> = (0..report.enterprise_count())
        .map(|j| cards.firm(j).p.map_or(unjoined, |i| tile_of[i as usize]))
        .collect();
    let mut members = vec![(Vec::new(), Vec::new()); cols * rows + 1];
    for (i, t) in tile_of.iter().enumerate() {
        members[*t as usize].0.push(i);
    }
    for (j, t) in firm_tile.iter().enumerate() {
        members[*t as usize].1.push(j);
    }
    let decimals = decimals_for(f.metres_per_unit());
    (members.par_iter().enumerate())
        .filter(|(_, (ps, es))| !ps.is_empty() || !es.is_empty())
        .try_for_each(|(t, (ps, es))| {
            script(&dir.join(format!("t{t}.js")), "LE_tile", Some(t), |w| {
                tile(w, cards, &f, decimals, ps, es)
            })
        })?;
    drop(members);
    let mut ids: Vec<Ids<'_>> = (0..SHARDS).map(|_| Ids::default()).collect();
    for (i, t) in tile_of.iter().enumerate() {
        let id = report.parcel(i).parcel_id();
        ids[shard(id) as usize].p.push((id, *t));
    }
    for (j, t) in firm_tile.iter().enumerate() {
        let id = report.enterprise(j).id();
        ids[shard(id) as usize].e.push((id, *t));
    }
    (ids.par_iter().enumerate()).try_for_each(|(s, ids)| {
        script(&dir.join(format!("i{s}.js")), "LE_ids", Some(s), |w| {
            serde_json::to_writer(w, ids).map_err(io::Error::other)
        })
    })?;
    script(&dir.join("names.js"), "LE_names", None, |w| names(w, cards))?;
    let mut counts = vec![0u32; cols * rows];
    for t in &tile_of {
        counts[*t as usize] += 1;
    }
    Ok(Tiling {
        dir: crate::write::REPORT_FILES,
        cols,
        rows,
        w,
        h,
        n: counts,
        shards: SHARDS,
        np: n,
        ne: report.enterprise_count(),
        lod: DRAWN_AT_ONCE,
    })
}

/// The decimals of the tiles' coordinates: a step of at most 0.2 m on the ground, as a
/// parcel is seen zoomed in (the page's own map, of the whole zone, is drawn to 0.1 unit).
fn decimals_for(metres_per_unit: f64) -> usize {
    (metres_per_unit / 0.2).log10().ceil().clamp(1.0, 6.0) as usize
}

/// A parcel's outline as an SVG path in relative steps (`M x y l dx dy dx dy …Z` per ring),
/// each step the difference of two rounded points, so none drifts.
fn relative_path(
    shape: &crate::shapes::ShapeRef<'_>,
    f: &Frame,
    decimals: usize,
    out: &mut String,
) {
    let scale = 10f64.powi(decimals as i32);
    // `v / 10^decimals` in decimal, trailing zeros dropped (this runs for every vertex of a
    // million parcels: no formatting machinery).
    let fixed = |v: i64, out: &mut String| {
        if v < 0 {
            out.push('-');
        }
        let mut digits = [0u8; 24];
        let mut n = v.unsigned_abs();
        let mut len = 0;
        while n > 0 || len <= decimals {
            digits[len] = b'0' + (n % 10) as u8;
            n /= 10;
            len += 1;
        }
        let mut end = 0; // the fraction's digits below this one are zeros
        while end < decimals && digits[end] == b'0' {
            end += 1;
        }
        for k in (decimals..len).rev() {
            out.push(digits[k] as char);
        }
        if end < decimals {
            out.push('.');
            for k in (end..decimals).rev() {
                out.push(digits[k] as char);
            }
        }
    };
    for ring in shape.rings() {
        let mut last = (0i64, 0i64);
        // The closing point repeats the first: `Z` draws that edge.
        let open = &ring[..ring.len().saturating_sub(1)];
        for (k, c) in open.iter().enumerate() {
            let (x, y) = f.xy(c.x, c.y);
            let at = ((x * scale).round() as i64, (y * scale).round() as i64);
            match k {
                0 => {
                    out.push('M');
                    fixed(at.0, out);
                    out.push(' ');
                    fixed(at.1, out);
                    out.push('l');
                }
                _ => {
                    if k > 1 {
                        out.push(' ');
                    }
                    fixed(at.0 - last.0, out);
                    out.push(' ');
                    fixed(at.1 - last.1, out);
                }
            }
            last = at;
        }
        out.push('Z');
    }
}

/// Writes `path` as the script `call(index, <JSON>);`, the JSON written by `body`.
fn script(
    path: &Path,
    call: &str,
    index: Option<usize>,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 16, File::create(path)?);
    write!(w, "{call}(")?;
    if let Some(index) = index {
        write!(w, "{index},")?;
    }
    body(&mut w)?;
    w.write_all(b");\n")?;
    w.into_inner().map_err(|e| e.into_error())?;
    Ok(())
}

/// One tile's JSON: `{"p":[parcels],"e":[firms]}`.
fn tile(
    w: &mut dyn Write,
    cards: &Cards<'_>,
    f: &Frame,
    decimals: usize,
    ps: &[usize],
    es: &[usize],
) -> io::Result<()> {
    let parcels: Vec<TileParcel<'_>> = ps
        .iter()
        .map(|&i| {
            let mut d = String::new();
            relative_path(
                &cards.report.parcel(i).record().shape(),
                f,
                decimals,
                &mut d,
            );
            TileParcel {
                i,
                d,
                p: cards.parcel(i),
            }
        })
        .collect();
    let firms: Vec<TileFirm<'_>> = (es.iter())
        .map(|&j| TileFirm {
            j,
            e: cards.firm(j),
        })
        .collect();
    #[derive(Serialize)]
    struct Tile<'a> {
        p: Vec<TileParcel<'a>>,
        e: Vec<TileFirm<'a>>,
    }
    serde_json::to_writer(
        w,
        &Tile {
            p: parcels,
            e: firms,
        },
    )
    .map_err(io::Error::other)
}

/// The search's list: `{"p":[parcel ids],"e":[[firm id, name], ..]}`.
fn names(w: &mut dyn Write, cards: &Cards<'_>) -> io::Result<()> {
    #[derive(Serialize)]
    struct Names<'a> {
        p: Vec<&'a str>,
        e: Vec<(&'a str, &'a str)>,
    }
    let report = cards.report;
    let names = Names {
        p: report.parcels().map(|p| p.parcel_id()).collect(),
        e: (0..report.enterprise_count())
            .map(|j| {
                let name = cards.names.get(j).and_then(Option::as_deref);
                (report.enterprise(j).id(), name.unwrap_or(""))
            })
            .collect(),
    };
    serde_json::to_writer(w, &names).map_err(io::Error::other)
}

/// The id file an id is listed in: FNV-1a (32 bits) of its UTF-8 bytes, modulo [`SHARDS`],
/// as the page's script computes it.
pub(super) fn shard(id: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in id.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h % SHARDS
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The relative steps add up to the rounded points: none drifts, rings close with `Z`.
    #[test]
    fn outlines_are_relative_steps_between_rounded_points() {
        let f = Frame::new((120.0, 30.0), (120.01, 30.01));
        let corners = [
            (120.001, 30.001),
            (120.002, 30.001),
            (120.002, 30.002),
            (120.001, 30.002),
        ];
        let ring: Vec<(f64, f64)> = corners.iter().chain(&corners[..1]).copied().collect();
        let square = geo::Polygon::new(geo::LineString::from(ring), vec![]);
        let mut shapes = crate::shapes::Shapes::new();
        shapes.push(&geo::MultiPolygon(vec![square.clone()]), false);
        let mut d = String::new();
        relative_path(&shapes.get(0), &f, 3, &mut d);
        assert!(
            d.starts_with('M') && d.ends_with('Z') && d.matches('l').count() == 1,
            "{d}"
        );
        let numbers: Vec<f64> = d[1..d.len() - 1]
            .split(['l', ' '])
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(
            numbers.len(),
            8,
            "four corners, the closing one left to Z: {d}"
        );
        let (mut x, mut y) = (0.0, 0.0);
        for (k, c) in square.exterior().0[..4].iter().enumerate() {
            x += numbers[2 * k];
            y += numbers[2 * k + 1];
            let (ex, ey) = f.xy(c.x, c.y);
            assert!(
                (x - ex).abs() <= 0.0005 + 1e-9 && (y - ey).abs() <= 0.0005 + 1e-9,
                "{d}"
            );
        }
        assert_eq!(decimals_for(100.0), 3);
        assert_eq!(decimals_for(1.0), 1);
    }

    /// FNV-1a's published test vectors (the 32-bit hashes of "" and "a", "foobar").
    #[test]
    fn ids_are_hashed_as_fnv1a() {
        assert_eq!(shard(""), 0x811c_9dc5 % SHARDS);
        assert_eq!(shard("a"), 0xe40c_292c % SHARDS);
        assert_eq!(shard("foobar"), 0xbf9c_f968 % SHARDS);
    }
}
