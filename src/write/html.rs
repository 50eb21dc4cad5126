//! `report.html`: one self-contained page for people — headline figures, a map drawn as inline
//! SVG, the parks sorted by ratio against the cap, the worst parcels, the rejected records by
//! reason, and the thresholds used. No network fetches: styles are inline, the map is SVG with
//! native tooltips (each parcel's `<title>`), and nothing is scripted.
//!
//! Large audits stay usable: above [`ReportOptions::max_parcels_drawn`] parcels the map draws a
//! grid of cells coloured by their low-efficiency area share instead of every parcel, and says
//! so on the page.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use super::geojson::{parcel_fill, style};
use crate::parcel::Class;
use crate::results::{AuditReport, ParcelResult, Summary};
use crate::schema::{Cell, parcel_column};
use crate::shapes::ShapeRef;

/// The language of the report's labels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// 中文 (the default).
    #[default]
    Zh,
    /// English.
    En,
}

/// How to render the report.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Label language.
    pub lang: Lang,
    /// Above this many parcels the map shows a grid of cells instead of every parcel.
    pub max_parcels_drawn: usize,
    /// How many of the worst parcels to list.
    pub worst: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            lang: Lang::Zh,
            max_parcels_drawn: 20_000,
            worst: 20,
        }
    }
}

/// The report's words in both languages.
struct Words {
    lang: &'static str,
    title: &'static str,
    parcels: &'static str,
    rejected: &'static str,
    unmatched: &'static str,
    more_before: &'static str,
    more_after: &'static str,
    area: &'static str,
    low_area: &'static str,
    low_count: &'static str,
    idle: &'static str,
    outside_parks: &'static str,
    warnings: &'static str,
    suspect: &'static str,
    suspect_accepted: &'static str,
    parks_over: &'static str,
    enterprises: &'static str,
    joined: &'static str,
    map: &'static str,
    legend_ok: &'static str,
    legend_low: &'static str,
    legend_contract: &'static str,
    legend_idle: &'static str,
    legend_unjudged: &'static str,
    unjudged: &'static str,
    legend_park: &'static str,
    legend_park_over: &'static str,
    aggregated: &'static str,
    parks_table: &'static str,
    park: &'static str,
    name: &'static str,
    count: &'static str,
    records: &'static str,
    ratio: &'static str,
    over_cap: &'static str,
    cap: &'static str,
    worst: &'static str,
    parcel: &'static str,
    tax: &'static str,
    investment: &'static str,
    output: &'static str,
    plot_ratio: &'static str,
    reasons: &'static str,
    rejected_title: &'static str,
    layer: &'static str,
    code: &'static str,
    examples: &'static str,
    none: &'static str,
    thresholds: &'static str,
    minimum: &'static str,
    rules: &'static str,
    classes: &'static str,
    crs: &'static str,
    mu: &'static str,
    yes: &'static str,
    no: &'static str,
    no_parcels: &'static str,
    year_on_year: &'static str,
    previous_audit: &'static str,
    matched: &'static str,
    changes: [&'static str; 8],
}

/// The `changes` of `summary.json` in the order the year-on-year table lists them.
const CHANGES: [&str; 8] = [
    "became_low",
    "recovered",
    "still_low",
    "still_ok",
    "new",
    "unjudged",
    "gone",
    "gone_low",
];

const ZH: Words = Words {
    lang: "zh-CN",
    title: "亩均效益与低效用地审计报告",
    parcels: "宗地",
    rejected: "剔除",
    unmatched: "未关联",
    more_before: "另",
    more_after: "条见 rejected.csv",
    area: "总面积",
    low_area: "低效用地面积",
    low_count: "低效宗地",
    idle: "闲置宗地",
    outside_parks: "园区外",
    warnings: "条提示见 warnings.csv（如园区重叠、面积与登记不符）",
    suspect: "输入数据整体有误，本页数字不能作为审计结论发布（原因如下，详见 summary.json 与 rejected.csv）：",
    suspect_accepted: "输入数据整体存疑，已由使用者明确接受（--allow-suspect）后发布：",
    parks_over: "超过上限的园区",
    enterprises: "企业",
    joined: "已关联",
    map: "地图",
    legend_ok: "达标",
    legend_low: "低效（指标未达标）",
    legend_contract: "低效（未达合同约定）",
    legend_idle: "闲置",
    legend_unjudged: "未判定（有企业记录被剔除或跨宗地）",
    unjudged: "未判定",
    legend_park: "园区边界",
    legend_park_over: "园区（超过上限）",
    aggregated: "宗地数量较多，地图按网格汇总：每格颜色表示格内低效用地面积占比",
    parks_table: "园区低效用地占比（按占比排序）",
    park: "园区",
    name: "名称",
    count: "宗地数",
    records: "记录数",
    ratio: "低效占比",
    over_cap: "超上限",
    cap: "上限",
    worst: "最差的低效宗地",
    parcel: "宗地",
    tax: "亩均税收",
    investment: "亩均投资",
    output: "亩均产出",
    plot_ratio: "容积率",
    reasons: "原因",
    rejected_title: "剔除记录（按原因汇总）",
    layer: "图层",
    code: "原因代码",
    examples: "示例",
    none: "无",
    thresholds: "所用阈值",
    minimum: "最低值",
    rules: "覆盖规则",
    classes: "企业综合评价等级",
    crs: "坐标系",
    mu: "亩",
    yes: "是",
    no: "否",
    no_parcels: "无宗地",
    year_on_year: "与上年比较",
    previous_audit: "上年审计",
    matched: "本次宗地见于上年审计",
    changes: [
        "新转为低效",
        "脱离低效",
        "仍为低效",
        "仍达标",
        "本年新增宗地",
        "本年或上年未判定（企业记录缺失）",
        "上年有、本年未评价的宗地",
        "其中上年为低效",
    ],
};

const EN: Words = Words {
    lang: "en",
    title: "Per-mu land audit: low-efficiency land",
    parcels: "Parcels",
    rejected: "rejected",
    unmatched: "unmatched",
    more_before: "and",
    more_after: "more in rejected.csv",
    area: "Total area",
    low_area: "Low-efficiency area",
    low_count: "Low-efficiency parcels",
    idle: "Idle parcels",
    outside_parks: "outside parks",
    warnings: "warnings in warnings.csv (parks overlapping, areas off the recorded ones, …)",
    suspect: "The input is wrong as a whole: the figures on this page are not an audit's answer and must not be published as one (why, below; summary.json and rejected.csv hold the details):",
    suspect_accepted: "The input is suspect as a whole, and was published knowingly (--allow-suspect):",
    parks_over: "Parks over the cap",
    enterprises: "Enterprises",
    joined: "joined",
    map: "Map",
    legend_ok: "meets every minimum",
    legend_low: "low-efficiency (a minimum missed)",
    legend_contract: "low-efficiency (contract missed)",
    legend_idle: "idle",
    legend_unjudged: "not judged (a firm's record left out)",
    unjudged: "not judged",
    legend_park: "park boundary",
    legend_park_over: "park over the cap",
    aggregated: "Too many parcels to draw one by one: the map shows a grid, each cell coloured by the share of its area that is low-efficiency",
    parks_table: "Parks by low-efficiency ratio",
    park: "Park",
    name: "Name",
    count: "Parcels",
    records: "Records",
    ratio: "Low-efficiency ratio",
    over_cap: "Over cap",
    cap: "cap",
    worst: "Worst low-efficiency parcels",
    parcel: "Parcel",
    tax: "Tax/mu",
    investment: "Investment/mu",
    output: "Output/mu",
    plot_ratio: "Plot ratio",
    reasons: "Reasons",
    rejected_title: "Rejected records by reason",
    layer: "Layer",
    code: "Code",
    examples: "Examples",
    none: "none",
    thresholds: "Thresholds used",
    minimum: "minimum",
    rules: "Override rules",
    classes: "Enterprise classes",
    crs: "Coordinate systems",
    mu: "mu",
    yes: "yes",
    no: "no",
    no_parcels: "no parcels",
    year_on_year: "Year on year",
    previous_audit: "Previous audit",
    matched: "this audit's parcels found in it",
    changes: [
        "Became low-efficiency",
        "Recovered",
        "Still low-efficiency",
        "Still meeting the minimums",
        "New this year",
        "Not judged this year or last (a firm's record left out)",
        "Last year's parcels not evaluated this year",
        "of them low-efficiency last year",
    ],
};

/// A reason's name in the report's language.
fn reason_label(r: crate::rules::Reason, lang: Lang) -> &'static str {
    use crate::rules::Reason::*;
    if lang == Lang::En {
        return r.as_str();
    }
    match r {
        Investment => "投资强度",
        Tax => "亩均税收",
        Output => "亩均产出",
        PlotRatio => "容积率",
        Idle => "闲置",
        ContractInvestment => "未达合同投资",
        ContractTax => "未达合同税收",
        ContractOutput => "未达合同产出",
        ContractPlotRatio => "未达合同容积率",
        RepeatedClassD => "连续D类",
    }
}

/// Escapes text for HTML and SVG.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

fn pct(r: Option<f64>) -> String {
    r.map_or("—".into(), |r| format!("{:.1}%", r * 100.0))
}

/// A park's ratio, told apart from the cap (see [`super::ratio_percent`]).
fn park_pct(r: Option<f64>, cap: f64) -> String {
    r.map_or("—".into(), |r| super::ratio_percent(r, cap))
}

fn num(v: f64, decimals: usize) -> String {
    if v.is_finite() {
        format!("{v:.decimals$}")
    } else {
        "—".into()
    }
}

/// A number with thousands separators, for the headline figures: `32,335,997.5`.
fn grouped(v: f64, decimals: usize) -> String {
    let text = num(v, decimals);
    let (sign, rest) = text.split_at(usize::from(text.starts_with('-')));
    let (int, frac) = rest.split_at(rest.find('.').unwrap_or(rest.len()));
    if !int.bytes().all(|b| b.is_ascii_digit()) {
        return text;
    }
    let mut out = String::from(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out + frac
}

/// Width of a map label in SVG units: 12 px bold, CJK characters about twice as wide.
fn label_width(label: &str) -> f64 {
    label
        .chars()
        .map(|c| if c.is_ascii() { 7.5 } else { 13.0 })
        .sum::<f64>()
        + 4.0
}

/// The tallest the map is drawn, in SVG units (its width is 1000).
const MAX_MAP_HEIGHT: f64 = 1400.0;

/// Maps lon/lat to SVG units: equirectangular, x scaled by cos(mid latitude), north up.
struct Frame {
    lon0: f64,
    lat1: f64,
    k: f64,
    cos: f64,
    width: f64,
    height: f64,
}

impl Frame {
    fn new(min: (f64, f64), max: (f64, f64)) -> Frame {
        let width = 1000.0;
        let cos = ((min.1 + max.1) / 2.0).to_radians().cos().max(0.01);
        let w = ((max.0 - min.0) * cos).max(1e-9);
        let h = (max.1 - min.1).max(1e-9);
        // One scale for both axes, small enough that a tall zone fits the height too (a
        // height clamped after the fact left the south of the zone outside the picture).
        let k = (width / w).min(MAX_MAP_HEIGHT / h);
        Frame {
            lon0: min.0,
            lat1: max.1,
            k,
            cos,
            width,
            height: (h * k).max(200.0),
        }
    }

    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            (lon - self.lon0) * self.cos * self.k,
            (self.lat1 - lat) * self.k,
        )
    }

    /// Metres per SVG unit.
    fn metres_per_unit(&self) -> f64 {
        111_320.0 / self.k
    }
}

fn path_of(shape: &ShapeRef<'_>, f: &Frame, out: &mut String) {
    for ring in shape.rings() {
        for (i, c) in ring.iter().enumerate() {
            let (x, y) = f.xy(c.x, c.y);
            let _ = write!(out, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
        }
        out.push('Z');
    }
}

fn class_colour(c: Class) -> &'static str {
    match c {
        Class::A => "#1a9641",
        Class::B => "#a6d96a",
        Class::C => "#fdae61",
        Class::D => "#d7191c",
    }
}

fn parcel_colour(p: &ParcelResult<'_>, by_class: bool) -> &'static str {
    match (by_class, p.class()) {
        (true, Some(c)) => class_colour(c),
        (true, None) => "#cccccc",
        _ => parcel_fill(p),
    }
}

/// A share of low-efficiency area as a colour from green (0) to red (1).
fn share_colour(s: f64) -> String {
    let s = s.clamp(0.0, 1.0);
    let (r, g) = if s < 0.5 {
        (255.0 * s * 2.0, 190.0)
    } else {
        (255.0, 190.0 * (1.0 - s) * 2.0)
    };
    format!("rgb({:.0},{:.0},60)", r, g)
}

/// Writes `report.html`.
///
/// # Errors
/// I/O errors of `w`.
pub fn write_report_html(
    report: &AuditReport,
    w: &mut dyn Write,
    options: &ReportOptions,
) -> io::Result<()> {
    let t = if options.lang == Lang::En { &EN } else { &ZH };
    let s = &report.summary;
    let mut h = String::with_capacity(1 << 16);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title>\n<style>{}</style></head><body>\n<h1>{}</h1>\n",
        t.lang, t.title, CSS, t.title
    );
    let _ = writeln!(
        h,
        "<p class=\"files\">{}: {}</p>",
        t.parcels,
        esc(&s.crs.parcels.file)
    );
    suspicions(&mut h, s, t);
    cards(&mut h, report, t);
    map(&mut h, report, options, t);
    parks_table(&mut h, report, t);
    year_on_year(&mut h, report, t);
    worst(&mut h, report, options, t);
    rejected(&mut h, report, t);
    thresholds(&mut h, report, t);
    h.push_str("</body></html>\n");
    w.write_all(h.as_bytes())
}

/// A banner over everything else when the input is wrong as a whole: the figures below are
/// then no answer, and the reader of the page must see that first.
fn suspicions(h: &mut String, s: &Summary, t: &Words) {
    if s.suspicions.is_empty() {
        return;
    }
    let head = if s.suspicions_accepted {
        t.suspect_accepted
    } else {
        t.suspect
    };
    let _ = write!(h, "<div class=\"suspect\"><p>{head}</p><ul>");
    for x in &s.suspicions {
        let _ = write!(h, "<li><code>{}</code> {}</li>", x.code, esc(&x.message));
    }
    h.push_str("</ul></div>\n");
}

/// Writes the headline figures as cards, then how many warnings the audit gave.
fn cards(h: &mut String, report: &AuditReport, t: &Words) {
    h.push_str("<div class=\"cards\">");
    for (label, value, note) in headline_cards(&report.summary, t) {
        let _ = write!(
            h,
            "<div class=\"card\"><div class=\"label\">{label}</div><div class=\"value\">{}</div><div class=\"note\">{}</div></div>",
            esc(&value),
            esc(&note)
        );
    }
    h.push_str("</div>\n");
    if !report.warnings.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"files\">{} {}</p>",
            grouped(report.warnings.len() as f64, 0),
            t.warnings
        );
    }
}

/// The headline figures, each as (label, value, note): parcels, area (mu), low-efficiency
/// area (mu) and parcels, parks over the cap, enterprises.
fn headline_cards(s: &Summary, t: &Words) -> [(&'static str, String, String); 6] {
    let over = s.parks.iter().filter(|k| k.over_cap).count();
    [
        (
            t.parcels,
            grouped(s.parcels.evaluated as f64, 0),
            format!("{} {}", grouped(s.parcels.rejected as f64, 0), t.rejected),
        ),
        (
            t.area,
            format!("{} {}", grouped(s.total_area_mu, 1), t.mu),
            outside_parks_note(s, t),
        ),
        (
            t.low_area,
            format!("{} {}", grouped(s.low_efficiency_area_mu, 1), t.mu),
            pct(s.low_efficiency_ratio),
        ),
        (
            t.low_count,
            grouped(s.low_efficiency_count as f64, 0),
            low_count_note(s, t),
        ),
        (
            t.parks_over,
            format!("{over} / {}", s.parks.len()),
            format!("{} {}", t.cap, pct(Some(s.max_low_efficiency_ratio))),
        ),
        (
            t.enterprises,
            grouped(s.enterprises.read as f64, 0),
            enterprises_note(s, t),
        ),
    ]
}

/// The area card's note: the parcels outside every park and their area (mu), when there are
/// any. Counted in the totals only: the parks table does not add up to them.
fn outside_parks_note(s: &Summary, t: &Words) -> String {
    if s.outside_parks_count == 0 {
        return String::new();
    }
    let in_parks: f64 = s.parks.iter().map(|k| k.area_mu).sum();
    format!(
        "{} {} ({} {})",
        t.outside_parks,
        grouped(s.outside_parks_count as f64, 0),
        grouped((s.total_area_mu - in_parks).max(0.0), 1),
        t.mu
    )
}

/// The low-efficiency count's note: the idle parcels, and those not judged with their area
/// (mu) when there are any.
fn low_count_note(s: &Summary, t: &Words) -> String {
    if s.unjudged_count > 0 {
        format!(
            "{} {} · {} {} ({} {})",
            t.idle,
            grouped(s.idle_count as f64, 0),
            t.unjudged,
            grouped(s.unjudged_count as f64, 0),
            grouped(s.unjudged_area_mu, 1),
            t.mu
        )
    } else {
        format!("{} {}", t.idle, grouped(s.idle_count as f64, 0))
    }
}

/// The enterprises card's note, as summary.json counts them: read = joined + unmatched +
/// rejected.
fn enterprises_note(s: &Summary, t: &Words) -> String {
    format!(
        "{} {} · {} {} · {} {}",
        grouped(s.enterprises.joined as f64, 0),
        t.joined,
        grouped(s.enterprises.unmatched as f64, 0),
        t.unmatched,
        grouped(s.enterprises.rejected as f64, 0),
        t.rejected
    )
}

/// Writes the map: the parcels (or, past [`ReportOptions::max_parcels_drawn`], a grid of
/// cells), the parks, a scale bar and a north arrow as inline SVG, then its legend.
fn map(h: &mut String, report: &AuditReport, options: &ReportOptions, t: &Words) {
    let _ = writeln!(h, "<h2>{}</h2>", t.map);
    let Some(f) = frame_of(report) else {
        let _ = writeln!(h, "<p>{}</p>", t.no_parcels);
        return;
    };
    let _ = writeln!(
        h,
        "<svg class=\"map\" viewBox=\"-10 -10 {} {}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">",
        f.width + 20.0,
        f.height + 70.0
    );
    if report.parcel_count() <= options.max_parcels_drawn {
        draw_parcels(h, report, &f, options, t);
    } else {
        draw_cells(h, report, &f, t);
    }
    draw_parks(h, report, &f, t);
    scale_bar(h, &f);
    north_arrow(h, &f);
    h.push_str("</svg>\n");
    legend(h, report, options, t);
}

/// The map's frame over the extent of parcels and parks together (lon/lat); `None` when
/// there is nothing to draw.
fn frame_of(report: &AuditReport) -> Option<Frame> {
    let mut min = (f64::INFINITY, f64::INFINITY);
    let mut max = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    let mut grow = |shape: ShapeRef<'_>| {
        if let Some(r) = shape.bounding_rect() {
            min = (min.0.min(r.min().x), min.1.min(r.min().y));
            max = (max.0.max(r.max().x), max.1.max(r.max().y));
        }
    };
    for p in report.parcels() {
        grow(p.record().shape());
    }
    let parks = report.park_table.shapes();
    for k in 0..parks.len() {
        grow(parks.get(k));
    }
    min.0.is_finite().then(|| Frame::new(min, max))
}

/// Draws every parcel, coloured by its class when enterprises were graded, else by what it
/// was found to be, with its figures as its hover title.
fn draw_parcels(
    h: &mut String,
    report: &AuditReport,
    f: &Frame,
    options: &ReportOptions,
    t: &Words,
) {
    let by_class = report.evaluated();
    h.push_str(
        "<g class=\"parcels\" stroke=\"#404040\" stroke-width=\"0.3\" fill-opacity=\"0.75\">\n",
    );
    let mut d = String::new();
    for p in report.parcels() {
        d.clear();
        path_of(&p.record().shape(), f, &mut d);
        let _ = writeln!(
            h,
            "<path class=\"parcel\" fill=\"{}\" d=\"{d}\"><title>{}</title></path>",
            parcel_colour(&p, by_class),
            parcel_title(&p, options.lang, t)
        );
    }
    h.push_str("</g>\n");
}

/// A parcel's hover title: id, area (mu) and park; tax, investment and output per mu
/// (万元/亩) and plot ratio; why it is low-efficiency, or that it was not judged; its class.
fn parcel_title(p: &ParcelResult<'_>, lang: Lang, t: &Words) -> String {
    let reasons: Vec<&str> = p.reasons().iter().map(|r| reason_label(r, lang)).collect();
    format!(
        "{} · {} {} {}\n{} {} · {} {} · {} {}\n{} {}{}{}",
        esc(p.parcel_id()),
        num(p.area_mu(), 2),
        t.mu,
        p.park_id()
            .map(|k| format!("· {} {}", t.park, esc(k)))
            .unwrap_or_default(),
        t.tax,
        num(p.tax_per_mu(), 1),
        t.investment,
        num(p.investment_per_mu(), 1),
        t.output,
        num(p.output_per_mu(), 1),
        t.plot_ratio,
        p.plot_ratio().map_or("—".into(), |v| num(v, 2)),
        if p.unjudged() {
            format!("\n{}", t.legend_unjudged)
        } else if reasons.is_empty() {
            String::new()
        } else {
            format!("\n{}: {}", t.reasons, reasons.join(", "))
        },
        p.class()
            .map(|c| format!("\n{}", c.as_str()))
            .unwrap_or_default(),
    )
}

/// Per grid cell (column, row): judged area (mu), low-efficiency area (mu), judged parcels,
/// parcels not judged.
type Cells = BTreeMap<(usize, usize), (f64, f64, usize, usize)>;

/// The number of columns of the grid drawn in place of too many parcels.
const GRID_COLUMNS: usize = 120;

/// Draws, in place of the parcels, a grid of about [`GRID_COLUMNS`] columns, each cell
/// coloured by the low-efficiency share of its judged area, under a note that says so.
fn draw_cells(h: &mut String, report: &AuditReport, f: &Frame, t: &Words) {
    let cell = f.width / GRID_COLUMNS as f64;
    let rows = (f.height / cell).ceil().max(1.0) as usize;
    let acc = cell_totals(report, f, cell, rows);
    let _ = write!(
        h,
        "<text x=\"0\" y=\"{:.0}\" class=\"note\">{} ({} → {} × {:.2} km)</text>\n<g class=\"cells\">\n",
        f.height + 50.0,
        t.aggregated,
        report.parcel_count(),
        acc.len(),
        cell * f.metres_per_unit() / 1000.0
    );
    for ((cx, cy), (area, low, count, unjudged)) in &acc {
        let not_judged = if *unjudged > 0 {
            format!(" · {} {unjudged}", t.unjudged)
        } else {
            String::new()
        };
        // A cell of unjudged parcels alone has no share: it is drawn as they are.
        let (fill, share) = if *count == 0 {
            (style::UNJUDGED.to_string(), "—".to_string())
        } else {
            let share = if *area > 0.0 { low / area } else { 0.0 };
            (share_colour(share), format!("{:.1}%", share * 100.0))
        };
        let _ = writeln!(
            h,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{cell:.2}\" height=\"{cell:.2}\" fill=\"{fill}\"><title>{count} {} · {} {share}{not_judged}</title></rect>",
            *cx as f64 * cell,
            *cy as f64 * cell,
            t.parcels,
            t.ratio,
        );
    }
    h.push_str("</g>\n");
}

/// Sums the parcels into grid cells of side `cell` (SVG units; `rows` of them down), each
/// parcel in the cell of its bounding box's centre.
fn cell_totals(report: &AuditReport, f: &Frame, cell: f64, rows: usize) -> Cells {
    let mut acc = Cells::new();
    for p in report.parcels() {
        let Some(r) = p.record().shape().bounding_rect() else {
            continue;
        };
        let (x, y) = f.xy((r.min().x + r.max().x) / 2.0, (r.min().y + r.max().y) / 2.0);
        let key = (
            ((x / cell) as usize).min(GRID_COLUMNS - 1),
            ((y / cell) as usize).min(rows - 1),
        );
        let e = acc.entry(key).or_insert((0.0, 0.0, 0, 0));
        // As the ratios: an unjudged parcel is in neither side of the share.
        if p.unjudged() {
            e.3 += 1;
            continue;
        }
        e.0 += p.area_mu();
        if p.low_efficiency() {
            e.1 += p.area_mu();
        }
        e.2 += 1;
    }
    acc
}

/// Draws the parks' outlines, coloured by whether they are over the cap, with their ratio as
/// hover title and, where it fits, as a label.
fn draw_parks(h: &mut String, report: &AuditReport, f: &Frame, t: &Words) {
    h.push_str("<g class=\"parks\" fill=\"none\" stroke-width=\"2\">\n");
    let parks = report.park_table.shapes();
    let mut d = String::new();
    let cap = report.summary.max_low_efficiency_ratio;
    for k in &report.parks {
        d.clear();
        let shape = parks.get(k.row);
        path_of(&shape, f, &mut d);
        let colour = if k.over_cap {
            style::PARK_OVER
        } else {
            style::PARK_OK
        };
        let _ = writeln!(
            h,
            "<path class=\"park\" stroke=\"{colour}\" d=\"{d}\"><title>{} {} · {} {}</title></path>",
            esc(&k.park_id),
            esc(k.name.as_deref().unwrap_or("")),
            t.ratio,
            park_pct(k.low_efficiency_ratio, cap)
        );
        if let Some(r) = shape.bounding_rect() {
            let label = format!("{} {}", k.park_id, park_pct(k.low_efficiency_ratio, cap));
            park_label(h, f, r, &label, colour);
        }
    }
    h.push_str("</g>\n");
}

/// Writes a park's `label` centred at the top of its bounding box `r`, only where it fits
/// inside (its width, and a line of its height), so that a zone of hundreds of parks does not
/// turn into overprinted text (each park keeps its hover title).
fn park_label(h: &mut String, f: &Frame, r: geo::Rect<f64>, label: &str, colour: &str) {
    let (x0, y) = f.xy(r.min().x, r.max().y);
    let (x1, y1) = f.xy(r.max().x, r.min().y);
    if label_width(label) <= (x1 - x0).abs() && (y1 - y).abs() >= 18.0 {
        let _ = writeln!(
            h,
            "<text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" fill=\"{colour}\">{}</text>",
            (x0 + x1) / 2.0,
            y + 14.0,
            esc(label)
        );
    }
}

/// Draws a scale bar under the map: a round length (1, 2 or 5 × 10ⁿ m) near a fifth of its
/// width.
fn scale_bar(h: &mut String, f: &Frame) {
    let target = f.width / 5.0 * f.metres_per_unit();
    let step = [1.0, 2.0, 5.0]
        .iter()
        .flat_map(|m| (0..8).map(move |e| m * 10f64.powi(e)))
        .filter(|v| *v <= target)
        .fold(1.0, f64::max);
    let len = step / f.metres_per_unit();
    let label = if step >= 1000.0 {
        format!("{} km", step / 1000.0)
    } else {
        format!("{step} m")
    };
    let y = f.height + 25.0;
    let _ = writeln!(
        h,
        "<g class=\"scale\"><rect x=\"0\" y=\"{y:.1}\" width=\"{len:.1}\" height=\"6\" fill=\"#333\"/><text x=\"{:.1}\" y=\"{:.1}\">{label}</text></g>",
        len + 8.0,
        y + 6.0
    );
}

/// Draws a north arrow at the map's top right.
fn north_arrow(h: &mut String, f: &Frame) {
    let _ = writeln!(
        h,
        "<g class=\"north\" transform=\"translate({:.1},10)\"><path d=\"M0 30 L10 0 L20 30 L10 22 Z\" fill=\"#333\"/><text x=\"5\" y=\"46\">N</text></g>",
        f.width - 30.0
    );
}

/// Writes the map's legend: the classes, the parcels' colours or the cells' shares, as the
/// map is drawn, then the parks' outlines.
fn legend(h: &mut String, report: &AuditReport, options: &ReportOptions, t: &Words) {
    h.push_str("<div class=\"legend\">");
    if report.evaluated() {
        for c in [Class::A, Class::B, Class::C, Class::D] {
            swatch(h, class_colour(c), c.as_str(), false);
        }
    } else if report.parcel_count() <= options.max_parcels_drawn {
        swatch(h, style::OK, t.legend_ok, false);
        swatch(h, style::LOW, t.legend_low, false);
        swatch(h, style::CONTRACT, t.legend_contract, false);
        swatch(h, style::IDLE, t.legend_idle, false);
        if report.summary.unjudged_count > 0 {
            swatch(h, style::UNJUDGED, t.legend_unjudged, false);
        }
    } else {
        swatch(h, &share_colour(0.0), "0%", false);
        swatch(h, &share_colour(0.5), "50%", false);
        swatch(h, &share_colour(1.0), "100%", false);
        if report.summary.unjudged_count > 0 {
            swatch(h, style::UNJUDGED, t.legend_unjudged, false);
        }
    }
    swatch(h, style::PARK_OK, t.legend_park, true);
    swatch(h, style::PARK_OVER, t.legend_park_over, true);
    h.push_str("</div>\n");
}

/// Writes one legend entry: a swatch of `colour` (filled, or an `outline`) and its label.
fn swatch(h: &mut String, colour: &str, label: &str, outline: bool) {
    let style = if outline {
        format!("border:2px solid {colour};background:none")
    } else {
        format!("background:{colour}")
    };
    let _ = write!(h, "<span><i style=\"{style}\"></i>{label}</span>");
}

fn parks_table(h: &mut String, report: &AuditReport, t: &Words) {
    let cap = report.summary.max_low_efficiency_ratio;
    let _ = writeln!(
        h,
        "<h2>{} <small>({} {})</small></h2>",
        t.parks_table,
        t.cap,
        pct(Some(cap))
    );
    let mut parks: Vec<&crate::parks::ParkResult> = report.parks.iter().collect();
    parks.sort_by(|a, b| {
        b.low_efficiency_ratio
            .unwrap_or(-1.0)
            .total_cmp(&a.low_efficiency_ratio.unwrap_or(-1.0))
    });
    // Unjudged parcels are left out of the ratios: a column says how many, when any are.
    let unjudged = report.summary.unjudged_count > 0;
    let _ = write!(
        h,
        "<table class=\"parks\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{} ({})</th><th>{} ({})</th>",
        t.park, t.name, t.count, t.area, t.mu, t.low_area, t.mu
    );
    if unjudged {
        let _ = write!(h, "<th>{} ({} / {})</th>", t.unjudged, t.mu, t.count);
    }
    let _ = writeln!(
        h,
        "<th>{}</th><th>{}</th></tr></thead><tbody>",
        t.ratio, t.over_cap
    );
    for k in parks {
        let bar = k
            .low_efficiency_ratio
            .map_or(0.0, |r| (r * 100.0).min(100.0));
        let _ = write!(
            h,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            if k.over_cap { "over" } else { "" },
            esc(&k.park_id),
            esc(k.name.as_deref().unwrap_or("")),
            k.parcel_count,
            num(k.area_mu, 1),
            num(k.low_efficiency_area_mu, 1),
        );
        if unjudged {
            let _ = write!(
                h,
                "<td>{} / {}</td>",
                num(k.unjudged_area_mu, 1),
                k.unjudged_count
            );
        }
        let _ = writeln!(
            h,
            "<td><span class=\"bar\"><b style=\"width:{bar:.1}%\"></b><em style=\"left:{:.1}%\"></em></span>{}</td><td>{}</td></tr>",
            cap * 100.0,
            park_pct(k.low_efficiency_ratio, cap),
            if k.over_cap { t.yes } else { t.no }
        );
    }
    h.push_str("</tbody></table>\n");
}

/// The changes since the previous audit, and which audit that was, when one was given.
fn year_on_year(h: &mut String, report: &AuditReport, t: &Words) {
    let s = &report.summary;
    let (Some(previous), Some(changes)) = (&s.previous, &s.changes) else {
        return;
    };
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<p class=\"files\">{}: {} · {}: {} / {}</p>",
        t.year_on_year,
        t.previous_audit,
        esc(&previous.files.join(", ")),
        t.matched,
        previous.matched,
        s.parcels.evaluated
    );
    h.push_str("<table class=\"changes\"><tbody>");
    for (key, label) in CHANGES.iter().zip(t.changes) {
        let _ = write!(
            h,
            "<tr><td>{label}</td><td>{}</td></tr>",
            changes.get(key).copied().unwrap_or(0)
        );
    }
    h.push_str("</tbody></table>\n");
}

/// The columns of the worst parcels' table, from the parcel schema, with their decimals.
const WORST_COLUMNS: [(&str, usize); 8] = [
    ("parcel_id", 0),
    ("park_id", 0),
    ("area_mu", 2),
    ("tax_per_mu", 2),
    ("investment_per_mu", 1),
    ("output_per_mu", 1),
    ("plot_ratio", 2),
    ("reasons", 0),
];

/// A parcel column's heading on the page.
fn heading(name: &str, t: &Words) -> String {
    match name {
        "parcel_id" => t.parcel.to_string(),
        "park_id" => t.park.to_string(),
        "area_mu" => format!("{} ({})", t.area, t.mu),
        "tax_per_mu" => t.tax.to_string(),
        "investment_per_mu" => t.investment.to_string(),
        "output_per_mu" => t.output.to_string(),
        "plot_ratio" => t.plot_ratio.to_string(),
        "reasons" => t.reasons.to_string(),
        other => other.to_string(),
    }
}

/// A cell of the parcel schema as people read it: escaped, rounded to `decimals`, reasons in
/// the page's language, nothing as a dash.
fn html_cell(cell: Option<Cell<'_>>, decimals: usize, lang: Lang) -> String {
    let flag = |b: bool| if b { "✓" } else { "" };
    match cell {
        None | Some(Cell::OptText(None) | Cell::OptNum(None) | Cell::OptFlag(None)) => "—".into(),
        Some(Cell::Text(s) | Cell::OptText(Some(s))) => esc(s),
        Some(Cell::Num(v) | Cell::OptNum(Some(v))) => num(v, decimals),
        Some(Cell::Count(n)) => n.to_string(),
        Some(Cell::Flag(b) | Cell::OptFlag(Some(b))) => flag(b).into(),
        Some(Cell::Reasons(reasons)) => {
            let labels: Vec<&str> = reasons.iter().map(|r| reason_label(r, lang)).collect();
            labels.join(", ")
        }
        Some(Cell::Names(names)) => esc(&names.join(", ")),
    }
}

fn worst(h: &mut String, report: &AuditReport, options: &ReportOptions, t: &Words) {
    // The low-efficiency parcels that miss most: most reasons first, then the lowest tax per mu.
    let mut keyed: Vec<(usize, f64, f64, ParcelResult<'_>)> = report
        .parcels()
        .filter(|p| p.low_efficiency())
        .map(|p| {
            (
                p.reasons().len(),
                p.intensities().tax_per_mu,
                p.area_m2(),
                p,
            )
        })
        .collect();
    keyed.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(a.1.total_cmp(&b.1))
            .then(b.2.total_cmp(&a.2))
    });
    let low: Vec<ParcelResult<'_>> = keyed.into_iter().map(|(_, _, _, p)| p).collect();
    let _ = write!(
        h,
        "<h2>{}</h2>\n<table class=\"worst\"><thead><tr>",
        t.worst
    );
    for (name, _) in WORST_COLUMNS {
        let _ = write!(h, "<th>{}</th>", heading(name, t));
    }
    h.push_str("</tr></thead><tbody>\n");
    for p in low.iter().take(options.worst) {
        h.push_str("<tr>");
        for (name, decimals) in WORST_COLUMNS {
            let cell = parcel_column(name).map(|c| (c.value)(p));
            let _ = write!(h, "<td>{}</td>", html_cell(cell, decimals, options.lang));
        }
        h.push_str("</tr>\n");
    }
    if low.is_empty() {
        let span = WORST_COLUMNS.len();
        let _ = write!(h, "<tr><td colspan=\"{span}\">{}</td></tr>", t.none);
    }
    h.push_str("</tbody></table>\n");
}

fn rejected(h: &mut String, report: &AuditReport, t: &Words) {
    let _ = writeln!(h, "<h2>{}</h2>", t.rejected_title);
    let mut groups: BTreeMap<(&str, &str), Vec<&crate::error::Rejection>> = BTreeMap::new();
    for r in &report.rejected {
        groups
            .entry((r.layer.as_str(), r.code))
            .or_default()
            .push(r);
    }
    if groups.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", t.none);
        return;
    }
    let _ = writeln!(
        h,
        "<table class=\"rejected\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t.layer, t.code, t.records, t.examples
    );
    for ((layer, code), rows) in groups {
        let mut examples: Vec<String> = rows
            .iter()
            .take(3)
            .map(|r| {
                format!(
                    "#{} {}: {}",
                    r.index,
                    esc(r.id.as_deref().unwrap_or("")),
                    esc(&r.reason)
                )
            })
            .collect();
        if rows.len() > examples.len() {
            let more = rows.len() - examples.len();
            examples.push(format!("… {} {more} {}", t.more_before, t.more_after));
        }
        let _ = writeln!(
            h,
            "<tr><td>{layer}</td><td>{code}</td><td>{}</td><td>{}</td></tr>",
            rows.len(),
            examples.join("<br>")
        );
    }
    h.push_str("</tbody></table>\n");
}

fn thresholds(h: &mut String, report: &AuditReport, t: &Words) {
    let s = &report.summary;
    let th = &s.thresholds;
    let _ = write!(
        h,
        "<h2>{}</h2>\n<table class=\"thresholds\"><tbody><tr><td>{} {}</td><td>{} 万元/亩</td></tr><tr><td>{} {}</td><td>{} 万元/亩</td></tr><tr><td>{} {}</td><td>{} 万元/亩</td></tr><tr><td>{} {}</td><td>{}</td></tr><tr><td>{}</td><td>{}</td></tr></tbody></table>\n",
        t.thresholds,
        t.investment,
        t.minimum,
        th.min_investment_per_mu,
        t.tax,
        t.minimum,
        th.min_tax_per_mu,
        t.output,
        t.minimum,
        th.min_output_per_mu,
        t.plot_ratio,
        t.minimum,
        th.min_plot_ratio,
        t.cap,
        pct(Some(s.max_low_efficiency_ratio))
    );
    let mut rule_names: Vec<&str> = report
        .rule_sets
        .iter()
        .flat_map(|r| r.rules.iter().map(String::as_str))
        .collect();
    rule_names.sort_unstable();
    rule_names.dedup();
    if !rule_names.is_empty() {
        let _ = writeln!(h, "<p>{}: {}</p>", t.rules, esc(&rule_names.join("; ")));
    }
    if let Some(classes) = &s.classes {
        let _ = write!(h, "<p>{}: ", t.classes);
        for (group, counts) in classes {
            let parts: Vec<String> = counts.iter().map(|(c, n)| format!("{c} {n}")).collect();
            let _ = write!(h, "{} — {}; ", esc(group), parts.join(", "));
        }
        h.push_str("</p>\n");
    }
    let _ = write!(h, "<p>{}: {} {}", t.crs, t.parcels, esc(&s.crs.parcels.crs));
    if let Some(e) = &s.crs.enterprises {
        let _ = write!(h, " · {} {}", t.enterprises, esc(&e.crs));
    }
    if let Some(k) = &s.crs.parks {
        let _ = write!(h, " · {} {}", t.park, esc(&k.crs));
    }
    h.push_str("</p>\n");
}

const CSS: &str = "body{font-family:system-ui,-apple-system,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}\
h1{font-size:24px;margin-bottom:4px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}\
.files{color:#777;font-size:12px;margin-top:0}\
.suspect{background:#fdecea;border:2px solid #c0392b;border-radius:6px;padding:4px 16px;margin:12px 0;color:#7b1d12}\
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:10px}\
.card{border:1px solid #ddd;border-radius:6px;padding:10px 12px;background:#fafafa}\
.card .label{font-size:12px;color:#666}.card .value{font-size:20px;font-weight:600;margin:4px 0}.card .note{font-size:12px;color:#888}\
svg.map{width:100%;height:auto;border:1px solid #ddd;background:#fff}\
svg .label{font-size:12px;font-weight:600;text-anchor:middle;paint-order:stroke;stroke:#fff;stroke-width:3px}\
svg .parcel:hover{stroke:#000;stroke-width:1.5}svg .note,svg .scale text,svg .north text{font-size:12px;fill:#333}\
.legend{font-size:12px;margin:6px 0 0}.legend span{margin-right:14px;white-space:nowrap}\
.legend i{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:middle}\
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #eee;padding:4px 6px;text-align:left}\
th{background:#f4f4f4}tr.over td{background:#fde8e8}\
.bar{position:relative;display:inline-block;width:120px;height:8px;background:#eee;margin-right:6px;vertical-align:middle}\
.bar b{position:absolute;left:0;top:0;bottom:0;background:#d73027}.bar em{position:absolute;top:-3px;bottom:-3px;width:2px;background:#000}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_parcels_table_names_columns_of_the_schema() {
        for (name, _) in WORST_COLUMNS {
            assert!(parcel_column(name).is_some(), "{name} is no parcel column");
        }
    }

    #[test]
    fn escaping_and_colours() {
        assert_eq!(esc("<a&b \"c\">"), "&lt;a&amp;b &quot;c&quot;&gt;");
        assert_eq!(share_colour(0.0), "rgb(0,190,60)");
        assert_eq!(share_colour(1.0), "rgb(255,0,60)");
        let f = Frame::new((120.0, 30.0), (120.1, 30.1));
        let (x, y) = f.xy(120.0, 30.1);
        assert!(x.abs() < 1e-9 && y.abs() < 1e-9);
        assert!((f.width - 1000.0).abs() < 1e-9);
    }

    /// Every corner of the zone is inside the picture, whatever its shape: tall (1 km by
    /// 11 km), wide, or square.
    #[test]
    fn the_whole_zone_is_inside_the_map() {
        for (dlon, dlat) in [(0.01, 0.1), (0.1, 0.001), (0.1, 0.1)] {
            let f = Frame::new((120.0, 30.0), (120.0 + dlon, 30.0 + dlat));
            for (lon, lat) in [(120.0, 30.0), (120.0 + dlon, 30.0), (120.0, 30.0 + dlat)] {
                let (x, y) = f.xy(lon, lat);
                assert!(
                    (-1e-6..=f.width + 1e-6).contains(&x) && (-1e-6..=f.height + 1e-6).contains(&y),
                    "({dlon}, {dlat}): ({x}, {y}) outside {} × {}",
                    f.width,
                    f.height
                );
            }
            assert!(f.height <= MAX_MAP_HEIGHT);
        }
    }

    #[test]
    fn headline_numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(32_335_997.46, 1), "32,335,997.5");
        assert_eq!(grouped(-1234.0, 0), "-1,234");
        assert_eq!(grouped(999.0, 0), "999");
        assert_eq!(grouped(1000.0, 2), "1,000.00");
        assert_eq!(grouped(f64::NAN, 1), "—");
    }

    #[test]
    fn labels_are_measured_wider_for_chinese() {
        assert!(label_width("K1 23.7%") < label_width("园区一 23.7%"));
        assert!((label_width("K1") - 19.0).abs() < 1e-9);
    }
}
