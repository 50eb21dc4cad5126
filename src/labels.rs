//! The words of codes, in Chinese and English, in one place: why a parcel is low-efficiency
//! ([`Reason`]), why a record was rejected (its code), what is wrong with a layer as a whole
//! ([`Suspicion`]), the layers and the evaluation's groups. The report page and the public
//! API ([`Reason::label`], [`Rejection::label`], [`Suspicion::label`], [`Layer::label`]) read
//! the same table, so a Chinese service shows what the report shows.

use serde::{Deserialize, Serialize};

use crate::error::{Layer, Rejection, Suspicion};
use crate::rules::{Reason, Reasons};

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

impl Reason {
    /// The reason in words: `亩均税收低于最低值`, `tax per mu below the minimum`.
    ///
    /// ```
    /// use land_efficiency::{Lang, Reason};
    /// // Not the legal 闲置土地, which is `Reason::NotStarted`.
    /// assert_eq!(Reason::Idle.label(Lang::Zh), "无企业或零产出");
    /// assert_eq!(Reason::Tax.label(Lang::En), "tax per mu below the minimum");
    /// ```
    pub fn label(self, lang: Lang) -> &'static str {
        reason_label(self, lang)
    }
}

impl Reasons {
    /// Each reason in words, in the order of [`Reason::ALL`]: what a Chinese UI lists beside
    /// the codes the serde form gives.
    pub fn labels(&self, lang: Lang) -> Vec<&'static str> {
        self.iter().map(|r| r.label(lang)).collect()
    }
}

impl Rejection {
    /// The rejection's [code](Rejection::code) in words (`负数` ...); the code itself for one
    /// without words. The record's own explanation is [`Rejection::reason`].
    ///
    /// ```
    /// use land_efficiency::{Lang, Layer, Rejection};
    /// let r = Rejection { layer: Layer::Enterprises, index: 2, id: Some("E3".into()),
    ///     code: "negative_value", property: Some("tax".into()), reason: "tax is -50".into() };
    /// assert_eq!(r.label(Lang::Zh), "属性为负数");
    /// assert_eq!(r.label(Lang::En), "negative value");
    /// ```
    pub fn label(&self, lang: Lang) -> &'static str {
        code_label(self.code, lang)
    }
}

impl Suspicion {
    /// What was found wrong with the layer, in words (`大部分记录被拒绝`); the code itself for
    /// one without words. [`Suspicion::message`] says it in full, naming files and columns.
    pub fn label(&self, lang: Lang) -> &'static str {
        suspicion_label(self.code, lang)
    }
}

impl Layer {
    /// The layer in words: `宗地`, `企业`, `园区`.
    pub fn label(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            Layer::Parcels => ("宗地", "parcels"),
            Layer::Enterprises => ("企业", "enterprises"),
            Layer::Parks => ("园区", "parks"),
            Layer::Adjustments => ("加减分及强制定级表", "adjustments table"),
            Layer::NegativeList => ("负面清单表", "negative-list table"),
        };
        if lang == Lang::Zh { zh } else { en }
    }
}

/// A reason for a parcel being low-efficiency, in words.
pub(crate) fn reason_label(r: Reason, lang: Lang) -> &'static str {
    use Reason::*;
    match (lang, r) {
        (Lang::Zh, Investment) => "亩均投资低于最低值",
        (Lang::Zh, Tax) => "亩均税收低于最低值",
        (Lang::Zh, Output) => "亩均产出低于最低值",
        (Lang::Zh, PlotRatio) => "容积率低于最低值",
        (Lang::Zh, Idle) => "无企业或零产出",
        (Lang::Zh, ContractInvestment) => "投资未达供地合同约定",
        (Lang::Zh, ContractTax) => "税收未达供地合同约定",
        (Lang::Zh, ContractOutput) => "产出未达供地合同约定",
        (Lang::Zh, ContractPlotRatio) => "容积率未达供地合同约定",
        (Lang::Zh, RepeatedClassD) => "企业连续评为 D 类",
        (Lang::Zh, NotStarted) => "闲置土地（超过约定动工日期满一年未动工）",
        (Lang::Zh, ProductionStopped) => "停产满规定年限",
        (Lang::Zh, NoTax) => "未纳税满规定年限",
        (Lang::Zh, ContractAfterCompletion) => "竣工后指标低于约定的规定比例",
        (Lang::Zh, StandardLandBreach) => "标准地竣工后指标未达约定（违约）",
        (Lang::Zh, PlotRatioOver) => "容积率高于最高值",
        (Lang::Zh, BuildingDensity) => "建筑密度超出规定范围",
        (Lang::Zh, GreenRatio) => "绿地率高于最高值",
        (Lang::Zh, EliminatedIndustry) => "属淘汰类产业",
        (Lang::Zh, SafetyOrder) => "安全生产不达标",
        (Lang::Zh, EnvironmentOrder) => "环保不达标",
        (Lang::En, Investment) => "investment per mu below the minimum",
        (Lang::En, Tax) => "tax per mu below the minimum",
        (Lang::En, Output) => "output per mu below the minimum",
        (Lang::En, PlotRatio) => "plot ratio below the minimum",
        (Lang::En, Idle) => "no firm, or zero output",
        (Lang::En, ContractInvestment) => "investment short of the land contract",
        (Lang::En, ContractTax) => "tax short of the land contract",
        (Lang::En, ContractOutput) => "output short of the land contract",
        (Lang::En, ContractPlotRatio) => "plot ratio short of the land contract",
        (Lang::En, RepeatedClassD) => "its firm graded D in consecutive years",
        (Lang::En, NotStarted) => "idle land: not started a year after the contracted start",
        (Lang::En, ProductionStopped) => "production stopped for the set years",
        (Lang::En, NoTax) => "no tax paid for the set years",
        (Lang::En, ContractAfterCompletion) => {
            "short of the land contract's set share after completion"
        }
        (Lang::En, StandardLandBreach) => "standard-land contract not met after completion",
        (Lang::En, PlotRatioOver) => "plot ratio above the maximum",
        (Lang::En, BuildingDensity) => "building density outside its range",
        (Lang::En, GreenRatio) => "green-space ratio above the maximum",
        (Lang::En, EliminatedIndustry) => "an eliminated industry",
        (Lang::En, SafetyOrder) => "under a work-safety order",
        (Lang::En, EnvironmentOrder) => "under an environmental order",
    }
}

/// A rejection's code (`rejected.csv`) in words; the code itself for one not listed here.
pub(crate) fn code_label(code: &str, lang: Lang) -> &str {
    let (zh, en) = match code {
        "null_geometry" | "empty_geometry" => ("无几何图形", "no geometry"),
        "geometry_type" => ("几何类型不符", "wrong geometry type"),
        "not_a_feature" => ("不是要素", "not a feature"),
        "bad_coordinates" | "position_too_short" => ("坐标无效", "coordinates not numbers"),
        "ring_not_closed" => ("边界未闭合", "ring not closed"),
        "ring_too_short" => ("边界点数不足", "ring under 4 positions"),
        "coordinate_out_of_range" => ("坐标超出范围", "coordinate out of range"),
        "reproject" => ("坐标转换失败", "reprojection failed"),
        "crosses_antimeridian" => ("跨越 180° 经线", "crosses the antimeridian"),
        "invalid_geometry" => ("图形自相交或无效", "self-intersecting or invalid shape"),
        "zero_area" => ("面积为零", "zero area"),
        "duplicate_id" => ("编号重复", "duplicate id"),
        "missing_property" => ("缺少属性", "property missing"),
        "not_a_number" => ("属性不是数字", "property not a number"),
        "negative_value" => ("属性为负数", "negative value"),
        "invalid_value" => ("属性值无效", "invalid value"),
        "bad_row" => ("表格行列数不符", "CSV row of the wrong width"),
        "unmatched" => ("未落在任何宗地内", "in no parcel"),
        "ambiguous" => ("落在多个重叠宗地内", "in several overlapping parcels"),
        _ => return code,
    };
    if lang == Lang::Zh { zh } else { en }
}

/// An input layer's name.
pub(crate) fn layer_label(layer: &str, lang: Lang) -> &str {
    match layer {
        "parcels" => Layer::Parcels.label(lang),
        "enterprises" => Layer::Enterprises.label(lang),
        "parks" => Layer::Parks.label(lang),
        "adjustments" => Layer::Adjustments.label(lang),
        "negative_list" => Layer::NegativeList.label(lang),
        _ => layer,
    }
}

/// A suspicion's code (`Suspicion::code`) in words: what is wrong with a layer as a whole.
pub(crate) fn suspicion_label(code: &str, lang: Lang) -> &str {
    let (zh, en) = match code {
        "column_absent" => (
            "表中没有配置指定的列",
            "a column the configuration names is not in the file",
        ),
        "mostly_rejected" => ("大部分记录被拒绝", "most records rejected"),
        "mostly_unmatched" => ("大部分企业未能关联到宗地", "most firms joined to no parcel"),
        "layers_apart" => (
            "图层相距过远（坐标系可能有误）",
            "the layers lie far apart (a wrong CRS?)",
        ),
        "points_offset" => (
            "企业坐标疑为互联网地图偏移坐标（GCJ-02/BD-09）",
            "the firms' points look shifted as web maps shift them (GCJ-02/BD-09)",
        ),
        _ => return code,
    };
    if lang == Lang::Zh { zh } else { en }
}

/// An evaluation group (`above_scale`, `below_scale`, `all`) in words.
pub(crate) fn group_label(group: &str, lang: Lang) -> &str {
    let (zh, en) = match group {
        "above_scale" => ("规上企业", "above designated size"),
        "below_scale" => ("规下企业", "below designated size"),
        "all" => ("全部企业", "all firms"),
        _ => return group,
    };
    if lang == Lang::Zh { zh } else { en }
}
