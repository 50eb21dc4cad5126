//! proj4rs (the default backend) against real PROJ (the `proj` feature) on a grid of points
//! across China, for every supported family. Run with `cargo test --features proj`.
//!
//! One known difference, measured and left as it is: for Beijing 1954, PROJ applies the
//! regional "Beijing 1954 to WGS 84" Helmert sets inside their areas of use (the Tarim basin,
//! the Pearl River mouth, the East China Sea fields) and no shift elsewhere; proj4rs applies none
//! (see `crs` docs). There the test compares the projection itself (to Beijing 1954 lon/lat,
//! EPSG:4214) and reports how far PROJ's WGS84 answer moves.
#![cfg(feature = "proj")]

use geo::Coord;
use land_efficiency::Backend;
use land_efficiency::Crs;

/// A family: its EPSG codes with each one's central meridian, and half the zone width.
struct Family {
    name: &'static str,
    codes: Vec<(u32, f64)>,
    half_width: f64,
    /// The family's own lon/lat CRS, when PROJ's datum step to WGS84 is regional.
    regional_datum: Option<&'static str>,
}

fn families() -> Vec<Family> {
    let three = |first: u32, first_zone: u32, zones: u32| -> Vec<(u32, f64)> {
        (0..zones)
            .map(|i| (first + i, f64::from(3 * (first_zone + i))))
            .collect()
    };
    let three_cm = |first: u32| -> Vec<(u32, f64)> {
        (0..21)
            .map(|i| (first + i, f64::from(75 + 3 * i)))
            .collect()
    };
    let six = |first: u32| -> Vec<(u32, f64)> {
        (0..11)
            .map(|i| (first + i, f64::from(6 * (13 + i) - 3)))
            .collect()
    };
    let six_cm = |first: u32| -> Vec<(u32, f64)> {
        (0..11)
            .map(|i| (first + i, f64::from(75 + 6 * i)))
            .collect()
    };
    vec![
        Family {
            name: "CGCS2000 3-degree zoned",
            codes: three(4513, 25, 21),
            half_width: 1.5,
            regional_datum: None,
        },
        Family {
            name: "CGCS2000 3-degree CM",
            codes: three_cm(4534),
            half_width: 1.5,
            regional_datum: None,
        },
        Family {
            name: "CGCS2000 6-degree zoned",
            codes: six(4491),
            half_width: 3.0,
            regional_datum: None,
        },
        Family {
            name: "CGCS2000 6-degree CM",
            codes: six_cm(4502),
            half_width: 3.0,
            regional_datum: None,
        },
        Family {
            name: "Xi'an 1980 3-degree zoned",
            codes: three(2349, 25, 21),
            half_width: 1.5,
            regional_datum: None,
        },
        Family {
            name: "Xi'an 1980 3-degree CM",
            codes: three_cm(2370),
            half_width: 1.5,
            regional_datum: None,
        },
        Family {
            name: "Xi'an 1980 6-degree zoned",
            codes: six(2327),
            half_width: 3.0,
            regional_datum: None,
        },
        Family {
            name: "Xi'an 1980 6-degree CM",
            codes: six_cm(2338),
            half_width: 3.0,
            regional_datum: None,
        },
        Family {
            name: "Beijing 1954 3-degree zoned",
            codes: three(2401, 25, 21),
            half_width: 1.5,
            regional_datum: Some("EPSG:4214"),
        },
        Family {
            name: "Beijing 1954 3-degree CM",
            codes: three_cm(2422),
            half_width: 1.5,
            regional_datum: Some("EPSG:4214"),
        },
        Family {
            name: "WGS 84 / UTM north 43-53",
            codes: (43..=53)
                .map(|z| (32600 + z, f64::from(6 * z) - 183.0))
                .collect(),
            half_width: 3.0,
            regional_datum: None,
        },
        Family {
            name: "Web Mercator",
            codes: vec![(3857, 105.0)],
            half_width: 30.0,
            regional_datum: None,
        },
        Family {
            name: "TWD97 / TM2 zone 121",
            codes: vec![(3826, 121.0)],
            half_width: 1.0,
            regional_datum: None,
        },
    ]
}

/// Ground distance between two lon/lat points, metres (small distances).
fn metres(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let dx = (a.x - b.x).to_radians() * 6_378_137.0 * a.y.to_radians().cos();
    let dy = (a.y - b.y).to_radians() * 6_378_137.0;
    dx.hypot(dy)
}

#[test]
fn proj4rs_and_proj_agree_to_a_millimetre_across_china() {
    let mut report = Vec::new();
    for family in families() {
        let mut worst: f64 = 0.0;
        let mut points = 0;
        let (mut shifted, mut largest_shift) = (0, 0.0f64);
        for &(code, cm) in &family.codes {
            let forward =
                proj::Proj::new_known_crs("EPSG:4326", &format!("EPSG:{code}"), None).unwrap();
            let own = family
                .regional_datum
                .map(|g| proj::Proj::new_known_crs(&format!("EPSG:{code}"), g, None).unwrap());
            let crs = Crs::Epsg(code);
            let pure = crs.to_wgs84_with(Backend::Proj4rs).unwrap();
            let real = crs.to_wgs84_with(Backend::Proj).unwrap();
            let mut lat = 18.0;
            while lat <= 53.0 {
                for k in [-0.9, -0.5, 0.0, 0.5, 0.9] {
                    let lon = cm + k * family.half_width;
                    let (x, y) = forward.convert((lon, lat)).unwrap();
                    let a = pure.coord(Coord { x, y }).unwrap();
                    let b = real.coord(Coord { x, y }).unwrap();
                    let reference = match &own {
                        Some(own) => {
                            let (rx, ry) = own.convert((x, y)).unwrap();
                            let shift = metres(b, Coord { x: rx, y: ry });
                            if shift > 1.0 {
                                shifted += 1;
                                largest_shift = largest_shift.max(shift);
                            }
                            Coord { x: rx, y: ry }
                        }
                        None => b,
                    };
                    worst = worst.max(metres(a, reference));
                    points += 1;
                }
                lat += 5.0;
            }
        }
        let note = if family.regional_datum.is_some() {
            format!(
                " (projection only; PROJ's WGS84 path shifts {shifted} points by up to {largest_shift:.1} m)"
            )
        } else {
            String::new()
        };
        report.push(format!(
            "{}: {} points, worst {:.2e} m{note}",
            family.name, points, worst
        ));
        assert!(
            worst < 1e-3,
            "{}: proj4rs and PROJ differ by {worst} m",
            family.name
        );
    }
    println!("{}", report.join("\n"));
}

#[test]
fn proj_accepts_what_proj4rs_cannot() {
    let wkt = r#"PROJCS["CGCS2000 / 3-degree Gauss-Kruger CM 120E",GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",120],PARAMETER["scale_factor",1],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1]]"#;
    let crs = Crs::parse(wkt).unwrap();
    assert!(matches!(crs, Crs::Proj(_)));
    let err = crs
        .to_wgs84_with(Backend::Proj4rs)
        .err()
        .expect("proj4rs takes no WKT");
    assert!(
        matches!(err, land_efficiency::Error::CrsUnusable { .. }),
        "{err:?}"
    );
    let t = crs.to_wgs84_with(Backend::Proj).unwrap();
    let c = t
        .coord(Coord {
            x: 500_000.0,
            y: 3_320_113.397_8,
        })
        .unwrap();
    // CM 120E: (500 000, 3 320 113.3978) is 120E 30N (the 114E value of cs2cs, shifted).
    assert!(
        (c.x - 120.0).abs() < 1e-8 && (c.y - 30.0).abs() < 1e-8,
        "{c:?}"
    );
}
