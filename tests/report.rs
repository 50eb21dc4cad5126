//! `report.html` of the fixture zone: figures, one SVG path per parcel, the parks table.

mod common;

use common::fixtures;
use land_efficiency::{Audit, AuditReport, Config, Inputs, Source};
use land_efficiency::{Lang, ReportOptions, write_report_html};

fn zone(config: Config) -> AuditReport {
    let z = fixtures().join("zone");
    Audit::new(config)
        .run(&Inputs {
            parcels: Source::path(z.join("parcels.geojson")),
            enterprises: Some(Source::path(z.join("enterprises.geojson"))),
            parks: Some(Source::path(z.join("parks.geojson"))),
        })
        .unwrap()
}

fn render(report: &AuditReport, options: &ReportOptions) -> String {
    let mut out = Vec::new();
    write_report_html(report, &mut out, options).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn the_report_carries_the_figures_the_map_and_the_parks_table() {
    let r = zone(Config::from_path(fixtures().join("zone/thresholds.toml")).unwrap());
    let html = render(&r, &ReportOptions::default());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"zh-CN\">"));
    // Self-contained: nothing fetched, no address of any kind (the script is inline).
    for needle in [
        "<link", "src=", "http:", "https:", "//cdn", "url(", "@import", "fetch(",
    ] {
        assert!(!html.contains(needle), "{needle}");
    }
    assert_eq!(
        html.matches("<script").count(),
        2,
        "the data and the script"
    );
    // Headline figures (fixtures/README.md).
    assert!(html.contains(">40<"), "parcels evaluated");
    assert!(html.contains("1,788.2 亩"), "grouped by thousands");
    assert!(html.contains("834.5 亩"));
    // The four parcels in no park, which the parks table does not add up to: 1788.17 mu in
    // all, 1608.19 in parks.
    assert!(html.contains("园区外 4 (180.0 亩)"), "outside parks");
    assert!(html.contains("46.7%")); // 834.526 / 1788.174
    assert!(html.contains(">2 / 4<"), "parks over the cap");
    // One SVG path per parcel, one per park, with a tooltip each.
    let map = &html[..html.find("</svg>").unwrap()];
    assert_eq!(map.matches("<path class=\"parcel ").count(), 40);
    // Each parcel's state as a class the map colours: 21 meet every minimum (fixtures/README.md).
    assert_eq!(map.matches("<path class=\"parcel s0 ").count(), 40 - 19);
    assert_eq!(html.matches("<path class=\"park\"").count(), 4);
    // Each of the four parks is wide enough for its label.
    assert_eq!(html.matches("<text class=\"label\"").count(), 4);
    assert!(html.contains(">K3 82.7%</text>"));
    assert!(
        html.contains("<title>P01-01 · 15.0 亩"),
        "tooltip of P01-01"
    );
    assert!(html.contains("class=\"scale\"") && html.contains("class=\"north\""));
    // Parks sorted by ratio, the two over the cap marked.
    let order: Vec<usize> = [
        ">K3</a></td>",
        ">K2</a></td>",
        ">K1</a></td>",
        ">K4</a></td>",
    ]
    .iter()
    .map(|k| html.find(k).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert_eq!(html.matches("<tr class=\"over\">").count(), 2);
    assert!(html.contains("82.7%") && html.contains("31.9%") && html.contains("23.7%"));
    // The worst parcels list the low ones: 19, capped at 20.
    let worst = &html[html.find("class=\"worst sortable\"").unwrap()..];
    let worst = &worst[..worst.find("</table>").unwrap()];
    assert_eq!(worst.matches("<tr>").count(), 1 + 19);
    // Thresholds used.
    // One format per money per mu: one decimal.
    assert!(html.contains("120.0 万元/亩") && html.contains("15.0 万元/亩"));
}

#[test]
fn english_labels_classes_and_rejections() {
    let mut config =
        Config::from_path(fixtures().join("profiles/zhejiang-huangyan-2022.toml")).unwrap();
    config.evaluation.as_mut().unwrap().min_land_mu = 0.0;
    let r = zone(config);
    let html = render(
        &r,
        &ReportOptions {
            lang: Lang::En,
            ..ReportOptions::default()
        },
    );
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Parks by low-efficiency ratio"));
    assert!(html.contains("Enterprise classes"));
    // Coloured by low-efficiency first, idle and not judged apart; the classes are a layer
    // with a legend of their own, hidden until chosen.
    let legend = &html[html.find("class=\"legend\"").unwrap()..];
    assert!(legend.starts_with("class=\"legend\" data-layer=\"state\">"));
    assert!(legend.contains(">no firm or zero output</span>") && legend.contains(">not judged"));
    let classes = &html[html.find("data-layer=\"class\" hidden>").unwrap()..];
    assert!(
        classes.starts_with(
            "data-layer=\"class\" hidden><span><i style=\"background:#1a9641\"></i>A</span>"
        ),
        "{}",
        &classes[..120]
    );
    assert!(html.contains("value=\"class\">Colour by firm class"));
    // The class D firms, each a link to its card.
    let d = &html[html.find("class=\"d-firms").unwrap()..];
    let d = &d[..d.find("</table>").unwrap()];
    let d_count = r
        .enterprises()
        .filter(|e| e.evaluation().and_then(|g| g.class).map(|c| c.as_str()) == Some("D"))
        .count();
    assert!(d_count > 0);
    assert_eq!(d.matches("href=\"#firm=").count(), d_count);

    let bad = Audit::new(Config::default())
        .run(&Inputs {
            parcels: Source::path(fixtures().join("bad/parcels.geojson")),
            enterprises: Some(Source::path(fixtures().join("bad/enterprises.geojson"))),
            parks: None,
        })
        .unwrap();
    let html = render(
        &bad,
        &ReportOptions {
            lang: Lang::En,
            ..ReportOptions::default()
        },
    );
    let table = &html[html.find("class=\"rejected\"").unwrap()..];
    assert!(
        table.contains("<td>parcels</td><td>invalid_geometry</td><td>3</td>"),
        "{}",
        &table[..600]
    );
    assert!(table.contains("<td>enterprises</td><td>unmatched</td><td>3</td>"));
    // The enterprises card counts as summary.json does: read = joined + unmatched + rejected.
    let s = &bad.summary.enterprises;
    // E10 (an above_scale of "maybe", used only in grading) is joined, not rejected.
    assert_eq!((s.joined, s.unmatched, s.rejected), (2, 4, 7));
    assert!(
        html.contains("2 joined · 4 unmatched · 7 rejected"),
        "{}",
        &html[html.find("class=\"cards\"").unwrap()..][..1500]
    );

    // Three examples a reason, and how many more rejected.csv holds.
    let csv = "enterprise_id,investment,output,lon,lat\n\
               N1,1,1,120,30\nN2,1,1,120,30\nN3,1,1,120,30\nN4,1,1,120,30\nN5,1,1,120,30\n";
    let many = Audit::new(Config::default())
        .run(&Inputs {
            parcels: Source::path(fixtures().join("bad/parcels.geojson")),
            enterprises: Some(Source::csv("e.csv", csv)),
            parks: None,
        })
        .unwrap();
    let html = render(&many, &ReportOptions::default());
    let table = &html[html.find("class=\"rejected\"").unwrap()..];
    // In words, not the code, in the Chinese page; each example its index and id.
    let row = &table[table
        .find("<td>企业</td><td>缺少属性</td><td>5</td>")
        .unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert_eq!(row.matches("#").count(), 3, "{row}");
    assert!(row.contains("… 另 2 条见 rejected.csv"), "{row}");
}

#[test]
fn large_audits_draw_a_grid_and_say_so() {
    let r = zone(Config::default());
    let html = render(
        &r,
        &ReportOptions {
            max_parcels_drawn: 10,
            ..ReportOptions::default()
        },
    );
    assert_eq!(html.matches("<path class=\"parcel\"").count(), 0);
    assert!(html.contains("地图按网格汇总"));
    assert!(html.contains("<g class=\"cells\">"));
    assert!(html.matches("<rect x=").count() >= 4);
}

#[test]
fn labels_of_parks_too_narrow_for_them_are_left_to_the_tooltip() {
    // 30 parks of 100 m in a row 30 km long: each is a few pixels wide on the map.
    let parks: Vec<String> = (0..30)
        .map(|i| {
            let x = 120.0 + f64::from(i) * 0.01;
            common::square(&format!("K{i}"), x, 30.0, 0.001, "").replace("parcel_id", "park_id")
        })
        .collect();
    // And one wide but 10 m tall: no room for a line of text either.
    let mut parks = parks;
    parks.push(
        r#"{"type":"Feature","properties":{"park_id":"FLAT"},"geometry":{"type":"Polygon","coordinates":[[[120.0,30.01],[120.29,30.01],[120.29,30.0101],[120.0,30.0101],[120.0,30.01]]]}}"#
            .to_string(),
    );
    let parcels = vec![common::square("P1", 120.0002, 30.0002, 0.0005, "")];
    let r = common::run(
        Config::default(),
        common::collection(&parcels),
        None,
        Some(common::collection(&parks)),
    );
    let html = render(&r, &ReportOptions::default());
    assert_eq!(html.matches("<path class=\"park\"").count(), 31);
    assert_eq!(html.matches("<text class=\"label\"").count(), 0);
    assert!(html.contains("<title>K7 "), "the tooltip names the park");
}

/// `parcel_by_id` and `enterprise_by_id` find every record a scan would, and nothing for an id
/// no record has (they look up a sorted index, not the list).
#[test]
fn lookups_by_id_find_what_a_scan_finds() {
    let r = zone(Config::default());
    assert!(r.parcel_count() > 10 && r.enterprise_count() > 10);
    for p in r.parcels() {
        assert_eq!(
            r.parcel_by_id(p.parcel_id()).map(|q| q.index()),
            Some(p.index())
        );
    }
    for e in r.enterprises() {
        assert_eq!(
            r.enterprise_by_id(e.id()).map(|f| f.index()),
            Some(e.index())
        );
    }
    for missing in ["", "no such id", "\u{10ffff}"] {
        assert!(r.parcel_by_id(missing).is_none());
        assert!(r.enterprise_by_id(missing).is_none());
    }
}

/// Warnings change how the figures read (a parcel in two parks counted in one, a rule for a
/// park the file lacks): the report says how many there are and where, not only warnings.csv.
#[test]
fn the_report_counts_the_warnings() {
    let plain = render(&zone(Config::default()), &ReportOptions::default());
    assert!(!plain.contains("warnings.csv"), "no warning, no line");
    let config =
        Config::from_toml("[[low_efficiency.rule]]\npark = \"NO-SUCH-PARK\"\nmin_tax_per_mu = 1\n")
            .unwrap();
    let r = zone(config);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    let html = render(&r, &ReportOptions::default());
    assert!(html.contains(">1 条提示见 warnings.csv"), "zh");
    let html = render(
        &r,
        &ReportOptions {
            lang: Lang::En,
            ..ReportOptions::default()
        },
    );
    assert!(html.contains(">1 warnings in warnings.csv"), "en");
}

/// `[report]` heads the page in place of a file path; the script's data is one JSON blob
/// with a record per parcel path, in the map's order, which no text in it can break out of.
#[test]
fn the_heading_and_the_data_the_script_reads() {
    let config =
        Config::from_toml("[report]\ntitle = \"苏州工业园区 </script>\"\nyear = 2024\n").unwrap();
    let options = ReportOptions::from_config(&config.report, Lang::Zh);
    let html = render(&zone(config), &options);
    assert!(html.contains("<h1>苏州工业园区 &lt;/script&gt;</h1>"));
    assert!(html.contains("2024 年度"));
    assert!(
        !html.contains("parcels.geojson"),
        "no file path in the header"
    );
    let start = html.find("id=\"report-data\">").unwrap() + "id=\"report-data\">".len();
    let blob = &html[start..start + html[start..].find("</script>").unwrap()];
    let data: serde_json::Value = serde_json::from_str(blob).unwrap();
    let parcels = data["p"].as_array().unwrap();
    let map = &html[..html.find("</svg>").unwrap()];
    assert_eq!(parcels.len(), map.matches("<path class=\"parcel ").count());
    // The map's first path is the blob's first parcel.
    let first = &html[html.find("<path class=\"parcel ").unwrap()..];
    let id = parcels[0]["id"].as_str().unwrap();
    assert!(first[..first.find("</path>").unwrap()].contains(&format!("<title>{id} ")));
    // Reasons are indices into the words of the page's language.
    let reasons = data["reasons"].as_array().unwrap();
    assert_eq!(reasons[1], "亩均税收低于最低值");
    assert_eq!(data["parks"].as_array().unwrap().len(), 4);
}

/// The JSON a `report_files/` script passes to its function: `LE_tile(7,{..});` → `{..}`.
fn script_json(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    let open = text.find('{').unwrap();
    let close = text.rfind('}').unwrap();
    serde_json::from_str(&text[open..=close]).unwrap()
}

/// Past `max_parcels_drawn`, `write_all` writes the parcels beside the page: every parcel
/// and firm in exactly one tile, under its index in the audit, and every id listed with the
/// tile that holds it; a later audit small enough for one page removes the folder.
#[test]
fn a_large_report_writes_its_parcels_beside_it_and_a_small_one_removes_them() {
    use land_efficiency::{WriteOptions, write_all};
    let r = zone(Config::default());
    let out = tempfile::tempdir().unwrap();
    let mut options = WriteOptions::default();
    options.report.max_parcels_drawn = 10;
    let written = write_all(&r, out.path(), &options).unwrap();
    let files = out.path().join("report_files");
    assert!(written.contains(&files));
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    let start = html.find("id=\"report-data\">").unwrap() + "id=\"report-data\">".len();
    let blob: serde_json::Value =
        serde_json::from_str(&html[start..start + html[start..].find("</script>").unwrap()])
            .unwrap();
    // Zoomed out the grid's legend shows; the parcels' waits for them to be drawn.
    assert!(html.contains("data-layer=\"grid\">") && html.contains("data-layer=\"state\" hidden>"));
    let tiling = &blob["files"];
    assert_eq!(tiling["dir"], "report_files");
    assert_eq!(tiling["np"], r.parcel_count());
    let (cols, rows) = (
        tiling["cols"].as_u64().unwrap(),
        tiling["rows"].as_u64().unwrap(),
    );
    let counts: Vec<u64> = (tiling["n"].as_array().unwrap().iter())
        .map(|n| n.as_u64().unwrap())
        .collect();
    assert_eq!(counts.len() as u64, cols * rows);
    // Each parcel once, at its index, in the tile the blob counts it in.
    let mut parcel_tile = std::collections::HashMap::new();
    let mut firm_tile = std::collections::HashMap::new();
    for t in 0..=cols * rows {
        let path = files.join(format!("t{t}.js"));
        if !path.exists() {
            assert!(t == cols * rows || counts[t as usize] == 0, "tile {t}");
            continue;
        }
        let tile = script_json(&path);
        let parcels = tile["p"].as_array().unwrap();
        if t < cols * rows {
            assert_eq!(parcels.len() as u64, counts[t as usize], "tile {t}");
        }
        for p in parcels {
            let i = p["i"].as_u64().unwrap() as usize;
            assert_eq!(p["id"], r.parcel(i).parcel_id());
            assert!(p["d"].as_str().unwrap().starts_with('M'));
            assert!(parcel_tile.insert(i, t).is_none(), "parcel {i} twice");
        }
        for e in tile["e"].as_array().unwrap() {
            let j = e["j"].as_u64().unwrap() as usize;
            assert!(firm_tile.insert(j, t).is_none(), "firm {j} twice");
        }
    }
    assert_eq!(parcel_tile.len(), r.parcel_count());
    assert_eq!(firm_tile.len(), r.enterprise_count());
    // The id files send each id to the tile holding it.
    let mut listed = 0;
    for s in 0..tiling["shards"].as_u64().unwrap() {
        let ids = script_json(&files.join(format!("i{s}.js")));
        for pair in ids["p"].as_array().unwrap() {
            let id = pair[0].as_str().unwrap();
            let i = (0..r.parcel_count())
                .find(|&i| r.parcel(i).parcel_id() == id)
                .unwrap();
            assert_eq!(pair[1].as_u64().unwrap(), parcel_tile[&i], "{id}");
            listed += 1;
        }
    }
    assert_eq!(listed, r.parcel_count());
    // A report that fits the page leaves no folder of another audit's parcels.
    write_all(&r, out.path(), &WriteOptions::default()).unwrap();
    assert!(!files.exists());
}
