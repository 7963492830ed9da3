//! Scenario files (the oracle's format).
