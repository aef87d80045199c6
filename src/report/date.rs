//! ISO 8601 calendar dates (`YYYY-MM-DD`) without a date-time library.
//!
//! Reports only ever carry calendar days (IATI activity dates are `xsd:date`), so a small,
//! exact proleptic Gregorian calendar is all that is needed: validity with leap years,
//! conversion to and from a day count since 1970-01-01 (for interval arithmetic), and the
//! `YYYY-MM-DD` text form used by the JSON report file, by serde and by [`std::fmt::Display`].
//!
//! Years are limited to 1..=9999, the range that four digits can write.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar day of the proleptic Gregorian calendar, between 0001-01-01 and 9999-12-31.
///
/// Ordering is chronological. Serialized as the string `"YYYY-MM-DD"`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    // Field order matters: the derived `Ord` compares year, then month, then day.
    year: i32,
    month: u8,
    day: u8,
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Seconds in a day, for [`Date::from_unix_seconds`].
const SECONDS_PER_DAY: i64 = 86_400;

fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in `month` (1..=12) of `year`; 0 for a month outside 1..=12.
fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// The earliest representable date, 0001-01-01.
    pub const MIN: Date = Date {
        year: 1,
        month: 1,
        day: 1,
    };

    /// The latest representable date, 9999-12-31.
    pub const MAX: Date = Date {
        year: 9999,
        month: 12,
        day: 31,
    };

    /// The date 1970-01-01, day 0 of [`Date::days_since_epoch`].
    pub const UNIX_EPOCH: Date = Date {
        year: 1970,
        month: 1,
        day: 1,
    };

    /// The date `year-month-day`, or `None` when it does not exist in the calendar
    /// (month outside 1..=12, day past the end of the month, 29 February of a common year)
    /// or the year is outside 1..=9999.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date {
            year,
            month: month as u8,
            day: day as u8,
        })
    }

    /// Parses `YYYY-MM-DD` strictly (four-digit year, two-digit month and day), after
    /// trimming surrounding whitespace.
    ///
    /// A trailing time or time-zone part, as IATI files carry (`2007-03-10T00:00:00Z`,
    /// `2007-03-10Z`, `2007-03-10+07:00`), is accepted and ignored: the calendar day as
    /// written is the date.
    ///
    /// The error is a sentence for a person, for example
    /// `"2007-02-30" is not a valid date: February 2007 has 28 days` or
    /// `expected a date as YYYY-MM-DD, got "12/03/2007"`.
    pub fn parse(text: &str) -> Result<Date, String> {
        let trimmed = text.trim();
        let shape_error = || {
            if trimmed.is_empty() {
                "expected a date as YYYY-MM-DD, got an empty text".to_string()
            } else {
                format!("expected a date as YYYY-MM-DD, got {trimmed:?}")
            }
        };
        let bytes = trimmed.as_bytes();
        if bytes.len() < 10 {
            return Err(shape_error());
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            bytes[range].iter().try_fold(0u32, |value, &b| {
                b.is_ascii_digit().then(|| value * 10 + u32::from(b - b'0'))
            })
        };
        let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10))
        else {
            return Err(shape_error());
        };
        if bytes[4] != b'-' || bytes[7] != b'-' || !is_ignorable_time_suffix(&bytes[10..]) {
            return Err(shape_error());
        }
        // Show only the date part in calendar errors: the time part was not the problem.
        let date_text = &trimmed[..10];
        let year = year as i32;
        if year == 0 {
            return Err(format!(
                "{date_text:?} is not a valid date: years start at 0001"
            ));
        }
        if !(1..=12).contains(&month) {
            return Err(format!(
                "{date_text:?} is not a valid date: there is no month {month:02} (months are 01 to 12)"
            ));
        }
        let month_length = days_in_month(year, month);
        if day == 0 {
            return Err(format!(
                "{date_text:?} is not a valid date: days of the month start at 01"
            ));
        }
        if day > month_length {
            let month_name = MONTH_NAMES[month as usize - 1];
            return Err(format!(
                "{date_text:?} is not a valid date: {month_name} {year} has {month_length} days"
            ));
        }
        Ok(Date {
            year,
            month: month as u8,
            day: day as u8,
        })
    }

    /// The year (1..=9999).
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month (1..=12).
    pub fn month(self) -> u32 {
        u32::from(self.month)
    }

    /// The day of the month (1..=31).
    pub fn day(self) -> u32 {
        u32::from(self.day)
    }

    /// Days since 1970-01-01 (which is day 0); negative before it.
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil, on a calendar whose years start in March.
        let month = i64::from(self.month);
        let day = i64::from(self.day);
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400; // 0..=399
        let shifted_month = (month + 9) % 12; // March = 0 .. February = 11
        let day_of_year = (153 * shifted_month + 2) / 5 + day - 1; // 0..=365
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The date `days` after 1970-01-01 (before it when negative), clamped to
    /// [`Date::MIN`]..=[`Date::MAX`].
    pub fn from_days_since_epoch(days: i64) -> Date {
        if days <= Date::MIN.days_since_epoch() {
            return Date::MIN;
        }
        if days >= Date::MAX.days_since_epoch() {
            return Date::MAX;
        }
        // Howard Hinnant's civil_from_days.
        let shifted = days + 719_468;
        let era = shifted.div_euclid(146_097);
        let day_of_era = shifted - era * 146_097; // 0..=146096
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153; // March = 0
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Date {
            // In range thanks to the clamping above.
            year: year as i32,
            month: month as u8,
            day: day as u8,
        }
    }

    /// The UTC calendar day of a Unix timestamp in seconds, clamped to
    /// [`Date::MIN`]..=[`Date::MAX`].
    pub fn from_unix_seconds(seconds: i64) -> Date {
        Date::from_days_since_epoch(seconds.div_euclid(SECONDS_PER_DAY))
    }

    /// The date `days` later (earlier when negative), clamped to
    /// [`Date::MIN`]..=[`Date::MAX`].
    pub fn add_days(self, days: i64) -> Date {
        Date::from_days_since_epoch(self.days_since_epoch().saturating_add(days))
    }
}

/// True for what may follow the date in an IATI date value and be ignored: nothing, a time
/// part (`T00:00:00`, `T10:30:00.000+07:00`) or a time-zone designator (`Z`, `+07:00`,
/// `-05:00`). Only the characters such parts use are accepted, so that `2007-03-10abc` or
/// `2007-03-101` stay errors.
fn is_ignorable_time_suffix(rest: &[u8]) -> bool {
    let Some((&first, tail)) = rest.split_first() else {
        return true;
    };
    let time_char = |b: &u8| b.is_ascii_digit() || matches!(b, b':' | b'.' | b'+' | b'-' | b'Z');
    match first {
        b'T' => {
            !tail.is_empty()
                && tail.first().is_some_and(u8::is_ascii_digit)
                && tail.iter().all(time_char)
        }
        b'Z' => tail.is_empty(),
        b'+' | b'-' => {
            tail.len() == 5
                && tail[2] == b':'
                && tail[..2].iter().chain(&tail[3..]).all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = String;

    /// Same as [`Date::parse`].
    fn from_str(text: &str) -> Result<Date, String> {
        Date::parse(text)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        struct DateVisitor;

        impl Visitor<'_> for DateVisitor {
            type Value = Date;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date as \"YYYY-MM-DD\"")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Date, E> {
                Date::parse(text).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(DateVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn from_ymd_accepts_real_days_only() {
        assert!(Date::from_ymd(2007, 3, 10).is_some());
        assert!(Date::from_ymd(2007, 2, 28).is_some());
        assert!(Date::from_ymd(2007, 2, 29).is_none());
        assert!(Date::from_ymd(2008, 2, 29).is_some());
        assert!(
            Date::from_ymd(1900, 2, 29).is_none(),
            "1900 is not a leap year"
        );
        assert!(Date::from_ymd(2000, 2, 29).is_some(), "2000 is a leap year");
        assert!(Date::from_ymd(2007, 4, 31).is_none());
        assert!(Date::from_ymd(2007, 12, 31).is_some());
        assert!(Date::from_ymd(2007, 13, 1).is_none());
        assert!(Date::from_ymd(2007, 0, 1).is_none());
        assert!(Date::from_ymd(2007, 1, 0).is_none());
        assert!(Date::from_ymd(2007, 1, 32).is_none());
        assert!(Date::from_ymd(0, 1, 1).is_none());
        assert!(Date::from_ymd(-5, 1, 1).is_none());
        assert!(Date::from_ymd(10_000, 1, 1).is_none());
        assert_eq!(Date::from_ymd(1, 1, 1), Some(Date::MIN));
        assert_eq!(Date::from_ymd(9999, 12, 31), Some(Date::MAX));
        assert!(Date::from_ymd(2007, u32::MAX, u32::MAX).is_none());
    }

    #[test]
    fn accessors() {
        let d = Date::from_ymd(2007, 11, 8).unwrap();
        assert_eq!((d.year(), d.month(), d.day()), (2007, 11, 8));
    }

    #[test]
    fn parse_strict_shape() {
        assert_eq!(date("2007-11-08"), Date::from_ymd(2007, 11, 8).unwrap());
        assert_eq!(date("  2007-11-08\n"), Date::from_ymd(2007, 11, 8).unwrap());
        for bad in [
            "12/03/2007",
            "2007-3-10",
            "2007-03-1",
            "07-03-10",
            "2007/03/10",
            "20070310",
            "2007-03-10abc",
            "2007-03-101",
            "2007-03-10 10:00",
            "+2007-03-10",
            "２００７-03-10",
            "2007-0a-10",
            "2007-03-10T",
            "2007-03-10Tnoon",
            "2007-03-10+7",
            "March 10, 2007",
            "2007-03",
            "é007-03-10",
        ] {
            let err = Date::parse(bad).unwrap_err();
            assert!(
                err.starts_with("expected a date as YYYY-MM-DD, got \""),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn parse_error_messages_are_sentences() {
        assert_eq!(
            Date::parse("12/03/2007").unwrap_err(),
            "expected a date as YYYY-MM-DD, got \"12/03/2007\""
        );
        assert_eq!(
            Date::parse("2007-02-30").unwrap_err(),
            "\"2007-02-30\" is not a valid date: February 2007 has 28 days"
        );
        assert_eq!(
            Date::parse("2008-02-30").unwrap_err(),
            "\"2008-02-30\" is not a valid date: February 2008 has 29 days"
        );
        assert_eq!(
            Date::parse("2007-04-31").unwrap_err(),
            "\"2007-04-31\" is not a valid date: April 2007 has 30 days"
        );
        assert_eq!(
            Date::parse("2007-13-01").unwrap_err(),
            "\"2007-13-01\" is not a valid date: there is no month 13 (months are 01 to 12)"
        );
        assert_eq!(
            Date::parse("2007-00-01").unwrap_err(),
            "\"2007-00-01\" is not a valid date: there is no month 00 (months are 01 to 12)"
        );
        assert_eq!(
            Date::parse("2007-01-00").unwrap_err(),
            "\"2007-01-00\" is not a valid date: days of the month start at 01"
        );
        assert_eq!(
            Date::parse("0000-01-01").unwrap_err(),
            "\"0000-01-01\" is not a valid date: years start at 0001"
        );
        assert_eq!(
            Date::parse("").unwrap_err(),
            "expected a date as YYYY-MM-DD, got an empty text"
        );
        assert_eq!(
            Date::parse("2007-02-30T00:00:00Z").unwrap_err(),
            "\"2007-02-30\" is not a valid date: February 2007 has 28 days"
        );
    }

    #[test]
    fn parse_ignores_iati_time_parts() {
        let expected = Date::from_ymd(2007, 3, 10).unwrap();
        for text in [
            "2007-03-10T00:00:00Z",
            "2007-03-10T00:00:00",
            "2007-03-10T23:59:59.999+07:00",
            "2007-03-10T10:00:00-05:00",
            "2007-03-10Z",
            "2007-03-10+07:00",
            "2007-03-10-05:00",
        ] {
            assert_eq!(date(text), expected, "{text}");
        }
    }

    #[test]
    fn parse_never_panics_on_odd_bytes() {
        for text in [
            "ééééééééééé",
            "2007-03-1é",
            "2007-é3-10",
            "\u{0}\u{0}\u{0}",
            "-----------",
            "9999-99-99",
        ] {
            assert!(Date::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "0001-01-01",
            "0999-05-06",
            "1970-01-01",
            "2007-11-08",
            "9999-12-31",
        ] {
            assert_eq!(date(text).to_string(), text);
        }
        assert_eq!("2007-06-25".parse::<Date>(), Ok(date("2007-06-25")));
    }

    #[test]
    fn ordering_is_chronological() {
        assert!(date("2007-03-10") < date("2007-03-12"));
        assert!(date("2007-03-31") < date("2007-04-01"));
        assert!(date("2006-12-31") < date("2007-01-01"));
        assert!(Date::MIN < Date::MAX);
    }

    #[test]
    fn epoch_days_known_values() {
        assert_eq!(Date::UNIX_EPOCH.days_since_epoch(), 0);
        assert_eq!(date("1970-01-02").days_since_epoch(), 1);
        assert_eq!(date("1969-12-31").days_since_epoch(), -1);
        assert_eq!(date("2000-03-01").days_since_epoch(), 11_017);
        assert_eq!(date("2007-11-08").days_since_epoch(), 13_825);
        assert_eq!(date("0001-01-01").days_since_epoch(), -719_162);
        assert_eq!(date("9999-12-31").days_since_epoch(), 2_932_896);
        assert_eq!(
            date("2007-06-26").days_since_epoch() - date("2007-06-25").days_since_epoch(),
            1
        );
        // Leap day and the day after.
        assert_eq!(
            date("2008-03-01").days_since_epoch() - date("2008-02-28").days_since_epoch(),
            2
        );
    }

    #[test]
    fn epoch_days_round_trip_every_day_of_some_centuries() {
        let mut previous = Date::from_days_since_epoch(date("1895-01-01").days_since_epoch() - 1);
        for days in date("1895-01-01").days_since_epoch()..=date("2105-12-31").days_since_epoch() {
            let d = Date::from_days_since_epoch(days);
            assert_eq!(d.days_since_epoch(), days);
            assert!(d > previous);
            assert_eq!(Some(d), Date::from_ymd(d.year(), d.month(), d.day()));
            previous = d;
        }
    }

    #[test]
    fn epoch_days_round_trip_at_the_range_ends() {
        for d in [
            Date::MIN,
            Date::MAX,
            date("1600-02-29"),
            date("0400-02-29"),
            date("0004-02-29"),
        ] {
            assert_eq!(Date::from_days_since_epoch(d.days_since_epoch()), d);
        }
    }

    #[test]
    fn from_days_clamps() {
        assert_eq!(Date::from_days_since_epoch(i64::MIN), Date::MIN);
        assert_eq!(Date::from_days_since_epoch(i64::MAX), Date::MAX);
        assert_eq!(Date::from_days_since_epoch(-10_000_000), Date::MIN);
        assert_eq!(Date::from_days_since_epoch(10_000_000), Date::MAX);
    }

    #[test]
    fn from_unix_seconds_is_utc_day() {
        assert_eq!(Date::from_unix_seconds(0), Date::UNIX_EPOCH);
        assert_eq!(Date::from_unix_seconds(86_399), Date::UNIX_EPOCH);
        assert_eq!(Date::from_unix_seconds(86_400), date("1970-01-02"));
        assert_eq!(Date::from_unix_seconds(-1), date("1969-12-31"));
        // 2007-11-08T12:00:00Z
        assert_eq!(Date::from_unix_seconds(1_194_523_200), date("2007-11-08"));
        assert_eq!(Date::from_unix_seconds(i64::MIN), Date::MIN);
        assert_eq!(Date::from_unix_seconds(i64::MAX), Date::MAX);
    }

    #[test]
    fn add_days_crosses_months_years_and_clamps() {
        assert_eq!(date("2007-03-10").add_days(10), date("2007-03-20"));
        assert_eq!(date("2007-12-31").add_days(1), date("2008-01-01"));
        assert_eq!(date("2008-02-28").add_days(1), date("2008-02-29"));
        assert_eq!(date("2007-03-01").add_days(-1), date("2007-02-28"));
        assert_eq!(date("2007-03-10").add_days(-30), date("2007-02-08"));
        assert_eq!(date("2007-03-10").add_days(0), date("2007-03-10"));
        assert_eq!(date("2007-03-10").add_days(i64::MAX), Date::MAX);
        assert_eq!(date("2007-03-10").add_days(i64::MIN), Date::MIN);
    }

    #[test]
    fn serde_uses_the_text_form() {
        let d = date("2007-06-25");
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"2007-06-25\"");
        assert_eq!(serde_json::from_str::<Date>("\"2007-06-25\"").unwrap(), d);
        assert_eq!(
            serde_json::from_str::<Date>("\"2007-06-25T00:00:00Z\"").unwrap(),
            d
        );
        let err = serde_json::from_str::<Date>("\"2007-02-30\"").unwrap_err();
        assert!(
            err.to_string().contains("February 2007 has 28 days"),
            "{err}"
        );
        assert!(serde_json::from_str::<Date>("20070625").is_err());
        let opt: Option<Date> = serde_json::from_str("null").unwrap();
        assert_eq!(opt, None);
    }
}
