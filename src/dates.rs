//! Calendar dates as the inputs write them, and the periods the land tests count (满一年).
//!
//! A date is read from `YYYY-MM-DD` (a time after it, as a sheet's date-time cell gives, is
//! dropped), `YYYY/MM/DD` (month and day of one or two digits, as Excel's CSV writes them),
//! `YYYYMMDD` (a Shapefile's date field, or a whole number), or an Excel date serial (a whole
//! number up to 2958465, 9999-12-31, in the 1900 system). Arithmetic and validation are
//! jiff's: 2023-02-29 is not a date.
//!
//! A period of N years from a date ends on its anniversary N years on, the 对应日; a date with
//! no such day (29 February) ends on the last day of that month (民法典 第二百零二条). The audit
//! date is read as the end of its day (期间的最后一日的截止时间为二十四时, 第二百零三条), so a
//! period that ends on the audit date is full on it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A calendar date (公历).
///
/// ```
/// use land_efficiency::Date;
/// let d = Date::parse("2023-12-31").unwrap();
/// assert_eq!(Date::parse("2023/12/31"), Some(d));
/// assert_eq!(Date::parse("20231231"), Some(d));
/// assert_eq!(Date::parse("45291"), Some(d)); // an Excel serial
/// assert_eq!(Date::parse("2023-02-29"), None);
/// // One full year from 2023-12-31 is reached at the end of 2024-12-31, not before.
/// assert!(d.full_years_by(1, Date::parse("2024-12-31").unwrap()));
/// assert!(!d.full_years_by(1, Date::parse("2024-12-30").unwrap()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(jiff::civil::Date);

/// The largest Excel date serial: 9999-12-31.
const MAX_EXCEL_SERIAL: i64 = 2_958_465;

impl Date {
    /// The date of a year, month and day; `None` when there is no such day.
    pub fn new(year: i16, month: i8, day: i8) -> Option<Date> {
        jiff::civil::Date::new(year, month, day).ok().map(Date)
    }

    /// A date as written (see the module's docs for the forms); `None` when it is not one.
    pub fn parse(text: &str) -> Option<Date> {
        let t = text.trim();
        // A year alone (`2024`) is not a date, nor an Excel serial of that number.
        if t.len() >= 5 && t.bytes().all(|b| b.is_ascii_digit()) {
            let n: i64 = t.parse().ok()?;
            return match t.len() {
                8 => Date::new(
                    i16::try_from(n / 10_000).ok()?,
                    ((n / 100) % 100) as i8,
                    (n % 100) as i8,
                ),
                _ => Date::from_excel_serial(n),
            };
        }
        // A date-time's time part (`2024-01-01T12:00:00`, `2024/1/1 0:00`) is dropped.
        let day = t.split(['T', ' ']).next()?;
        let sep = if day.contains('-') { '-' } else { '/' };
        let mut parts = day.split(sep);
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        let digits = |s: &str, lens: std::ops::RangeInclusive<usize>| {
            lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        if parts.next().is_some() || !(digits(y, 4..=4) && digits(m, 1..=2) && digits(d, 1..=2)) {
            return None;
        }
        Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }

    /// The date of an Excel date serial in the 1900 system (1 is 1900-01-01; 60, Excel's
    /// 1900-02-29, is no date); `None` outside 1 ..= 2958465.
    pub fn from_excel_serial(serial: i64) -> Option<Date> {
        if !(1..=MAX_EXCEL_SERIAL).contains(&serial) || serial == 60 {
            return None;
        }
        // Excel counts a 29 February 1900 that never was: from serial 61 on, day 0 is
        // 1899-12-30.
        let epoch = if serial > 60 {
            jiff::civil::date(1899, 12, 30)
        } else {
            jiff::civil::date(1899, 12, 31)
        };
        epoch
            .checked_add(jiff::Span::new().days(serial))
            .ok()
            .map(Date)
    }

    /// The date `years` years on: the same month and day, or the month's last day when it has
    /// no such day (2024-02-29 one year on is 2025-02-28).
    pub fn years_later(self, years: u32) -> Option<Date> {
        let years = i64::from(years);
        (self.0.checked_add(jiff::Span::new().try_years(years).ok()?))
            .ok()
            .map(Date)
    }

    /// True when `years` full years from this date have passed by the end of `as_of`: `as_of`
    /// is on or after the anniversary ([`Date::years_later`]).
    pub fn full_years_by(self, years: u32, as_of: Date) -> bool {
        self.years_later(years).is_some_and(|end| as_of >= end)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    /// A date from a string (`"2024-12-31"`, any form [`Date::parse`] reads) or a TOML date
    /// written bare (`as_of = 2024-12-31`).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Text(String),
            Toml(toml::value::Datetime),
        }
        let text = match Written::deserialize(d)? {
            Written::Text(t) => t,
            Written::Toml(t) => t.to_string(),
        };
        Date::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "expected a date written YYYY-MM-DD (2024-12-31), found {text:?}"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn forms_read_and_refused() {
        let want = Date::new(2024, 1, 5).unwrap();
        for s in [
            "2024-01-05",
            "2024-1-5",
            "2024/01/05",
            "2024/1/5",
            " 2024-01-05 ",
            "2024-01-05T12:00:00",
            "2024/1/5 0:00",
            "20240105",
            "45296",
        ] {
            assert_eq!(Date::parse(s), Some(want), "{s}");
        }
        for s in [
            "",
            "2024",
            "1",
            "2024-13-01",
            "2024-02-30",
            "24-01-05",
            "2024.01.05",
            "2024-01-05-1",
            "60",
            "0",
            "2958466",
            "约2024",
            "2024-1-",
        ] {
            assert_eq!(Date::parse(s), None, "{s:?}");
        }
    }

    /// Excel's serials against the dates Excel shows for them (its 1900 leap-year bug: 59 is
    /// 1900-02-28, 61 is 1900-03-01).
    #[test]
    fn excel_serials() {
        assert_eq!(Date::from_excel_serial(1), Date::new(1900, 1, 1));
        assert_eq!(Date::from_excel_serial(59), Date::new(1900, 2, 28));
        assert_eq!(Date::from_excel_serial(60), None);
        assert_eq!(Date::from_excel_serial(61), Date::new(1900, 3, 1));
        assert_eq!(Date::from_excel_serial(45_292), Date::new(2024, 1, 1));
        assert_eq!(Date::from_excel_serial(2_958_465), Date::new(9999, 12, 31));
    }

    #[test]
    fn full_years_end_on_the_anniversary_or_the_month_end() {
        let start = d("2023-12-31");
        assert!(!start.full_years_by(1, d("2024-12-30")));
        assert!(start.full_years_by(1, d("2024-12-31")));
        assert!(start.full_years_by(1, d("2025-01-01")));
        // 29 February: no 对应日 in 2025, so the month's last day.
        assert_eq!(d("2024-02-29").years_later(1), Some(d("2025-02-28")));
        assert!(d("2024-02-29").full_years_by(1, d("2025-02-28")));
        assert!(!d("2024-02-29").full_years_by(1, d("2025-02-27")));
        assert_eq!(d("2024-02-29").years_later(4), Some(d("2028-02-29")));
        assert_eq!(d("2023-06-30").years_later(2), Some(d("2025-06-30")));
    }

    #[test]
    fn a_toml_date_bare_or_quoted() {
        #[derive(Deserialize)]
        struct T {
            a: Date,
            b: Date,
        }
        let t: T = toml::from_str("a = 2024-12-31\nb = \"2024/12/31\"").unwrap();
        assert_eq!((t.a, t.b), (d("2024-12-31"), d("2024-12-31")));
        assert!(toml::from_str::<T>("a = \"2024-02-30\"\nb = 2024-12-31").is_err());
    }
}
