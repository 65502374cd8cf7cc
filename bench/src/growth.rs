//! How cost grows along a scaling series: every row is compared with its series' first row,
//! so a reader sees at a glance whether the time grows like the work (linear), slower, or
//! faster, in the table's text and in the JSON's `work` and `growth` fields.

use std::time::Duration;

use crate::table::{Growth, Row};

/// One point of a series, before it is compared with the first.
#[derive(Debug)]
pub struct Point {
    /// What was measured (the growth statement is appended).
    pub what: String,
    /// The work, in any unit shared by the series (values, bytes, clients, seeds, ...).
    pub work: f64,
    /// Our time.
    pub ours: Duration,
    /// Our operations per second, for throughput series.
    pub ops_per_second: Option<f64>,
}

/// The series' rows, each text ending with "(W× the work of the first row: T× the time)".
pub fn series(points: Vec<Point>) -> Vec<Row> {
    let Some(first) = points.first() else {
        return Vec::new();
    };
    let (work, time) = (first.work, first.ours.as_secs_f64());
    points
        .into_iter()
        .map(|point| {
            let growth = Growth {
                work: point.work / work,
                time: point.ours.as_secs_f64() / time,
            };
            Row {
                what: format!(
                    "{} ({} the work of the first row: {} the time)",
                    point.what,
                    ratio(growth.work),
                    ratio(growth.time)
                ),
                ours: point.ours,
                reference: None,
                bound: None,
                ops_per_second: point.ops_per_second,
                growth: Some(growth),
            }
        })
        .collect()
}

/// A ratio for humans: two decimals while small, whole numbers from 100.
fn ratio(x: f64) -> String {
    if (100.0..1e15).contains(&x) {
        format!("{}×", thousands(x.round() as usize))
    } else {
        format!("{x:.2}×")
    }
}

/// For humans: 10000 → "10,000".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_compare_with_the_first() {
        let point = |work, millis| Point {
            what: format!("w{work}"),
            work,
            ours: Duration::from_millis(millis),
            ops_per_second: None,
        };
        let rows = series(vec![point(1.0, 2), point(100.0, 100)]);
        assert_eq!(
            rows[1].growth,
            Some(Growth {
                work: 100.0,
                time: 50.0
            })
        );
        assert_eq!(
            rows[1].what,
            "w100 (100× the work of the first row: 50.00× the time)"
        );
        assert_eq!(rows[1].to_json()["growth"], 50.0);
        assert!(series(Vec::new()).is_empty());
    }

    #[test]
    fn thousands_separate() {
        assert_eq!(thousands(1), "1");
        assert_eq!(thousands(100), "100");
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
