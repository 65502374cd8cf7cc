//! The runner's one table: each row ours vs the reference (and the bound where there is one).

use std::time::Duration;

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
}

/// Prints the rows as a Markdown table: speedup = reference / ours, and ours / bound.
pub fn print(rows: &[Row]) {
    println!("| benchmark | ours | official | speedup | bound | ours / bound |");
    println!("|---|---|---|---|---|---|");
    for row in rows {
        let reference = row.reference.map_or("n/a".into(), human);
        let speedup = row.reference.map_or("n/a".into(), |r| {
            format!("{:.1}x", r.as_secs_f64() / row.ours.as_secs_f64())
        });
        let bound = row.bound.map_or("n/a".into(), human);
        let over_bound = row.bound.map_or("n/a".into(), |b| {
            format!("{:.2}x", row.ours.as_secs_f64() / b.as_secs_f64())
        });
        println!(
            "| {} | {} | {reference} | {speedup} | {bound} | {over_bound} |",
            row.what,
            human(row.ours)
        );
    }
}
