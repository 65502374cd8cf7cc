//! The run's trace: a hash over every event line, and the lines themselves when enabled.
//! Lines are hashed as they are formatted: no string is built unless the lines are kept.

use std::fmt::{self, Write as _};

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

    /// Adds one event's line: `t=<ms since the start>ms <what>`.
    pub(crate) fn record(&mut self, now: Timestamp, what: fmt::Arguments<'_>) {
        let ms = now.duration_since(START).unwrap_or_default().as_millis();
        let mut line = Line {
            hash: self.hash,
            text: self.lines.as_ref().map(|_| String::new()),
        };
        // Writing to a hash and a string cannot fail.
        let _ = write!(line, "t={ms}ms {what}");
        self.hash = line.hash;
        if let (Some(lines), Some(text)) = (&mut self.lines, line.text) {
            lines.push(text);
        }
    }
}

/// One line being written: FNV-1a over its bytes, and its text when the lines are kept.
struct Line {
    hash: u64,
    text: Option<String>,
}

impl fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for byte in s.bytes() {
            self.hash ^= u64::from(byte);
            self.hash = self.hash.wrapping_mul(0x0100_0000_01b3);
        }
        if let Some(text) = &mut self.text {
            text.push_str(s);
        }
        Ok(())
    }
}
