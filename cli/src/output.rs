//! Printing results as YAML (the default, like the official CLI) or JSON.

use clap::ValueEnum;
use serde_json::Value as Json;

/// How results are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// YAML.
    #[default]
    Yaml,
    /// JSON.
    Json,
}

impl OutputFormat {
    /// Renders `value` in this format.
    pub fn render(self, value: &Json) -> String {
        match self {
            // Neither serializer can fail on a `serde_json::Value`.
            OutputFormat::Json => serde_json::to_string_pretty(value).unwrap_or_default() + "\n",
            OutputFormat::Yaml => serde_yaml::to_string(value).unwrap_or_default(),
        }
    }
}
