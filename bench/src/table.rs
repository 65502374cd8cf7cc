//! The runner's one table: each row ours vs the reference (and the bound where there is one),
//! as Markdown or as JSON.

use std::time::Duration;

use serde_json::{Value as Json, json};

use crate::timing::human;

/// One measured row.
#[derive(Debug)]
pub struct Row {
    /// What was measured.
    pub what: String,
    /// Our time.
    pub ours: Duration,
    /// The official implementation's time, when measured.
    pub reference: Option<Duration>,
    /// The hardware bound's time, when there is one.
    pub bound: Option<Duration>,
    /// Our operations per second, for throughput rows.
    pub ops_per_second: Option<f64>,
    /// For a row of a scaling series: how its work and our time compare with the first row's.
    pub growth: Option<Growth>,
}

/// A scaling row's growth over its series' first row (see `crate::growth`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Growth {
    /// This row's work / the first row's.
    pub work: f64,
    /// This row's time (`ours`) / the first row's.
    pub time: f64,
}

impl Row {
    /// A row with only our time.
    pub fn ours(what: String, ours: Duration) -> Row {
        Row {
            what,
            ours,
            reference: None,
            bound: None,
            ops_per_second: None,
            growth: None,
        }
    }

    /// Reference / ours.
    pub fn speedup(&self) -> Option<f64> {
        self.reference
            .map(|r| r.as_secs_f64() / self.ours.as_secs_f64())
    }

    /// Ours / bound.
    pub fn over_bound(&self) -> Option<f64> {
        self.bound
            .map(|b| self.ours.as_secs_f64() / b.as_secs_f64())
    }

    /// The row as one JSON object (BENCHMARKS.md lists the fields).
    pub fn to_json(&self) -> Json {
        // NaN and infinities (a zero duration) are not JSON: null instead.
        let finite = |x: Option<f64>| x.filter(|v| v.is_finite());
        json!({
            "name": self.what,
            "ours_seconds": self.ours.as_secs_f64(),
            "official_seconds": self.reference.map(|r| r.as_secs_f64()),
            "bound_seconds": self.bound.map(|b| b.as_secs_f64()),
            "speedup": finite(self.speedup()),
            "ours_over_bound": finite(self.over_bound()),
            "ops_per_second": finite(self.ops_per_second),
            "growth": finite(self.growth.map(|g| g.time)),
            "work": finite(self.growth.map(|g| g.work)),
        })
    }
}

/// The rows as `{"rows": [...]}`.
pub fn json(rows: &[Row]) -> Json {
    json!({ "rows": rows.iter().map(Row::to_json).collect::<Vec<_>>() })
}

/// Prints the rows as a Markdown table: speedup = reference / ours, and ours / bound.
pub fn print(rows: &[Row]) {
    println!("| benchmark | ours | official | speedup | bound | ours / bound |");
    println!("|---|---|---|---|---|---|");
    for row in rows {
        let reference = row.reference.map_or("n/a".into(), human);
        let speedup = row.speedup().map_or("n/a".into(), |s| format!("{s:.1}x"));
        let bound = row.bound.map_or("n/a".into(), human);
        let over_bound = row
            .over_bound()
            .map_or("n/a".into(), |r| format!("{r:.2}x"));
        println!(
            "| {} | {} | {reference} | {speedup} | {bound} | {over_bound} |",
            row.what,
            human(row.ours)
        );
    }
}
