//! A Shapefile's `.prj` (ESRI WKT1) read as a [`Crs`]: lon/lat, or transverse Mercator
//! (Gauss-Krüger, UTM) matched to its EPSG code where one exists.

use super::Crs;

/// A WKT node: its keyword, its quoted or bare values, and its child nodes, in order.
#[derive(Debug, Default)]
struct Node {
    keyword: String,
    values: Vec<String>,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, keyword: &str) -> Option<&Node> {
        self.children
            .iter()
            .find(|c| c.keyword.eq_ignore_ascii_case(keyword))
    }

    /// The first node of `keyword` found depth first (this one included).
    fn find(&self, keyword: &str) -> Option<&Node> {
        if self.keyword.eq_ignore_ascii_case(keyword) {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(keyword))
    }

    fn number(&self, i: usize) -> Option<f64> {
        self.values.get(i)?.trim().parse().ok()
    }

    fn name(&self) -> &str {
        self.values.first().map_or("", String::as_str)
    }

    /// `PARAMETER["name", value]` of this node, matched without case or `_`/space.
    fn parameter(&self, name: &str) -> Option<f64> {
        let want = squash(name);
        self.children
            .iter()
            .filter(|c| c.keyword.eq_ignore_ascii_case("PARAMETER"))
            .find(|c| squash(c.name()) == want)
            .and_then(|c| c.number(1))
    }

    /// The EPSG code of this node's own `AUTHORITY["EPSG", N]`.
    fn epsg(&self) -> Option<u32> {
        let a = self.child("AUTHORITY").or_else(|| self.child("ID"))?;
        a.name()
            .eq_ignore_ascii_case("EPSG")
            .then(|| a.values.get(1)?.trim().parse().ok())
            .flatten()
    }
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '_' | ' ' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Parses WKT1 text into its top node. Depth and size are bounded by the text.
fn parse(text: &str) -> Result<Node, String> {
    let mut stack: Vec<Node> = Vec::new();
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    let mut top: Option<Node> = None;
    while let Some(c) = chars.next() {
        match c {
            '[' | '(' => {
                let keyword = std::mem::take(&mut word).trim().to_string();
                stack.push(Node {
                    keyword,
                    ..Node::default()
                });
                if stack.len() > 64 {
                    return Err("nested too deep".into());
                }
            }
            '"' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            s.push('"');
                        }
                        Some('"') => break,
                        Some(ch) => s.push(ch),
                        None => return Err("a quote left open".into()),
                    }
                }
                if let Some(n) = stack.last_mut() {
                    n.values.push(s);
                }
                word.clear();
            }
            ',' | ']' | ')' => {
                let w = std::mem::take(&mut word);
                let w = w.trim();
                if !w.is_empty()
                    && let Some(n) = stack.last_mut()
                {
                    n.values.push(w.to_string());
                }
                if c != ',' {
                    let done = stack.pop().ok_or("a ']' with no '['")?;
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => {
                            top = Some(done);
                            break;
                        }
                    }
                }
            }
            _ => word.push(c),
        }
    }
    top.ok_or_else(|| "not WKT (no CRS node)".to_string())
}

/// The datums the crate names, told by their names or their ellipsoids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Datum {
    Cgcs2000,
    Xian1980,
    Beijing1954,
    Wgs84,
}

fn datum_of(geogcs: &Node) -> Option<Datum> {
    let datum = geogcs
        .find("DATUM")
        .map(|d| squash(d.name()))
        .unwrap_or_default();
    let spheroid = geogcs.find("SPHEROID").or_else(|| geogcs.find("ELLIPSOID"));
    let (a, rf) = spheroid.map_or((None, None), |s| (s.number(1), s.number(2)));
    let is = |x: Option<f64>, v: f64| x.is_some_and(|x| (x - v).abs() < 1e-6 * v.abs().max(1.0));
    if datum.contains("china2000") || datum.contains("cgcs2000") || datum.contains("chinageodetic")
    {
        Some(Datum::Cgcs2000)
    } else if datum.contains("xian") {
        Some(Datum::Xian1980)
    } else if datum.contains("beijing") {
        Some(Datum::Beijing1954)
    } else if datum.contains("wgs1984")
        || datum.contains("wgs84")
        || datum.contains("worldgeodeticsystem1984")
    {
        Some(Datum::Wgs84)
    } else if is(a, 6_378_140.0) && is(rf, 298.257) {
        Some(Datum::Xian1980)
    } else if is(a, 6_378_245.0) && is(rf, 298.3) {
        Some(Datum::Beijing1954)
    } else if is(a, 6_378_137.0) && is(rf, 298.257_222_101) {
        Some(Datum::Cgcs2000)
    } else if is(a, 6_378_137.0) && is(rf, 298.257_223_563) {
        Some(Datum::Wgs84)
    } else {
        None
    }
}

/// Reads `.prj` text.
pub(super) fn read(text: &str) -> Result<Crs, String> {
    let text = text.trim().trim_start_matches('\u{feff}');
    let top = parse(text)?;
    let kind = top.keyword.to_ascii_uppercase();
    match kind.as_str() {
        "GEOGCS" | "GEOGCRS" | "GEODCRS" => {
            if let Some(code) = top.epsg() {
                return Ok(Crs::from_epsg(code));
            }
            match datum_of(&top) {
                Some(Datum::Xian1980) => Ok(Crs::Epsg(4610)),
                Some(Datum::Beijing1954) => Ok(Crs::Epsg(4214)),
                // CGCS2000 lon/lat is taken as WGS84 (centimetres apart), as EPSG:4490 is.
                Some(Datum::Cgcs2000 | Datum::Wgs84) => Ok(Crs::LonLat),
                None => Err(format!(
                    "lon/lat on a datum not known here ({})",
                    top.find("DATUM").map_or("none given", Node::name)
                )),
            }
        }
        "PROJCS" | "PROJCRS" => projected(&top),
        _ => Err(format!(
            "the WKT's top node is {}, not GEOGCS or PROJCS",
            top.keyword
        )),
    }
}

fn projected(top: &Node) -> Result<Crs, String> {
    if let Some(code) = top.epsg() {
        return Ok(Crs::from_epsg(code));
    }
    let projection = top
        .child("PROJECTION")
        .map(|p| squash(p.name()))
        .unwrap_or_default();
    if !matches!(
        projection.as_str(),
        "gausskruger" | "transversemercator" | "gaussKruger"
    ) {
        return Err(format!(
            "projection {} is not read from a .prj (only Gauss_Kruger and Transverse_Mercator)",
            top.child("PROJECTION").map_or("none given", Node::name)
        ));
    }
    // The projected CRS's own unit: the last UNIT child (the GEOGCS holds its own).
    if let Some(unit) = top
        .children
        .iter()
        .rev()
        .find(|c| c.keyword.eq_ignore_ascii_case("UNIT"))
        && unit.number(1).is_some_and(|f| (f - 1.0).abs() > 1e-9)
    {
        return Err(format!("its unit is {} (not the metre)", unit.name()));
    }
    let geog = top.child("GEOGCS").or_else(|| top.child("BASEGEOGCRS"));
    let datum = geog.and_then(datum_of);
    let cm = top
        .parameter("Central_Meridian")
        .ok_or("no Central_Meridian")?;
    let fe = top.parameter("False_Easting").unwrap_or(0.0);
    let fn_ = top.parameter("False_Northing").unwrap_or(0.0);
    let k = top.parameter("Scale_Factor").unwrap_or(1.0);
    let lat0 = top.parameter("Latitude_Of_Origin").unwrap_or(0.0);
    if let Some(code) = datum.and_then(|d| epsg_of(d, cm, fe, fn_, k, lat0)) {
        return Ok(Crs::Epsg(code));
    }
    let spheroid = geog.and_then(|g| g.find("SPHEROID").or_else(|| g.find("ELLIPSOID")));
    let (a, rf) = spheroid
        .and_then(|s| Some((s.number(1)?, s.number(2)?)))
        .ok_or("no SPHEROID with its semi-major axis and flattening")?;
    Ok(Crs::Proj(format!(
        "+proj=tmerc +lat_0={lat0} +lon_0={cm} +k={k} +x_0={fe} +y_0={fn_} +a={a} +rf={rf} +units=m +no_defs"
    )))
}

/// The EPSG code of a transverse Mercator zone on `datum`, if it is one of the listed zones.
fn epsg_of(datum: Datum, cm: f64, fe: f64, fn_: f64, k: f64, lat0: f64) -> Option<u32> {
    let near = |x: f64, v: f64| (x - v).abs() < 1e-6;
    if !near(lat0, 0.0) {
        return None;
    }
    let whole = |x: f64| near(x, x.round()).then_some(x.round() as i64);
    let cm = whole(cm)?;
    if datum == Datum::Wgs84 {
        // UTM: zone from the central meridian.
        if !(near(k, 0.9996) && near(fe, 500_000.0) && (cm + 183) % 6 == 0) {
            return None;
        }
        let zone = u32::try_from((cm + 183) / 6).ok()?;
        return if near(fn_, 0.0) {
            Some(32600 + zone)
        } else if near(fn_, 10_000_000.0) {
            Some(32700 + zone)
        } else {
            None
        };
    }
    if !(near(k, 1.0) && near(fn_, 0.0)) {
        return None;
    }
    // (3-degree with zone prefix, 3-degree CM, 6-degree with prefix, 6-degree CM): the first
    // code of each series (zone 25 / CM 75 / zone 13 / CM 75).
    let (p3, c3, p6, c6) = match datum {
        Datum::Cgcs2000 => (4513, 4534, 4491, 4502),
        Datum::Xian1980 => (2349, 2370, 2327, 2338),
        Datum::Beijing1954 => (2401, 2422, 21413, 21453),
        Datum::Wgs84 => return None,
    };
    let fe = whole(fe)?;
    if fe == 500_000 {
        // No prefix: one projection whether a 3- or a 6-degree zone (every 6-degree central
        // meridian from 75° is a 3-degree one too).
        if (75..=135).contains(&cm) && cm % 3 == 0 {
            return u32::try_from(c3 + (cm - 75) / 3).ok();
        }
        return None;
    }
    let zone = (fe - 500_000) / 1_000_000;
    if (fe - 500_000) % 1_000_000 != 0 {
        return None;
    }
    if cm == zone * 3 && (25..=45).contains(&zone) {
        return u32::try_from(p3 + (zone - 25)).ok();
    }
    if cm == zone * 6 - 3 && (13..=23).contains(&zone) {
        let _ = c6;
        return u32::try_from(p6 + (zone - 13)).ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gk(datum: &str, spheroid: &str, a: f64, rf: f64, cm: f64, fe: f64, proj: &str) -> String {
        format!(
            r#"PROJCS["x",GEOGCS["g",DATUM["{datum}",SPHEROID["{spheroid}",{a},{rf}]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["{proj}"],PARAMETER["False_Easting",{fe}],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",{cm}],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#
        )
    }

    /// The (lon_0, x_0) of an EPSG code, from the crs-definitions table (an independent
    /// source: the codes here are computed, the table's are EPSG's).
    fn table(code: u32) -> (f64, f64) {
        let def = crs_definitions::from_code(u16::try_from(code).unwrap())
            .unwrap_or_else(|| panic!("EPSG:{code} not in the table"))
            .proj4;
        let get = |k: &str| {
            def.split_whitespace()
                .find_map(|t| t.strip_prefix(k))
                .map_or(0.0, |v| v.parse::<f64>().unwrap())
        };
        (get("+lon_0="), get("+x_0="))
    }

    #[test]
    fn every_gauss_kruger_code_is_the_zone_the_table_has() {
        let datums = [
            ("D_China_2000", "CGCS2000", 6_378_137.0, 298.257_222_101),
            ("D_Xian_1980", "Xian_1980", 6_378_140.0, 298.257),
            ("D_Beijing_1954", "Krasovsky_1940", 6_378_245.0, 298.3),
        ];
        let mut checked = 0;
        for (d, s, a, rf) in datums {
            for zone in 25..=45 {
                let cm = f64::from(zone * 3);
                for fe in [500_000.0, f64::from(zone) * 1e6 + 500_000.0] {
                    let Ok(Crs::Epsg(code)) = read(&gk(d, s, a, rf, cm, fe, "Gauss_Kruger")) else {
                        panic!("{d} CM {cm} FE {fe} not matched");
                    };
                    assert_eq!(table(code), (cm, fe), "{d} CM {cm} FE {fe} → EPSG:{code}");
                    checked += 1;
                }
            }
            for zone in 13..=23 {
                let cm = f64::from(zone * 6 - 3);
                let fe = f64::from(zone) * 1e6 + 500_000.0;
                let Ok(Crs::Epsg(code)) = read(&gk(d, s, a, rf, cm, fe, "Transverse_Mercator"))
                else {
                    panic!("{d} 6-degree zone {zone} not matched");
                };
                assert_eq!(table(code), (cm, fe), "{d} zone {zone} → EPSG:{code}");
                checked += 1;
            }
        }
        assert_eq!(checked, 3 * (21 * 2 + 11));
    }

    #[test]
    fn the_brief_s_three_codes() {
        let cgcs = ("D_China_2000", "CGCS2000", 6_378_137.0, 298.257_222_101);
        let (d, s, a, rf) = cgcs;
        assert_eq!(
            read(&gk(d, s, a, rf, 120.0, 500_000.0, "Gauss_Kruger")),
            Ok(Crs::Epsg(4549))
        );
        assert_eq!(
            read(&gk(d, s, a, rf, 120.0, 40_500_000.0, "Gauss_Kruger")),
            Ok(Crs::Epsg(4528))
        );
        let utm = r#"PROJCS["WGS_1984_UTM_Zone_50N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
        assert_eq!(read(utm), Ok(Crs::Epsg(32650)));
    }

    #[test]
    fn an_unlisted_zone_is_a_tmerc_string_that_reprojects() {
        // A local meridian (120.5°) with no EPSG code.
        let wkt = gk(
            "D_China_2000",
            "CGCS2000",
            6_378_137.0,
            298.257_222_101,
            120.5,
            500_000.0,
            "Gauss_Kruger",
        );
        let crs = read(&wkt).unwrap();
        let Crs::Proj(def) = &crs else {
            panic!("{crs:?}")
        };
        assert!(
            def.contains("+lon_0=120.5") && def.contains("+x_0=500000"),
            "{def}"
        );
        // The central meridian's point at the false easting is on the meridian.
        let t = crs.to_wgs84().unwrap();
        let c = t
            .coord(geo::Coord {
                x: 500_000.0,
                y: 3_500_000.0,
            })
            .unwrap();
        assert!((c.x - 120.5).abs() < 1e-9, "{c:?}");
    }

    #[test]
    fn what_is_not_read_says_why() {
        let lambert = r#"PROJCS["x",GEOGCS["g",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]]],PROJECTION["Lambert_Conformal_Conic"],UNIT["Meter",1.0]]"#;
        assert!(
            read(lambert)
                .unwrap_err()
                .contains("Lambert_Conformal_Conic")
        );
        assert!(read("hello").unwrap_err().contains("not WKT"));
        assert!(read("PROJCS[\"x").is_err());
        let feet = gk(
            "D_China_2000",
            "CGCS2000",
            6_378_137.0,
            298.257_222_101,
            120.0,
            500_000.0,
            "Gauss_Kruger",
        )
        .replace(
            "UNIT[\"Meter\",1.0]",
            "UNIT[\"Foot_US\",0.3048006096012192]",
        );
        assert!(read(&feet).unwrap_err().contains("Foot_US"));
        // GeoTools' multi-line lon/lat WKT with AXIS nodes.
        let geotools = "GEOGCS[\"GCS_WGS_1984\", \n  DATUM[\"D_WGS_1984\", \n    SPHEROID[\"WGS_1984\", 6378137.0, 298.257223563]], \n  PRIMEM[\"Greenwich\", 0.0], \n  UNIT[\"degree\", 0.017453292519943295], \n  AXIS[\"Lon\", EAST], \n  AXIS[\"Lat\", NORTH]]";
        assert_eq!(read(geotools), Ok(Crs::LonLat));
    }
}
