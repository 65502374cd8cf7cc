//! The run's trace: a hash over every event line, and the lines themselves when enabled.

use nilvm_core::time::Timestamp;

use super::START;

/// FNV-1a over the lines, and the lines if kept.
#[derive(Debug)]
pub(crate) struct Trace {
    hash: u64,
    lines: Option<Vec<String>>,
}

impl Trace {
    pub(crate) fn new() -> Self {
        Self {
            hash: 0xcbf2_9ce4_8422_2325,
            lines: None,
        }
    }

    /// Keeps the lines from now on.
    pub(crate) fn enable(&mut self) {
        self.lines = Some(Vec::new());
    }

    pub(crate) fn lines(&self) -> Option<&[String]> {
        self.lines.as_deref()
    }

    pub(crate) fn hash(&self) -> u64 {
        self.hash
    }

    /// Adds one event's line.
    pub(crate) fn record(&mut self, line: String) {
        for byte in line.bytes() {
            self.hash ^= u64::from(byte);
            self.hash = self.hash.wrapping_mul(0x0100_0000_01b3);
        }
        if let Some(lines) = &mut self.lines {
            lines.push(line);
        }
    }
}

/// `now` as the trace writes it: milliseconds since the start.
pub(crate) fn ms_since(now: Timestamp) -> String {
    let d = now.duration_since(START).unwrap_or_default();
    format!("t={}ms", d.as_millis())
}
