//! One-line errors with a hint, and exit codes scripts can rely on.

use std::fmt;
use std::process::ExitCode;

/// Why a command failed, and which exit code says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The operation ran and failed: a node said no, a computation failed (exit 1).
    Operation = 1,
    /// Bad input: a value flag, a program file, a config file (exit 3).
    Input = 3,
    /// The network could not be reached: the bootnode, a node or the chain (exit 4).
    Unreachable = 4,
    /// A node said the thing does not exist: values, a program, a computation (exit 5).
    NotFound = 5,
    /// A node said the caller may not do this (exit 6).
    PermissionDenied = 6,
}

/// A failed command: a one-line message and, where it helps, what to do about it.
#[derive(Debug)]
pub struct CliError {
    /// The exit code class.
    pub failure: Failure,
    /// What went wrong, on one line.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl CliError {
    /// An error of class `failure`.
    pub fn new(failure: Failure, message: impl Into<String>) -> Self {
        Self {
            failure,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The process exit code.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.failure as u8)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Messages stay on one line even when a lower layer's text spans several.
        write!(f, "error: {}", self.message.replace('\n', " "))?;
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}
