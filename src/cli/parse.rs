//! Value parsers of the command line: clock, date, mode and the workout's limits.

use crate::preset::Mode;

/// `HH:MM` → seconds after midnight.
pub fn parse_clock(s: &str) -> Result<f64, String> {
    let (h, m) = s.split_once(':').ok_or("use HH:MM")?;
    let (h, m): (u32, u32) = (
        h.parse().map_err(|_| "bad hour")?,
        m.parse().map_err(|_| "bad minute")?,
    );
    if h > 23 || m > 59 {
        return Err("use HH:MM within a day".into());
    }
    Ok((h * 3600 + m * 60) as f64)
}

/// `YYYY-MM-DD` → day of the year (1-based; the sun's position needs nothing more).
pub fn parse_day_of_year(s: &str) -> Result<u32, String> {
    let parts: Vec<u32> = s
        .split('-')
        .map(|p| p.parse().map_err(|_| "use YYYY-MM-DD"))
        .collect::<Result<_, _>>()?;
    let [year, month, day] = parts[..] else {
        return Err("use YYYY-MM-DD".into());
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let february = if leap { 29 } else { 28 };
    let lengths = [31, february, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&month) || day == 0 || day > lengths[month as usize - 1] {
        return Err(format!("{s} is not a date"));
    }
    Ok(lengths[..month as usize - 1].iter().sum::<u32>() + day)
}

pub fn parse_mode(s: &str) -> Result<Mode, String> {
    match s {
        "sleep" => Ok(Mode::Sleep),
        "focus" => Ok(Mode::Focus),
        "relax" => Ok(Mode::Relax),
        "workout" => Ok(Mode::Workout),
        _ => Err("use sleep, focus, relax or workout".into()),
    }
}

/// A target cadence, checked as the daemon and the config check it.
pub fn parse_target_cadence(s: &str) -> Result<f32, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("`{s}`: use steps per minute"))?;
    crate::limits::target_cadence(v)?.ok_or_else(|| "use 60 to 220 steps per minute".into())
}

/// A heart-rate ceiling, checked as the daemon and the config check it.
pub fn parse_hr_ceiling(s: &str) -> Result<f32, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}`: use bpm"))?;
    crate::limits::hr_ceiling(v)?.ok_or_else(|| "use 80 to 230 bpm".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_reads_hours_and_minutes_within_a_day() {
        assert_eq!(parse_clock("00:00"), Ok(0.0));
        assert_eq!(parse_clock("23:30"), Ok(84_600.0));
        assert!(parse_clock("24:00").is_err());
        assert!(parse_clock("12:60").is_err());
        assert!(parse_clock("1230").is_err());
    }

    #[test]
    fn day_of_year_counts_leap_days() {
        assert_eq!(parse_day_of_year("2026-01-01"), Ok(1));
        assert_eq!(parse_day_of_year("2026-06-21"), Ok(172));
        assert_eq!(parse_day_of_year("2024-12-31"), Ok(366));
        assert_eq!(parse_day_of_year("2000-02-29"), Ok(60));
        assert!(parse_day_of_year("1900-02-29").is_err());
        assert!(parse_day_of_year("2026-13-01").is_err());
        assert!(parse_day_of_year("2026-04-31").is_err());
        assert!(parse_day_of_year("2026-06").is_err());
    }

    #[test]
    fn workout_limits_are_the_daemons() {
        assert_eq!(parse_target_cadence("170"), Ok(170.0));
        assert!(parse_target_cadence("30").is_err());
        assert!(parse_target_cadence("fast").is_err());
        assert_eq!(parse_hr_ceiling("165"), Ok(165.0));
        assert!(parse_hr_ceiling("250").is_err());
        assert_eq!(parse_mode("sleep"), Ok(Mode::Sleep));
        assert!(parse_mode("nap").is_err());
    }
}
