//! Coordinate reference systems: what the input is in, and how to get it to WGS84 lon/lat.
//!
//! Resolution order for each input file: an explicit CRS (`[crs] input`, `--crs`) > the file's
//! legacy `crs` member (`urn:ogc:def:crs:EPSG::4549` or `EPSG:4549`) > lon/lat when every
//! coordinate can be one. Coordinates that cannot be lon/lat with no CRS declared are an
//! error that says so and suggests the likely zone.
//!
//! Axis order is always (x, y) = (easting, northing) or (longitude, latitude), as GeoJSON 2008
//! and QGIS write it, whatever the EPSG definition's own axis order.
//!
//! Reprojection uses proj4rs (pure Rust) by default, with the definitions of the
//! `crs-definitions` crate: CGCS2000 Gauss-Krüger (EPSG:4491–4554), Xi'an 1980 (2327–2390),
//! Beijing 1954 (2401–2442), UTM (326xx/327xx), Web Mercator (3857), TWD97 (3826) and other
//! EPSG codes it carries, and `+proj=` strings (for a local seven-parameter `+towgs84`). With
//! the `proj` feature, real PROJ does the work and any CRS PROJ knows is accepted (WKT,
//! PROJJSON).
//!
//! Datums: CGCS2000 and WGS84 are taken as one (they differ by centimetres). Xi'an 1980 and
//! Beijing 1954 are taken to WGS84 with no datum shift, as PROJ does for China as a whole (its
//! "ballpark" operation): positions may be off by up to about a hundred metres, areas are not
//! affected. When the surveyors give local seven parameters, pass a
//! `+proj=... +towgs84=...` string as the CRS: its shift is applied. CGCS2000 lon/lat (EPSG:4490) is taken as WGS84: they differ by
//! centimetres. GCJ-02 and BD-09, the web-map offsets that no EPSG code describes, are
//! converted by the formulas in [`gcj02`].

use std::fmt;

use geo::Coord;
use serde::Serialize;

use crate::error::Error;

pub mod gcj02;
mod prj;

/// A coordinate reference system an input can be in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Crs {
    /// WGS84 lon/lat (EPSG:4326, OGC CRS84), also CGCS2000 lon/lat (EPSG:4490).
    LonLat,
    /// Any other EPSG code: projected (Gauss-Krüger, UTM, ...) or another datum's lon/lat.
    Epsg(u32),
    /// GCJ-02 lon/lat (AMap, Tencent).
    Gcj02,
    /// BD-09 lon/lat (Baidu).
    Bd09,
    /// A definition passed to PROJ as it is (WKT, PROJJSON, a proj string); `proj` feature.
    Proj(String),
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Crs::LonLat => f.write_str("EPSG:4326"),
            Crs::Epsg(code) => write!(f, "EPSG:{code}"),
            Crs::Gcj02 => f.write_str("GCJ-02"),
            Crs::Bd09 => f.write_str("BD-09"),
            Crs::Proj(def) => {
                let short: String = def.chars().take(40).collect();
                write!(f, "{short}")
            }
        }
    }
}

/// Where a file's CRS came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CrsSource {
    /// Given explicitly: configuration, command line, or named on a layer built in memory
    /// ([`Records`](crate::Records)).
    Explicit,
    /// The file itself: a GeoJSON's legacy `crs` member, a Shapefile's `.prj`.
    File,
    /// Inferred: every coordinate can be lon/lat.
    Inferred,
}

impl Crs {
    /// Parses a CRS name: `EPSG:4549`, `urn:ogc:def:crs:EPSG::4549`, `urn:ogc:def:crs:OGC:1.3:CRS84`,
    /// `CRS84`, `WGS84`, `4549`, `GCJ-02`, `BD-09`. Anything else is an error, unless the `proj`
    /// feature is on, when it is handed to PROJ as it is.
    ///
    /// ```
    /// use land_efficiency::Crs;
    /// assert_eq!(Crs::parse("urn:ogc:def:crs:EPSG::4549").unwrap(), Crs::Epsg(4549));
    /// assert_eq!(Crs::parse("EPSG:4490").unwrap(), Crs::LonLat);
    /// assert_eq!(Crs::parse("gcj02").unwrap(), Crs::Gcj02);
    /// ```
    ///
    /// # Errors
    /// [`Error::CrsName`] with the name as given (trimmed) when it is none of these.
    pub fn parse(name: &str) -> Result<Crs, Error> {
        let s = name.trim();
        let upper = s.to_ascii_uppercase();
        let compact: String = upper
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .collect();
        match compact.as_str() {
            "WGS84"
            | "CRS84"
            | "OGC:CRS84"
            | "URN:OGC:DEF:CRS:OGC:1.3:CRS84"
            | "URN:OGC:DEF:CRS:OGC::CRS84"
            | "HTTP://WWW.OPENGIS.NET/DEF/CRS/OGC/1.3/CRS84"
            | "HTTPS://WWW.OPENGIS.NET/DEF/CRS/OGC/1.3/CRS84"
            | "CGCS2000" => return Ok(Crs::LonLat),
            "GCJ02" | "GCJ" | "AMAP" => return Ok(Crs::Gcj02),
            "BD09" | "BD09LL" | "BAIDU" => return Ok(Crs::Bd09),
            _ => {}
        }
        let code = upper
            .strip_prefix("URN:OGC:DEF:CRS:EPSG:")
            .map(|rest| rest.rsplit(':').next().unwrap_or(rest))
            .or_else(|| upper.strip_prefix("EPSG:"))
            .or_else(|| upper.strip_prefix("EPSG::"))
            .or_else(|| upper.strip_prefix("HTTP://WWW.OPENGIS.NET/DEF/CRS/EPSG/0/"))
            .or_else(|| upper.strip_prefix("HTTPS://WWW.OPENGIS.NET/DEF/CRS/EPSG/0/"))
            .unwrap_or(&upper);
        if let Ok(n) = code.trim_start_matches(':').parse::<u32>() {
            return Ok(Crs::from_epsg(n));
        }
        if s.starts_with("+proj=") {
            return Ok(Crs::Proj(s.to_string()));
        }
        if cfg!(feature = "proj") && !s.is_empty() {
            return Ok(Crs::Proj(s.to_string()));
        }
        Err(Error::CrsName {
            name: s.to_string(),
        })
    }

    /// The CRS of an EPSG code; 4326 and 4490 are [`Crs::LonLat`].
    pub fn from_epsg(code: u32) -> Crs {
        match code {
            4326 | 4490 => Crs::LonLat,
            n => Crs::Epsg(n),
        }
    }

    /// Reads the legacy GeoJSON `crs` member: `{"type":"name","properties":{"name":"..."}}`.
    /// (`"type":"EPSG","properties":{"code":N}` from GeoJSON 2008 drafts is read too.)
    ///
    /// # Errors
    /// A message when the member is there but cannot be understood.
    pub fn from_geojson_member(raw: &[u8]) -> Result<Option<Crs>, String> {
        let v: serde_json::Value =
            serde_json::from_slice(raw).map_err(|e| format!("bad \"crs\" member: {e}"))?;
        if v.is_null() {
            return Ok(None);
        }
        let props = v.get("properties");
        if let Some(name) = props.and_then(|p| p.get("name")).and_then(|n| n.as_str()) {
            return Crs::parse(name).map(Some).map_err(|e| e.to_string());
        }
        if let Some(code) = props.and_then(|p| p.get("code")).and_then(|c| c.as_u64()) {
            return Ok(Some(Crs::from_epsg(code as u32)));
        }
        Err(format!(
            "\"crs\" member not understood: {}",
            crate::error::abbreviate(&v.to_string())
        ))
    }

    /// The CRS as a name [`Crs::parse`] reads back: `EPSG:N`, `GCJ-02`, `BD-09`, or the whole
    /// definition (where `Display` shortens a long one).
    pub(crate) fn full_name(&self) -> String {
        match self {
            Crs::Proj(def) => def.clone(),
            other => other.to_string(),
        }
    }

    /// Reads a Shapefile's `.prj` (ESRI WKT1, or OGC WKT1 as GeoTools writes it): `GEOGCS` is
    /// lon/lat; a `PROJCS` with `Gauss_Kruger` or `Transverse_Mercator` is matched, by its
    /// datum (CGCS2000, Xi'an 1980, Beijing 1954, WGS84), central meridian, false easting
    /// (with or without a zone prefix), scale factor and false northing, to its EPSG code
    /// (3- and 6-degree Gauss-Krüger zones, UTM), else written as a `+proj=tmerc` string. An
    /// `AUTHORITY["EPSG", N]` on the CRS itself is taken as it is.
    ///
    /// ```
    /// use land_efficiency::Crs;
    /// let gk = r#"PROJCS["CGCS2000_3_Degree_GK_CM_120E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",
    ///   DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],
    ///   UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],
    ///   PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],
    ///   PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    /// assert_eq!(Crs::from_prj(gk).unwrap(), Crs::Epsg(4549));
    /// let prefixed = gk.replace("500000.0", "40500000.0");
    /// assert_eq!(Crs::from_prj(&prefixed).unwrap(), Crs::Epsg(4528));
    /// assert_eq!(Crs::from_prj(r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",
    ///   SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],
    ///   UNIT["Degree",0.0174532925199433]]"#).unwrap(), Crs::LonLat);
    /// ```
    ///
    /// # Errors
    /// What could not be read, for a warning: another projection (Lambert, Albers, ...), a
    /// datum not listed above with no EPSG code, a unit other than the metre, text that is
    /// not WKT.
    pub fn from_prj(wkt: &str) -> Result<Crs, String> {
        prj::read(wkt)
    }

    /// True for lon/lat CRSs whose coordinates are degrees.
    pub fn is_geographic(&self) -> bool {
        match self {
            Crs::LonLat | Crs::Gcj02 | Crs::Bd09 => true,
            Crs::Epsg(code) => backend::is_geographic(*code),
            Crs::Proj(def) => {
                let d = def.to_ascii_uppercase();
                d.contains("+PROJ=LONGLAT") || d.starts_with("GEOGCS") || d.starts_with("GEOGCRS")
            }
        }
    }

    /// The false easting of a transverse Mercator (Gauss-Krüger, UTM) definition, m, where a
    /// zone prefix shows (40 500 000 for EPSG:4528); `None` for other projections and for
    /// definitions the crate does not hold (a WKT with the `proj` feature).
    pub(crate) fn false_easting(&self) -> Option<f64> {
        let def = match self {
            Crs::Epsg(code) => u16::try_from(*code)
                .ok()
                .and_then(crs_definitions::from_code)?
                .proj4
                .to_string(),
            Crs::Proj(def) => def.clone(),
            _ => return None,
        };
        let mut tokens = def.split_whitespace();
        let projection = tokens.clone().find_map(|t| t.strip_prefix("+proj="))?;
        let given = tokens.find_map(|t| t.strip_prefix("+x_0="));
        match (projection, given) {
            ("tmerc" | "utm", Some(x)) => x.parse().ok(),
            ("utm", None) => Some(500_000.0),
            ("tmerc", None) => Some(0.0),
            _ => None,
        }
    }

    /// True when planar area in this CRS is the cadastral area (`auto` uses it): projected
    /// CRSs other than Web Mercator, whose scale grows with latitude.
    pub fn planar_area_is_meaningful(&self) -> bool {
        !self.is_geographic() && !matches!(self, Crs::Epsg(3857 | 900913 | 3785))
    }

    /// A transformer from this CRS to WGS84 lon/lat degrees.
    ///
    /// # Errors
    /// [`Error::CrsUnusable`] when the CRS is unknown to the backend.
    pub fn to_wgs84(&self) -> Result<ToWgs84, Error> {
        self.to_wgs84_with(Backend::default_for_build())
    }

    /// A transformer to WGS84 lon/lat degrees through the given backend.
    ///
    /// # Errors
    /// [`Error::CrsUnusable`] when the CRS is unknown to the backend.
    pub fn to_wgs84_with(&self, backend: Backend) -> Result<ToWgs84, Error> {
        self.transformer(backend)
            .map_err(|message| Error::CrsUnusable {
                crs: self.to_string(),
                message,
            })
    }

    /// [`Crs::to_wgs84_with`], the error a message for the caller to put in context (the
    /// file, the config key).
    pub(crate) fn transformer(&self, backend: Backend) -> Result<ToWgs84, String> {
        let inner = match self {
            Crs::LonLat => Inner::Identity,
            Crs::Gcj02 => Inner::Gcj02,
            Crs::Bd09 => Inner::Bd09,
            other => Inner::Backend(backend::Transformer::new(other, backend)?),
        };
        Ok(ToWgs84 {
            inner,
            name: self.to_string(),
        })
    }
}

/// Transforms coordinates from one CRS to WGS84 lon/lat degrees.
pub struct ToWgs84 {
    inner: Inner,
    /// The CRS transformed from, for errors.
    name: String,
}

enum Inner {
    Identity,
    Gcj02,
    Bd09,
    Backend(backend::Transformer),
}

impl ToWgs84 {
    /// True when coordinates pass through unchanged.
    pub fn is_identity(&self) -> bool {
        matches!(self.inner, Inner::Identity)
    }

    /// Transforms one coordinate, lon/lat degrees out.
    ///
    /// # Errors
    /// [`Error::CrsUnusable`] when the backend fails or gives a non-finite result.
    pub fn coord(&self, c: Coord<f64>) -> Result<Coord<f64>, Error> {
        self.apply(c).map_err(|message| Error::CrsUnusable {
            crs: self.name.clone(),
            message: format!("({}, {}): {message}", c.x, c.y),
        })
    }

    /// [`ToWgs84::coord`], the error a message for the caller to put in context.
    pub(crate) fn apply(&self, c: Coord<f64>) -> Result<Coord<f64>, String> {
        let out = match &self.inner {
            Inner::Identity => c,
            Inner::Gcj02 => {
                let (x, y) = gcj02::gcj02_to_wgs84(c.x, c.y);
                Coord { x, y }
            }
            Inner::Bd09 => {
                let (x, y) = gcj02::bd09_to_wgs84(c.x, c.y);
                Coord { x, y }
            }
            Inner::Backend(t) => t.to_wgs84(c)?,
        };
        if out.x.is_finite() && out.y.is_finite() {
            Ok(out)
        } else {
            Err("the transform gave a non-finite result".into())
        }
    }
}

/// Guesses what projected coordinates are in, for the error a file with no CRS gets.
///
/// `x` is the easting range seen. A zone prefix (eastings of 13–23 or 25–45 million metres)
/// gives the zone exactly; plain eastings only say it is a transverse Mercator plane.
pub fn suggest_zone(x_min: f64, x_max: f64) -> String {
    let prefix_lo = (x_min / 1e6).floor();
    let prefix_hi = (x_max / 1e6).floor();
    if prefix_lo == prefix_hi && prefix_lo >= 13.0 {
        let n = prefix_lo as u32;
        if (25..=45).contains(&n) {
            let cm = 3 * n;
            return format!(
                "the eastings carry the zone prefix {n}: a 3-degree Gauss-Krüger zone {n} (central meridian {cm}°E), \
                 most likely CGCS2000 EPSG:{} (Xi'an 1980 EPSG:{}, Beijing 1954 EPSG:{})",
                4513 + (n - 25),
                2349 + (n - 25),
                2401 + (n - 25)
            );
        }
        if (13..=23).contains(&n) {
            let cm = 6 * n - 3;
            return format!(
                "the eastings carry the zone prefix {n}: a 6-degree Gauss-Krüger zone {n} (central meridian {cm}°E), \
                 most likely CGCS2000 EPSG:{} (Xi'an 1980 EPSG:{})",
                4491 + (n - 13),
                2327 + (n - 13)
            );
        }
    }
    if x_min >= 0.0 && x_max <= 1_000_000.0 {
        return "eastings of 0–1 000 000 m with no zone prefix: a Gauss-Krüger or UTM plane whose central \
                meridian the coordinates cannot tell; for CGCS2000 3-degree zones it is EPSG:4534 + (CM − 75)/3, \
                e.g. EPSG:4549 for CM 120°E; for 6-degree zones EPSG:4502 + (CM − 75)/6"
            .to_string();
    }
    "the coordinates are not lon/lat and match no Chinese Gauss-Krüger pattern".to_string()
}

/// Where projected coordinates and their CRS disagree about the zone: eastings that carry
/// the zone prefix of another zone than the CRS's (39 500 000 m read as EPSG:4528, zone 40), or
/// carry one where the CRS has none, or none where it has one. `None` when they agree, when the
/// CRS is no transverse Mercator the crate knows the false easting of, or when the eastings
/// span zones (the reprojection then says what is wrong). The message names the zone the
/// coordinates say.
pub fn zone_disagreement(crs: &Crs, x_min: f64, x_max: f64) -> Option<String> {
    let false_easting = crs.false_easting()?;
    let expected = (false_easting / 1e6).floor();
    let (lo, hi) = ((x_min / 1e6).floor(), (x_max / 1e6).floor());
    if lo != hi || lo == expected || (lo < 13.0 && expected < 13.0) {
        return None;
    }
    let seen = if lo >= 13.0 {
        format!("say otherwise: {}", suggest_zone(x_min, x_max))
    } else {
        let likely = match crs {
            // The zone of the same central meridian without its prefix.
            Crs::Epsg(c @ 4513..=4533) => {
                format!("; for the same zone without the prefix, EPSG:{}", c + 21)
            }
            Crs::Epsg(c @ 4491..=4501) => {
                format!("; for the same zone without the prefix, EPSG:{}", c + 11)
            }
            _ => String::new(),
        };
        format!("carry no zone prefix{likely}")
    };
    let wants = if expected >= 13.0 {
        format!("eastings with the zone prefix {expected} (false easting {false_easting} m)")
    } else {
        format!("eastings with no zone prefix (false easting {false_easting} m)")
    };
    Some(format!(
        "{crs} has {wants}, but the coordinates' eastings (x from {x_min:.1} to {x_max:.1}) \
         {seen}. Read in {crs} they would land in another zone, hundreds of kilometres away: \
         give the CRS the coordinates are in"
    ))
}

/// Which library does the reprojection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// proj4rs with the crs-definitions table: pure Rust, the default.
    Proj4rs,
    /// Real PROJ (`proj` feature).
    #[cfg(feature = "proj")]
    Proj,
}

impl Backend {
    /// The backend this build uses: PROJ with the `proj` feature, else proj4rs.
    pub fn default_for_build() -> Backend {
        #[cfg(feature = "proj")]
        {
            Backend::Proj
        }
        #[cfg(not(feature = "proj"))]
        {
            Backend::Proj4rs
        }
    }
}

mod backend {
    use geo::Coord;

    use super::{Backend, Crs};

    /// True when the EPSG code is a geographic (lon/lat) CRS in the crs-definitions table.
    pub(super) fn is_geographic(code: u32) -> bool {
        u16::try_from(code)
            .ok()
            .and_then(crs_definitions::from_code)
            .is_some_and(|d| d.proj4.contains("+proj=longlat"))
    }

    pub(super) enum Transformer {
        Proj4rs(Box<pure::Transformer>),
        #[cfg(feature = "proj")]
        Proj(real::Transformer),
    }

    impl Transformer {
        pub(super) fn new(crs: &Crs, backend: Backend) -> Result<Self, String> {
            match backend {
                Backend::Proj4rs => {
                    pure::Transformer::new(crs).map(|t| Transformer::Proj4rs(Box::new(t)))
                }
                #[cfg(feature = "proj")]
                Backend::Proj => real::Transformer::new(crs).map(Transformer::Proj),
            }
        }

        pub(super) fn to_wgs84(&self, c: Coord<f64>) -> Result<Coord<f64>, String> {
            match self {
                Transformer::Proj4rs(t) => t.to_wgs84(c),
                #[cfg(feature = "proj")]
                Transformer::Proj(t) => t.to_wgs84(c),
            }
        }
    }

    mod pure {
        //! proj4rs with the crs-definitions table.

        use geo::Coord;

        use super::super::Crs;

        pub(crate) struct Transformer {
            src: proj4rs::Proj,
            dst: proj4rs::Proj,
            src_latlong: bool,
        }

        /// A definition without datum-shift terms (`+towgs84`, `+nadgrids`), and the lon/lat
        /// CRS on the same ellipsoid. Transforming between the two inverts the projection and
        /// nothing else: lon/lat on the CRS's own ellipsoid, taken as WGS84. That is what PROJ
        /// does for every family here (null for CGCS2000, TWD97, WGS84 UTM and Web Mercator;
        /// its "ballpark" operation for Xi'an 1980 and Beijing 1954), so both backends agree.
        /// A `+towgs84` given in a `+proj=` string by the user is kept and applied.
        fn split(def: &str, keep_shift: bool) -> (String, String) {
            let tokens: Vec<&str> = def
                .split_whitespace()
                .filter(|t| {
                    keep_shift || !(t.starts_with("+towgs84=") || t.starts_with("+nadgrids="))
                })
                .collect();
            let shape: Vec<&str> = tokens
                .iter()
                .copied()
                .filter(|t| {
                    [
                        "+ellps=",
                        "+a=",
                        "+b=",
                        "+rf=",
                        "+f=",
                        "+R=",
                        "+datum=",
                        "+towgs84=",
                    ]
                    .iter()
                    .any(|k| t.starts_with(k))
                })
                .collect();
            let geographic = if keep_shift && shape.iter().any(|t| t.starts_with("+towgs84=")) {
                "+proj=longlat +datum=WGS84 +no_defs".to_string()
            } else {
                format!("+proj=longlat {} +no_defs", shape.join(" "))
            };
            (tokens.join(" "), geographic)
        }

        impl Transformer {
            pub(crate) fn new(crs: &Crs) -> Result<Self, String> {
                let (def, keep_shift) = match crs {
                    Crs::Epsg(code) => {
                        let def = u16::try_from(*code).ok().and_then(crs_definitions::from_code).ok_or_else(|| {
                            format!(
                                "EPSG:{code} is not in this build's CRS table (build with the `proj` feature for any CRS PROJ knows)"
                            )
                        })?;
                        (def.proj4.to_string(), false)
                    }
                    Crs::Proj(def) if def.trim_start().starts_with("+proj=") => (def.clone(), true),
                    other => return Err(format!("{other} needs the `proj` feature")),
                };
                let (src_def, dst_def) = split(&def, keep_shift);
                let src =
                    proj4rs::Proj::from_proj_string(&src_def).map_err(|e| format!("{crs}: {e}"))?;
                let dst =
                    proj4rs::Proj::from_proj_string(&dst_def).map_err(|e| format!("{crs}: {e}"))?;
                let src_latlong = src.is_latlong();
                Ok(Transformer {
                    src,
                    dst,
                    src_latlong,
                })
            }

            pub(crate) fn to_wgs84(&self, c: Coord<f64>) -> Result<Coord<f64>, String> {
                let mut p = if self.src_latlong {
                    (c.x.to_radians(), c.y.to_radians(), 0.0)
                } else {
                    (c.x, c.y, 0.0)
                };
                proj4rs::transform::transform(&self.src, &self.dst, &mut p)
                    .map_err(|e| e.to_string())?;
                Ok(Coord {
                    x: p.0.to_degrees(),
                    y: p.1.to_degrees(),
                })
            }
        }
    }

    #[cfg(feature = "proj")]
    mod real {
        //! Real PROJ. `proj::Proj` is neither `Send` nor `Sync`, so each thread builds its own
        //! and keeps it for the run.

        use std::cell::RefCell;
        use std::collections::HashMap;

        use geo::Coord;

        use super::super::Crs;

        thread_local! {
            static CACHE: RefCell<HashMap<String, proj::Proj>> = RefCell::new(HashMap::new());
        }

        fn with_proj<T>(def: &str, f: impl FnOnce(&proj::Proj) -> T) -> Result<T, String> {
            CACHE.with(|cache| {
                let mut cache = cache.borrow_mut();
                if !cache.contains_key(def) {
                    let p = proj::Proj::new_known_crs(def, "EPSG:4326", None)
                        .map_err(|e| e.to_string())?;
                    cache.insert(def.to_string(), p);
                }
                Ok(f(&cache[def]))
            })
        }

        pub(crate) struct Transformer {
            def: String,
        }

        impl Transformer {
            pub(crate) fn new(crs: &Crs) -> Result<Self, String> {
                let def = match crs {
                    Crs::Epsg(code) => format!("EPSG:{code}"),
                    Crs::Proj(def) => def.clone(),
                    other => return Err(format!("{other} is not a PROJ CRS")),
                };
                with_proj(&def, |_| ())?;
                Ok(Transformer { def })
            }

            pub(crate) fn to_wgs84(&self, c: Coord<f64>) -> Result<Coord<f64>, String> {
                with_proj(&self.def, |p| p.convert((c.x, c.y)))?
                    .map(|(x, y)| Coord { x, y })
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// A layer's CRS as resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrsInfo {
    /// The file.
    pub file: String,
    /// The CRS, e.g. `EPSG:4549`.
    pub crs: String,
    /// Where it came from.
    pub source: CrsSource,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unusable_crs_is_a_typed_error_naming_it() {
        let err = Crs::Epsg(1).to_wgs84().err().expect("EPSG:1 is no CRS");
        assert!(
            matches!(&err, Error::CrsUnusable { crs, .. } if crs == "EPSG:1"),
            "{err:?}"
        );
        assert_eq!(err.code(), "crs_unusable");
        // A coordinate the plane cannot take: typed too, naming the CRS and the coordinate.
        let t = Crs::Epsg(4549).to_wgs84().unwrap();
        assert!(
            t.coord(Coord {
                x: 500_000.0,
                y: 3_000_000.0
            })
            .is_ok()
        );
        let err = t
            .coord(Coord {
                x: f64::NAN,
                y: 0.0,
            })
            .unwrap_err();
        assert!(
            matches!(&err, Error::CrsUnusable { crs, message }
                if crs == "EPSG:4549" && message.starts_with("(NaN, 0)")),
            "{err:?}"
        );
    }

    #[test]
    fn suggest_zone_names_the_zone_of_a_prefixed_easting() {
        let hint = suggest_zone(40_512_345.6, 40_523_456.7);
        assert!(hint.contains("EPSG:4528"), "{hint}");
    }

    #[test]
    fn parse_names() {
        assert_eq!(Crs::parse("EPSG:4549").unwrap(), Crs::Epsg(4549));
        assert_eq!(Crs::parse("epsg:4528").unwrap(), Crs::Epsg(4528));
        for scheme in ["http", "https"] {
            let epsg = format!("{scheme}://www.opengis.net/def/crs/EPSG/0/4549");
            assert_eq!(Crs::parse(&epsg).unwrap(), Crs::Epsg(4549));
            let crs84 = format!("{scheme}://www.opengis.net/def/crs/OGC/1.3/CRS84");
            assert_eq!(Crs::parse(&crs84).unwrap(), Crs::LonLat);
        }
        assert_eq!(
            Crs::parse("urn:ogc:def:crs:EPSG:6.3:4549").unwrap(),
            Crs::Epsg(4549)
        );
        assert_eq!(
            Crs::parse("urn:ogc:def:crs:OGC:1.3:CRS84").unwrap(),
            Crs::LonLat
        );
        assert_eq!(Crs::parse("4326").unwrap(), Crs::LonLat);
        assert_eq!(Crs::parse("BD-09").unwrap(), Crs::Bd09);
        if !cfg!(feature = "proj") {
            let e = Crs::parse(" PROJCS[...] ").unwrap_err();
            assert!(
                matches!(&e, Error::CrsName { name } if name == "PROJCS[...]"),
                "{e}"
            );
            assert_eq!(e.code(), "crs_name");
        }
    }

    #[test]
    fn crs_member() {
        let m = br#"{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3826"}}"#;
        assert_eq!(Crs::from_geojson_member(m).unwrap(), Some(Crs::Epsg(3826)));
        assert_eq!(Crs::from_geojson_member(b"null").unwrap(), None);
        assert!(Crs::from_geojson_member(br#"{"type":"link"}"#).is_err());
    }

    #[test]
    fn zones_and_prefixes_that_disagree_are_found() {
        let gk = |code| Crs::Epsg(code);
        assert_eq!(gk(4528).false_easting(), Some(40_500_000.0));
        assert_eq!(gk(4549).false_easting(), Some(500_000.0));
        assert_eq!(gk(32650).false_easting(), Some(500_000.0));
        assert_eq!(gk(3857).false_easting(), None);
        assert_eq!(Crs::LonLat.false_easting(), None);
        // Agreeing: nothing.
        assert_eq!(
            zone_disagreement(&gk(4528), 40_400_000.0, 40_600_000.0),
            None
        );
        assert_eq!(zone_disagreement(&gk(4549), 400_000.0, 600_000.0), None);
        assert_eq!(zone_disagreement(&gk(32650), 200_000.0, 800_000.0), None);
        // Spanning zones: left to the reprojection.
        assert_eq!(
            zone_disagreement(&gk(4528), 39_900_000.0, 40_100_000.0),
            None
        );
        let m = zone_disagreement(&gk(4528), 39_500_000.0, 39_600_000.0).unwrap();
        assert!(
            m.contains("zone prefix 39") && m.contains("EPSG:4527"),
            "{m}"
        );
        let m = zone_disagreement(&gk(4528), 400_000.0, 600_000.0).unwrap();
        assert!(
            m.contains("no zone prefix; for the same zone without the prefix, EPSG:4549"),
            "{m}"
        );
        let m = zone_disagreement(&gk(4549), 40_400_000.0, 40_600_000.0).unwrap();
        assert!(
            m.contains("zone prefix 40") && m.contains("EPSG:4528"),
            "{m}"
        );
        let m = zone_disagreement(&gk(4491), 400_000.0, 600_000.0).unwrap();
        assert!(m.contains("EPSG:4502"), "{m}");
        let proj = Crs::Proj("+proj=tmerc +lon_0=120 +k=1 +x_0=40500000 +ellps=GRS80".into());
        assert!(zone_disagreement(&proj, 39_500_000.0, 39_600_000.0).is_some());
    }

    #[test]
    fn zone_suggestions() {
        assert!(suggest_zone(40_500_000.0, 40_600_000.0).contains("EPSG:4528"));
        assert!(suggest_zone(39_500_000.0, 39_600_000.0).contains("EPSG:4527"));
        assert!(suggest_zone(20_500_000.0, 20_600_000.0).contains("EPSG:4498"));
        assert!(suggest_zone(400_000.0, 600_000.0).contains("EPSG:4549"));
    }

    #[test]
    fn gk_inverse_matches_cs2cs() {
        // Known points from PROJ's cs2cs 9.1.1 (reference/deps.md): EPSG:4547 (CM 114E).
        let t = Crs::Epsg(4547).to_wgs84().unwrap();
        let c = t
            .coord(Coord {
                x: 500_000.0,
                y: 3_320_113.397_8,
            })
            .unwrap();
        assert!(
            (c.x - 114.0).abs() < 1e-8 && (c.y - 30.0).abs() < 1e-8,
            "{c:?}"
        );
        let c = t
            .coord(Coord {
                x: 623_900.627_4,
                y: 3_453_876.781_1,
            })
            .unwrap();
        assert!(
            (c.x - 115.3).abs() < 1e-8 && (c.y - 31.2).abs() < 1e-8,
            "{c:?}"
        );
        let t = Crs::Epsg(4527).to_wgs84().unwrap();
        let c = t
            .coord(Coord {
                x: 39_517_918.230_8,
                y: 4_041_043.094_3,
            })
            .unwrap();
        assert!(
            (c.x - 117.2).abs() < 1e-8 && (c.y - 36.5).abs() < 1e-8,
            "{c:?}"
        );
    }
}
