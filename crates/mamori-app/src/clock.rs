//! The one place the application reads the system clock, and the test clock the browser
//! suite uses to run its journeys at any date.
//!
//! `MAMORI_TEST_NOW` (an RFC 3339 instant such as `2027-04-10T10:00:00+09:00`, or a date
//! `YYYY-MM-DD` meaning 09:00 in Tokyo) makes the process start at that instant; the clock
//! then runs forward from it. `MAMORI_TEST_SHIFT_DAYS` adds whole days on top (so a suite
//! can move a server forward from whatever date it was given). Both are environment
//! variables only: the configuration file cannot set them, and the `MAMORI_TEST_` prefix is
//! reserved for test suites. A server with either set logs a warning at start.

use std::sync::OnceLock;

static OFFSET: OnceLock<Result<i64, String>> = OnceLock::new();

#[allow(clippy::disallowed_methods)] // the one read of the system clock
fn system_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// The offset of the test clock from the system clock for these variable values, given the
/// system time now.
pub fn test_offset(now_var: Option<&str>, shift_var: Option<&str>, system_now: i64) -> Result<i64, String> {
    let mut offset = 0;
    if let Some(v) = now_var.map(str::trim).filter(|v| !v.is_empty()) {
        let at = if let Ok(ts) = v.parse::<jiff::Timestamp>() {
            ts
        } else if let Ok(d) = v.parse::<jiff::civil::Date>() {
            let tz = jiff::tz::TimeZone::get("Asia/Tokyo").map_err(|e| e.to_string())?;
            d.at(9, 0, 0, 0).to_zoned_datetime(tz).map_err(|e| e.to_string())?.timestamp()
        } else {
            return Err(format!("MAMORI_TEST_NOW={v}: expected an RFC 3339 instant or YYYY-MM-DD"));
        };
        offset = at.as_millisecond() - system_now;
    }
    if let Some(v) = shift_var.map(str::trim).filter(|v| !v.is_empty()) {
        let days: i64 = v
            .trim_start_matches('+')
            .parse()
            .map_err(|_| format!("MAMORI_TEST_SHIFT_DAYS={v}: expected whole days"))?;
        offset += days.checked_mul(86_400_000).ok_or_else(|| format!("MAMORI_TEST_SHIFT_DAYS={v}: too large"))?;
    }
    Ok(offset)
}

fn offset() -> &'static Result<i64, String> {
    OFFSET.get_or_init(|| {
        let now = std::env::var("MAMORI_TEST_NOW").ok();
        let shift = std::env::var("MAMORI_TEST_SHIFT_DAYS").ok();
        test_offset(now.as_deref(), shift.as_deref(), system_ms())
    })
}

/// Current time in epoch milliseconds (the only place the application reads the clock;
/// use cases take `now` as a parameter).
pub fn now_ms() -> i64 {
    system_ms() + offset().as_ref().copied().unwrap_or(0)
}

/// Whether the test clock is set: `Ok(Some(description))` to warn about, `Err` when its
/// variables cannot be read (the commands refuse to start).
pub fn test_clock() -> Result<Option<String>, String> {
    match offset() {
        Err(e) => Err(e.clone()),
        Ok(0)
            if std::env::var_os("MAMORI_TEST_NOW").is_none()
                && std::env::var_os("MAMORI_TEST_SHIFT_DAYS").is_none() =>
        {
            Ok(None)
        }
        Ok(_) => Ok(Some(format!(
            "test clock in use: now is {}",
            jiff::Timestamp::from_millisecond(now_ms()).map(|t| t.to_string()).unwrap_or_default()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::test_offset;

    const SYS: i64 = 1_800_000_000_000;

    #[test]
    fn no_variables_no_offset() {
        assert_eq!(test_offset(None, None, SYS), Ok(0));
        assert_eq!(test_offset(Some(""), Some(" "), SYS), Ok(0));
    }

    #[test]
    fn a_date_is_nine_in_the_morning_in_tokyo() {
        let off = test_offset(Some("2027-04-10"), None, SYS).unwrap();
        let at: jiff::Timestamp = "2027-04-10T00:00:00Z".parse().unwrap();
        assert_eq!(SYS + off, at.as_millisecond());
    }

    #[test]
    fn an_instant_and_a_shift_add_up() {
        let off = test_offset(Some("2028-02-29T10:00:00+09:00"), Some("+75"), SYS).unwrap();
        let at: jiff::Timestamp = "2028-05-14T01:00:00Z".parse().unwrap();
        assert_eq!(SYS + off, at.as_millisecond());
        assert_eq!(test_offset(None, Some("-1"), SYS), Ok(-86_400_000));
    }

    #[test]
    fn garbage_is_refused_with_the_variable_named() {
        assert!(test_offset(Some("April"), None, SYS).unwrap_err().contains("MAMORI_TEST_NOW"));
        assert!(test_offset(None, Some("1.5"), SYS).unwrap_err().contains("MAMORI_TEST_SHIFT_DAYS"));
    }
}
