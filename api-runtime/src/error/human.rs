//! Durations as a person reads them in a message: `350 ms`, `1.5 s`,
//! `2 min 5 s`, never `1.500000321s`.

use std::fmt;
use std::time::Duration;

/// A duration printed for people ([`fmt::Display`]): whole microseconds
/// below a millisecond, whole milliseconds below a second, seconds with
/// one decimal below a minute, then minutes and seconds, then hours and
/// minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Human(pub(crate) Duration);

impl fmt::Display for Human {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        let secs = d.as_secs();
        if d < Duration::from_millis(1) {
            write!(f, "{} µs", d.as_micros())
        } else if d < Duration::from_secs(1) {
            write!(f, "{} ms", d.as_millis())
        } else if secs < 60 {
            // Tenths, truncated: `1.5 s`, and `2 s` rather than `2.0 s`.
            let tenths = d.as_millis() / 100;
            match tenths % 10 {
                0 => write!(f, "{} s", tenths / 10),
                t => write!(f, "{}.{t} s", tenths / 10),
            }
        } else if secs < 3600 {
            match secs % 60 {
                0 => write!(f, "{} min", secs / 60),
                s => write!(f, "{} min {s} s", secs / 60),
            }
        } else {
            match (secs % 3600) / 60 {
                0 => write!(f, "{} h", secs / 3600),
                m => write!(f, "{} h {m} min", secs / 3600),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        let cases = [
            (Duration::from_nanos(1_500), "1 µs"),
            (Duration::from_micros(312_500), "312 ms"),
            (Duration::from_millis(1_000), "1 s"),
            (Duration::from_nanos(1_500_000_321), "1.5 s"),
            (Duration::from_secs(59), "59 s"),
            (Duration::from_secs(60), "1 min"),
            (Duration::from_secs(125), "2 min 5 s"),
            (Duration::from_secs(3600), "1 h"),
            (Duration::from_secs(86_400 + 90), "24 h 1 min"),
            (Duration::MAX, "5124095576030431 h"),
        ];
        for (duration, text) in cases {
            assert_eq!(Human(duration).to_string(), text, "{duration:?}");
        }
    }
}
