//! The engines `iamc eval --engine` selects; the engines themselves are the harness's
//! ([`iamc_harness::engine`]).

use iamc_harness::engine::{ArtifactEngine, CompiledEngine, Engine, ReferenceEngine};

/// The engines `--engine` can select.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineChoice {
    /// The compiled engine (the default).
    #[default]
    Compiled,
    /// The reference interpreter.
    Reference,
    /// Both; every difference between them is reported as a disagreement.
    Both,
    /// The compiled engine after a round trip through an artifact (compile, `to_bytes`,
    /// `from_bytes`).
    Artifact,
    /// Compiled, artifact and reference; every difference is a disagreement.
    All,
}

impl EngineChoice {
    /// The engines to run, in output order. With more than one, every request is decided by
    /// each and any difference between them counts as a disagreement.
    pub fn engines(self) -> Vec<Box<dyn Engine>> {
        match self {
            EngineChoice::Compiled => vec![Box::new(CompiledEngine)],
            EngineChoice::Reference => vec![Box::new(ReferenceEngine)],
            EngineChoice::Both => vec![Box::new(CompiledEngine), Box::new(ReferenceEngine)],
            EngineChoice::Artifact => vec![Box::new(ArtifactEngine)],
            EngineChoice::All => iamc_harness::engine::all(),
        }
    }
}
