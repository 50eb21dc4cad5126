//! The one-off audit: parcels, enterprises and parks in; per-mu figures, low-efficiency land
//! and park ratios out.
//!
//! ```text
//! cargo run --release --example audit                      # the bundled fixtures → ./audit-out/
//! cargo run --release --example audit -- --parcels zd.geojson --enterprises qy.csv \
//!     --parks yq.geojson --config thresholds.toml --out result/
//! ```
//!
//! Exit codes: 0 success, 1 bad input (a file that cannot be read, a malformed file, a bad
//! record with --strict, a run that audited no parcel: none in the file, or all rejected, an
//! input wrong as a whole: most of a layer rejected or unmatched, a mapped column absent,
//! layers apart, unless `--allow-suspect`), 2 usage. A summary that cannot be printed (a full
//! disk) is 1 too, the outputs written, as they are for a run that audited no parcel or one
//! wrong as a whole; a reader that leaves early (`audit | head`) is not an error.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use land_efficiency::{AreaMethod, OutputCrs};
use land_efficiency::{Audit, AuditReport, Config, Crs, Inputs, PreviousAudit, Source};
use land_efficiency::{Format, Lang, WriteOptions, write_all_with_text};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/zone");

/// Audit industrial land per mu (亩均): which parcels are low-efficiency land (低效用地), and
/// each park's low-efficiency ratio against its cap.
///
/// With no arguments, audits the bundled fixture zone into ./audit-out/.
#[derive(Parser, Debug)]
#[command(
    name = "audit",
    version,
    after_help = "EXAMPLES:\n  audit\n      audit the bundled fixtures into ./audit-out/\n  \
audit --parcels zd.geojson --enterprises qy.csv --parks yq.geojson --out result/\n      \
audit your own zone with the default thresholds\n  \
audit --parcels zd_4549.geojson --crs EPSG:4549 --config thresholds.toml\n      \
parcels in CGCS2000 3-degree Gauss-Krüger CM 120E with no crs member\n\n\
EXIT CODES:\n  0  success\n  1  bad input (unreadable or malformed file, a file's unknown CRS, a bad record with --strict, a --previous audit that cannot be compared with this one, another audit writing --out; no parcel audited, or an input wrong as a whole without --allow-suspect: the outputs are then written)\n  2  usage (an unknown option or value, --crs included)"
)]
struct Args {
    /// Parcels (宗地): Polygon/MultiPolygon with a `parcel_id` property (or as mapped in
    /// [fields]) as GeoJSON, a Shapefile (.shp, or a .zip of one), a GeoPackage table
    /// ("zd.gpkg|layername=ZD"), GeoParquet (`parquet` feature) or any source GDAL reads
    /// (`gdal` feature: "dc.gdb|layername=DCDYTB"), e.g. --parcels zd.geojson.
    #[arg(long, value_name = "FILE")]
    parcels: Option<PathBuf>,

    /// Enterprises: points in any of the parcels' formats, or a table (CSV, an Excel or
    /// OpenDocument sheet with "qy.xlsx|layername=2024" naming one, a GeoPackage attribute
    /// table) with lon,lat columns (or a parcel_id column); tax, investment, output in 万元,
    /// e.g. --enterprises qy.csv.
    #[arg(long, value_name = "FILE")]
    enterprises: Option<PathBuf>,

    /// Parks (园区): Polygon/MultiPolygon with park_id and name, in any of the parcels' formats,
    /// e.g. --parks yq.geojson.
    #[arg(long, value_name = "FILE")]
    parks: Option<PathBuf>,

    /// Thresholds and field mapping (TOML, see fixtures/zone/thresholds.toml), e.g.
    /// --config thresholds.toml. Default: the built-in defaults (120/15/200 万元/亩, plot ratio
    /// 1.0, park cap 30%).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Output folder, created if missing, e.g. --out result/. Its ten files are replaced as one
    /// set, one run at a time (docs/outputs.md).
    #[arg(long, value_name = "DIR", default_value = "audit-out")]
    out: PathBuf,

    /// CRS of every input, overriding the files' crs members, e.g. --crs EPSG:4549,
    /// --crs urn:ogc:def:crs:EPSG::4528, --crs GCJ-02.
    #[arg(long, value_name = "CRS")]
    crs: Option<String>,

    /// Area method, overriding [area] method: auto (geodesic for lon/lat input, planar in the
    /// input plane for projected input), geodesic, planar or recorded (the land_area property),
    /// e.g. --area geodesic.
    #[arg(long, value_name = "METHOD", value_parser = ["auto", "geodesic", "planar", "recorded"])]
    area: Option<String>,

    /// The previous year's output folder (its parcels.csv and enterprises.csv): report which
    /// parcels became low-efficiency or recovered, and each enterprise's class history,
    /// e.g. --previous audit-2023/. Given more than once (or a folder of audit folders), the
    /// audits are ordered by their year and give growth and three-year averages,
    /// e.g. --previous audit-2022/ --previous audit-2023/.
    #[arg(long, value_name = "DIR")]
    previous: Vec<PathBuf>,

    /// The evaluation's adjustments table (加分/减分 items and forced classes: enterprise_id,
    /// item, points or action, note), overriding [evaluation] adjustments; needs
    /// [evaluation] in the config, e.g. --adjustments jiajian.csv.
    #[arg(long, value_name = "FILE")]
    adjustments: Option<PathBuf>,

    /// Write the output GeoJSON in GCJ-02 for AMap/Tencent viewers instead of WGS84.
    #[arg(long)]
    gcj02: bool,

    /// Formats of the map layers (parcels, parks), a comma list of geojson, fgb (FlatGeobuf)
    /// and parquet (GeoParquet, the `parquet` feature), e.g. --format geojson,fgb, overriding
    /// [output] formats. Default: the config's, else geojson.
    #[arg(long, value_name = "LIST")]
    format: Option<String>,

    /// Language of report.html: zh (中文, the default) or en, e.g. --lang en.
    #[arg(long, value_name = "LANG", value_parser = ["zh", "en"], default_value = "zh")]
    lang: String,

    /// Stop at the first bad record instead of rejecting it into rejected.csv.
    #[arg(long)]
    strict: bool,

    /// Publish an audit whose input is wrong as a whole (most of a layer rejected or
    /// unmatched, a mapped column absent, layers apart) with exit 0, its suspicions listed in
    /// summary.json: for when you have looked and accept it ([checks] allow_suspect).
    #[arg(long)]
    allow_suspect: bool,

    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Input(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
        Err(Failure::Print(e)) => {
            eprintln!("error: the outputs are written, but the summary cannot be printed: {e}");
            ExitCode::from(1)
        }
        Err(Failure::NotAnAnswer(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

enum Failure {
    Usage(String),
    Input(land_efficiency::Error),
    Print(std::io::Error),
    /// Every parcel was rejected (or there was none), or an input is wrong as a whole: the
    /// outputs are written, but they are no answer, which a script must not take for success.
    NotAnAnswer(String),
}

impl From<land_efficiency::Error> for Failure {
    fn from(e: land_efficiency::Error) -> Self {
        match e {
            land_efficiency::Error::Usage(m) => Failure::Usage(m),
            other => Failure::Input(other),
        }
    }
}

fn run(args: &Args) -> Result<(), Failure> {
    let fixtures = Path::new(FIXTURES);
    let bundled = args.parcels.is_none();
    if bundled && (args.enterprises.is_some() || args.parks.is_some()) {
        return Err(Failure::Usage(
            "--enterprises and --parks need --parcels".into(),
        ));
    }
    // `audit --config mine.toml --out result/` would otherwise put the fixture zone's
    // figures in result/ without a word.
    if bundled
        && !args.quiet
        && (args.config.is_some() || args.crs.is_some() || !args.previous.is_empty())
    {
        eprintln!(
            "note: no --parcels given: auditing the bundled fixture zone ({})",
            fixtures.display()
        );
    }
    let parcels = args
        .parcels
        .clone()
        .unwrap_or_else(|| fixtures.join("parcels.geojson"));
    let enterprises = if bundled {
        Some(fixtures.join("enterprises.geojson"))
    } else {
        args.enterprises.clone()
    };
    let parks = if bundled {
        Some(fixtures.join("parks.geojson"))
    } else {
        args.parks.clone()
    };
    let config_path = match (&args.config, bundled) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => Some(fixtures.join("thresholds.toml")),
        (None, false) => None,
    };
    let mut config = match &config_path {
        Some(p) => Config::from_path(p)?,
        None => Config::default(),
    };
    config.checks.allow_suspect |= args.allow_suspect;
    if let Some(table) = &args.adjustments {
        let Some(evaluation) = config.evaluation.as_mut() else {
            return Err(Failure::Usage(
                "--adjustments needs a config with [evaluation]: bonus and penalty items \
                 adjust the composite score"
                    .into(),
            ));
        };
        evaluation.adjustments = Some(table.clone());
    }
    let adjustments = config
        .evaluation
        .as_ref()
        .and_then(|e| e.adjustments.clone());
    if let Some(method) = &args.area {
        config.area.method = match method.as_str() {
            "geodesic" => AreaMethod::Geodesic,
            "planar" => AreaMethod::Planar,
            "recorded" => AreaMethod::Recorded,
            _ => AreaMethod::Auto,
        };
    }
    let crs = match &args.crs {
        Some(name) => Some(
            Crs::parse(name)
                .and_then(|c| c.to_wgs84().map(|_| c))
                .map_err(|e| Failure::Usage(format!("--crs: {}", crs_message(e))))?,
        ),
        None => None,
    };
    // What the config says of the outputs ([output] formats, [crs] output, [report]), the
    // options given overriding it.
    let lang = if args.lang == "en" {
        Lang::En
    } else {
        Lang::Zh
    };
    let mut write_options = WriteOptions::from_config(&config, lang);
    if args.gcj02 {
        write_options.crs = OutputCrs::Gcj02;
    }
    if let Some(list) = &args.format {
        write_options.formats =
            Format::parse_list(list).map_err(|e| Failure::Usage(format!("--format: {e}")))?;
    }
    let inputs = Inputs {
        parcels: Source::path(parcels),
        enterprises: enterprises.map(Source::path),
        parks: parks.map(Source::path),
    };
    let verbose = !args.quiet;
    let show_progress = verbose && std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut previous = Vec::new();
    for dir in previous_folders(&args.previous)? {
        previous.push(PreviousAudit::from_dir(dir)?);
    }
    let fields = (
        config.fields.parcel_id.clone(),
        config.fields.land_area.clone(),
    );
    let mut audit = Audit::new(config)
        .strict(args.strict)
        .crs(crs)
        .previous_audits(previous)?;
    let bar = show_progress.then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {elapsed:>4} {msg} {wide_bar} {bytes}/{total_bytes}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    if let Some(bar) = &bar {
        let bar = bar.clone();
        audit = audit.on_progress(move |stage, what, bytes| match bytes {
            Some((done, total)) => {
                bar.set_length(total);
                bar.set_position(done);
            }
            None => {
                bar.set_position(0);
                bar.set_length(0);
                bar.set_message(format!("{} {what}", format!("{stage:?}").to_lowercase()));
            }
        });
    }
    // Parcels' properties and firms' names stay in the input files and are read back as the
    // outputs are written: a province's properties would otherwise be held as text.
    let (mut report, texts) = audit.run_leaving_text(&inputs)?;
    if let Some(bar) = &bar {
        bar.set_message(format!("write {}", args.out.display()));
    }
    let t = Instant::now();
    let options = WriteOptions {
        // The files read (and --previous's tables) are refused by the report itself; the
        // config is not a layer, and a config kept in --out under an output's name would be
        // overwritten.
        inputs: config_path.iter().cloned().chain(adjustments).collect(),
        ..write_options
    };
    write_all_with_text(&report, &texts, &args.out, &options)?;
    report.times.write = t.elapsed();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if verbose {
        let mut stdout = std::io::stdout().lock();
        match print_summary(
            &mut stdout,
            &report,
            &args.out,
            started.elapsed().as_secs_f64(),
        )
        .and_then(|()| stdout.flush())
        {
            // `audit | head`: the reader has what it wanted, and the outputs are written.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Err(e) => return Err(Failure::Print(e)),
            Ok(()) => {}
        }
    }
    if let Some(why) = nothing_evaluated(&report, &fields) {
        return Err(Failure::NotAnAnswer(format!(
            "{}: {why}; the outputs are in {} (rejected.csv lists every parcel and why)",
            inputs.parcels.name().display(),
            args.out.display()
        )));
    }
    let summary = &report.summary;
    if summary.refused() {
        let list: Vec<String> = (summary.suspicions.iter())
            .map(|s| format!("  - {} ({}): {}", s.layer, s.code, s.message))
            .collect();
        return Err(Failure::NotAnAnswer(format!(
            "the input is wrong as a whole, so these figures are not an answer:\n{}\nThe \
             outputs are in {} (summary.json lists these, rejected.csv every record left \
             out). Correct the input, or if you have looked and accept it, run again with \
             --allow-suspect",
            list.join("\n"),
            args.out.display()
        )));
    }
    if verbose {
        for s in &summary.suspicions {
            eprintln!(
                "warning: accepted with --allow-suspect: {} ({}): {}",
                s.layer, s.code, s.message
            );
        }
    }
    Ok(())
}

/// Why no parcel was evaluated, with the first parcel's reason and what usually causes it;
/// `None` when some were. `fields` are the property names of the parcels' id and recorded
/// area.
fn nothing_evaluated(
    report: &AuditReport,
    (id_field, area_field): &(String, String),
) -> Option<String> {
    let s = &report.summary.parcels;
    if s.evaluated > 0 {
        return None;
    }
    if s.read == 0 {
        return Some("no parcel was audited: the parcels file has no features".into());
    }
    let first = report
        .rejected
        .iter()
        .find(|r| r.layer == land_efficiency::Layer::Parcels)?;
    let hint = match (first.code, first.property.as_deref()) {
        ("missing_property", Some(p)) if p == id_field && p == "parcel_id" => {
            ". If the parcels' id is under another name (宗地代码 is often ZDDM, or OBJECTID), \
             map it in the config: [fields] parcel_id = \"ZDDM\"; or number them with [fields] \
             missing_id = \"index\""
        }
        ("missing_property", Some(p)) if p == id_field => {
            ". The config maps the id to that property ([fields] parcel_id): check its name \
             in the file, or number the parcels with [fields] missing_id = \"index\""
        }
        ("missing_property", Some(p)) if p == area_field => {
            ". The recorded area (--area recorded, or [area] method = \"recorded\") is read \
             from that property: map the one the file has with [fields] land_area = \"ZDMJ\", \
             or measure the areas instead (leave --area out)"
        }
        ("coordinate_out_of_range" | "reproject", _) => {
            ". Check the CRS: --crs EPSG:N, or the file's crs member, must be the one its \
             coordinates are in"
        }
        _ => "",
    };
    Some(format!(
        "no parcel was audited: all {} were rejected; the first, feature {}: {}{hint}",
        s.read, first.index, first.reason
    ))
}

fn print_summary(
    w: &mut impl Write,
    report: &AuditReport,
    out: &Path,
    seconds: f64,
) -> std::io::Result<()> {
    let s = &report.summary;
    writeln!(
        w,
        "parcels:     {} read, {} evaluated, {} rejected",
        s.parcels.read, s.parcels.evaluated, s.parcels.rejected
    )?;
    writeln!(
        w,
        "enterprises: {} read, {} joined, {} unmatched ({} in several parcels), {} rejected",
        s.enterprises.read,
        s.enterprises.joined,
        s.enterprises.unmatched,
        s.enterprises.ambiguous,
        s.enterprises.rejected
    )?;
    writeln!(
        w,
        "parks:       {} read, {} evaluated, {} rejected",
        s.park_features.read, s.park_features.evaluated, s.park_features.rejected
    )?;
    writeln!(
        w,
        "area {:.4} mu; low-efficiency {} parcels, {:.4} mu ({}); idle {}; outside parks {}",
        s.total_area_mu,
        s.low_efficiency_count,
        s.low_efficiency_area_mu,
        s.low_efficiency_ratio
            .map_or("-".into(), |r| format!("{:.2}%", r * 100.0)),
        s.idle_count,
        s.outside_parks_count
    )?;
    if s.unjudged_count > 0 {
        writeln!(
            w,
            "not judged {} parcels, {:.4} mu: a firm on each was left out (warnings.csv names \
             it); they are not in the ratios",
            s.unjudged_count, s.unjudged_area_mu
        )?;
    }
    if let Some(classes) = &s.classes {
        for (group, counts) in classes {
            let line: Vec<String> = counts.iter().map(|(c, n)| format!("{c} {n}")).collect();
            writeln!(w, "classes {group}: {}", line.join(", "))?;
        }
    }
    if let (Some(previous), Some(changes)) = (&s.previous, &s.changes) {
        let line: Vec<String> = changes.iter().map(|(c, n)| format!("{c} {n}")).collect();
        writeln!(
            w,
            "since the previous audit ({}): {}",
            previous.files.join(", "),
            line.join(", ")
        )?;
    }
    // Warnings about the run as a whole (a previous audit that covers few of the parcels);
    // those about one record are in warnings.csv.
    for warning in report.warnings.iter().filter(|w| w.index == usize::MAX) {
        writeln!(w, "warning: {}", warning.message)?;
    }
    for k in &s.parks {
        writeln!(
            w,
            "  park {} {} {:>6} parcels {:>12.4} mu  low {:>7}{}{}",
            pad(&k.park_id, 8),
            pad(k.name.as_deref().unwrap_or(""), 24),
            k.parcel_count,
            k.area_mu,
            k.low_efficiency_ratio
                .map_or("-".into(), |r| format!("{:.2}%", r * 100.0)),
            if k.over_cap { "  OVER CAP" } else { "" },
            if k.unjudged_count > 0 {
                format!("  ({} not judged)", k.unjudged_count)
            } else {
                String::new()
            }
        )?;
        if let Some(rank) = k.rank_tax_per_mu {
            writeln!(w, "    rank {rank} by {}", per_mu_line(&k.rollup, k.trend))?;
        }
    }
    writeln!(w, "zone: {}", per_mu_line(&s.zone.rollup, s.zone.trend))?;
    let t = &report.times;
    writeln!(
        w,
        "wrote {} in {seconds:.2} s (read {:.2}, index {:.2}, join {:.2}, evaluate {:.2}, write {:.2})",
        out.display(),
        t.read.as_secs_f64(),
        t.index.as_secs_f64(),
        t.join.as_secs_f64(),
        t.evaluate.as_secs_f64(),
        t.write.as_secs_f64()
    )?;
    Ok(())
}

/// `text` padded with spaces to `columns` terminal columns: a Chinese character takes two, so
/// `format!("{:<24}")`, which counts characters, leaves the columns after a name out of line.
fn pad(text: &str, columns: usize) -> String {
    let width = unicode_width::UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(columns.saturating_sub(width)))
}

/// What a CRS error says, naming the CRS once: PROJ's messages do not name it, proj4rs's do.
fn crs_message(e: land_efficiency::Error) -> String {
    match e {
        land_efficiency::Error::CrsUnusable { message, crs, .. } if message.contains(&crs) => {
            message
        }
        land_efficiency::Error::CrsUnusable { message, crs, .. } => format!("{crs}: {message}"),
        other => other.to_string(),
    }
}

/// The audit folders of `--previous`: each one given, or, for a folder holding no parcels.csv
/// but folders that do (a folder of audits), those folders in name order.
fn previous_folders(given: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let mut folders = Vec::new();
    for dir in given {
        if !dir.is_dir() {
            return Err(Failure::Usage(format!(
                "--previous {}: not a folder; give the output folder of an earlier audit (the \
                 one holding its parcels.csv)",
                dir.display()
            )));
        }
        if dir.join("parcels.csv").is_file() {
            folders.push(dir.clone());
            continue;
        }
        let mut inner: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|entries| entries.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        inner.retain(|d| d.join("parcels.csv").is_file());
        inner.sort();
        if inner.is_empty() {
            return Err(Failure::Usage(format!(
                "--previous {}: no parcels.csv there, nor in a folder inside it; give the \
                 output folder of an earlier audit",
                dir.display()
            )));
        }
        folders.extend(inner);
    }
    Ok(folders)
}

/// A roll-up's per-mu figures on one line, with growth since the last audit when known.
fn per_mu_line(r: &land_efficiency::Rollup, trend: Option<land_efficiency::Trend>) -> String {
    let f = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.2}"));
    let growth = trend
        .and_then(|t| t.tax_per_mu_growth)
        .map_or(String::new(), |g| {
            format!(" ({:+.1}% on the last audit)", g * 100.0)
        });
    format!(
        "tax/mu {}{growth}, output/mu {}, investment/mu {} (万元/亩), plot ratio {}",
        f(r.tax_per_mu),
        f(r.output_per_mu),
        f(r.investment_per_mu),
        f(r.plot_ratio)
    )
}
