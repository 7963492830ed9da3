/*!
The front door: [`Compiler`] reads policy documents into one policy set and compiles it into
an immutable [`iamc_runtime::PolicySet`], as its [`Config`] says.

# Overview
A [`Config`] holds every knob of a compile: the parse [`Limits`], the glob-DFA
[`AutomataLimits`], the [`ReadMode`] (strict by default; lenient turns what breaks a G rule
into opaque statements, G-21), the services RCPs apply to (E-10) and the management account
(E-10, E-12). A [`Compiler`] takes documents one by one ([`Compiler::add`] for bytes,
[`Compiler::add_policy`] for an already parsed [`Policy`]), each with its kind and, for SCPs
and RCPs, its organization level (root = 0), or starts from a set assembled elsewhere
([`Compiler::from_set`]: a scenario file's, an audit snapshot's). [`Compiler::build`] lowers
the set and builds the runtime's form; [`Compiler::build_ast`] hands back the assembled
[`ast::ParsedSet`] instead (the reference interpreter decides on it) and
[`Compiler::build_ir`] the lowered [`iamc_runtime::ir::PolicySetIr`] (what an artifact holds).
The compiler is the one public way to compile: whatever the input, the [`Config`] (its
automata limits above all) and the set-level checks apply.

# Errors
Adding never fails: every error of every document is kept (each with its source and JSON
path, [`Error`]), as are the set's own errors (a second resource or session policy, a level
given to a kind that has none, a level over [`Config::max_levels`]). `build` and `build_ast`
then return all of them at once in [`CompileErrors`], together with the warnings, and also
reject a gap in the SCP or RCP levels (`scp:0` and `scp:2` without `scp:1`): an empty level
allows nothing (E-11), so a gap would silently deny every request. Warnings (including the
opaque-statement warnings of a lenient read) are available at any time from
[`Compiler::warnings`].

# Trade-offs
- The compiler keeps the assembled AST, so `build` takes `&self` and can run again (after more
  `add`s, say); `build_ast` clones the set. A caller that only wants the runtime's form pays
  for the AST once. [`Compiler::from_set`] takes the set by value: a caller that keeps its
  own copy (the harness keeps the scenario's for the reference interpreter) clones it once,
  which costs little next to lowering it.
- Errors are collected rather than returned from `add`, so a caller loading many files sees
  all problems in one run; the price is that `add` cannot stop early, which the [`Limits`]
  bound anyway.

# Example
```
use iamc_compiler::{ast::PolicyKind, Compiler};
use iamc_runtime::{Context, Decision, Request};

let mut c = Compiler::default();
c.add(PolicyKind::Identity, 0, "read.json", br#"{"Version":"2012-10-17",
    "Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#);
c.add(PolicyKind::Scp, 0, "root.json", br#"{"Version":"2012-10-17",
    "Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#);
let set = c.build()?;
let req = Request {
    principal: "arn:aws:iam::111122223333:user/alice",
    action: "s3:GetObject",
    resource: "arn:aws:s3:::bucket/key",
    resource_account: None,
    context: Context::EMPTY,
};
assert_eq!(set.evaluate(&mut set.create_scratch(), &req).decision, Decision::Allow);
# Ok::<(), Box<dyn std::error::Error>>(())
```
*/

use std::fmt;
use std::sync::Arc;

use crate::ast::{self, JsonPath, Policy, PolicyKind};
use crate::automata::AutomataLimits;
use crate::check::Warning;
use crate::error::Error;
use crate::limits::Limits;
use crate::parse::{parse_policy_with, ReadMode};

/// Everything a compile can be configured with. [`Config::default`] is strict reading, the
/// default limits, the default RCP services and no management account.
///
/// Setters take and return the config by value, so a config reads as one expression:
/// `Config::new().read_mode(ReadMode::Lenient).management_account(Some("…".into()))`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    limits: Limits,
    automata: AutomataLimits,
    read_mode: ReadMode,
    rcp_services: Vec<String>,
    management_account: Option<String>,
    max_levels: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            limits: Limits::default(),
            automata: AutomataLimits::default(),
            read_mode: ReadMode::Strict,
            rcp_services: ast::default_rcp_services(),
            management_account: None,
            max_levels: 64,
        }
    }
}

impl Config {
    /// The default config.
    pub fn new() -> Config {
        Config::default()
    }

    /// Bounds on each document (sizes, nesting, counts; [`Limits`]).
    pub fn limits(mut self, limits: Limits) -> Config {
        self.limits = limits;
        self
    }

    /// Bounds on the glob DFAs of the set ([`AutomataLimits`]); a glob that does not fit
    /// keeps the linear matcher, with the same decisions.
    pub fn automata_limits(mut self, limits: AutomataLimits) -> Config {
        self.automata = limits;
        self
    }

    /// Strict (default: every G violation is an error) or lenient reading (G-21).
    pub fn read_mode(mut self, mode: ReadMode) -> Config {
        self.read_mode = mode;
        self
    }

    /// The service prefixes RCPs apply to (E-10); default
    /// [`ast::default_rcp_services`].
    pub fn rcp_services<I, S>(mut self, services: I) -> Config
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rcp_services = services.into_iter().map(Into::into).collect();
        self
    }

    /// The organization's management account, which SCPs and RCPs do not restrict (E-10,
    /// E-12); default none.
    pub fn management_account(mut self, account: Option<String>) -> Config {
        self.management_account = account;
        self
    }

    /// Most SCP or RCP levels (default 64; AWS allows a root and five levels of OUs below it,
    /// plus the account). A level at or over this is an error.
    pub fn max_levels(mut self, levels: usize) -> Config {
        self.max_levels = levels;
        self
    }

    /// The parse limits.
    pub fn get_limits(&self) -> &Limits {
        &self.limits
    }

    /// The glob-DFA limits.
    pub fn get_automata_limits(&self) -> &AutomataLimits {
        &self.automata
    }

    /// The read mode.
    pub fn get_read_mode(&self) -> ReadMode {
        self.read_mode
    }

    /// The services RCPs apply to.
    pub fn get_rcp_services(&self) -> &[String] {
        &self.rcp_services
    }

    /// The management account.
    pub fn get_management_account(&self) -> Option<&str> {
        self.management_account.as_deref()
    }

    /// The most SCP or RCP levels.
    pub fn get_max_levels(&self) -> usize {
        self.max_levels
    }
}

/// One error of a compile.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CompileError {
    /// An error in one document, with its source and JSON path.
    Policy(Error),
    /// More than one resource or session policy: a set holds at most one of each.
    OnlyOne {
        /// The kind (resource or session).
        kind: PolicyKind,
        /// The policy that did not fit.
        source: Arc<str>,
    },
    /// A level other than 0 for a kind without levels (only SCPs and RCPs have them).
    LevelNotAllowed {
        /// The kind.
        kind: PolicyKind,
        /// The level given.
        level: usize,
        /// The policy.
        source: Arc<str>,
    },
    /// An SCP or RCP level at or over [`Config::max_levels`].
    LevelTooHigh {
        /// The kind.
        kind: PolicyKind,
        /// The level given.
        level: usize,
        /// The limit.
        limit: usize,
        /// The policy.
        source: Arc<str>,
    },
    /// SCP or RCP levels with one missing below the highest given: an empty level allows
    /// nothing (E-11), so the set would deny every request.
    LevelGap {
        /// The kind.
        kind: PolicyKind,
        /// The first level without policies.
        missing: usize,
        /// The highest level given.
        highest: usize,
    },
    /// The runtime refused the lowered set (a bug in lowering rather than in the input).
    Build(iamc_runtime::BuildError),
}

impl CompileError {
    /// The input the error is about, if it is about one.
    pub fn source_name(&self) -> Option<&str> {
        match self {
            CompileError::Policy(e) => Some(&e.source),
            CompileError::OnlyOne { source, .. }
            | CompileError::LevelNotAllowed { source, .. }
            | CompileError::LevelTooHigh { source, .. } => Some(source),
            CompileError::LevelGap { .. } | CompileError::Build(_) => None,
        }
    }

    /// The JSON path of a document error.
    pub fn path(&self) -> Option<&JsonPath> {
        match self {
            CompileError::Policy(e) => Some(&e.path),
            _ => None,
        }
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompileError::Policy(e) => e.fmt(f),
            CompileError::OnlyOne { kind, source } => write!(
                f,
                "{source}: a policy set holds one {} policy; this is another",
                kind.as_str()
            ),
            CompileError::LevelNotAllowed {
                kind,
                level,
                source,
            } => write!(
                f,
                "{source}: level {level} given to a {} policy; only scp and rcp take a level",
                kind.as_str()
            ),
            CompileError::LevelTooHigh {
                kind,
                level,
                limit,
                source,
            } => write!(
                f,
                "{source}: {} level {level} is over the limit of {} levels",
                kind.as_str(),
                limit
            ),
            CompileError::LevelGap {
                kind,
                missing,
                highest,
            } => write!(
                f,
                "{k} level {missing} has no policies but level {highest} has: an empty level \
                 denies every request (E-11); give {k}:{missing} or number the levels without \
                 a gap",
                k = kind.as_str()
            ),
            CompileError::Build(e) => write!(f, "cannot compile: {e}"),
        }
    }
}

impl std::error::Error for CompileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CompileError::Policy(e) => Some(e),
            CompileError::Build(e) => Some(e),
            _ => None,
        }
    }
}

/// Every error of a compile (never empty), with the warnings found on the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileErrors {
    errors: Vec<CompileError>,
    warnings: Vec<Warning>,
}

impl CompileErrors {
    /// Every error, in the order the documents were added; set-level errors (level gaps, the
    /// runtime's refusal) last.
    pub fn errors(&self) -> &[CompileError] {
        &self.errors
    }

    /// The warnings of the documents that were read.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The errors, by value.
    pub fn into_errors(self) -> Vec<CompileError> {
        self.errors
    }

    /// How many errors.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Always false (kept for the `len`/`is_empty` pair).
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
}

impl fmt::Display for CompileErrors {
    /// One error a line, then a count.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.errors {
            writeln!(f, "{e}")?;
        }
        write!(f, "{} error(s); nothing compiled", self.errors.len())
    }
}

impl std::error::Error for CompileErrors {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.errors
            .first()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Reads documents into one policy set and compiles it (see the [module docs](self)).
#[derive(Clone, Debug)]
pub struct Compiler {
    config: Config,
    set: ast::ParsedSet,
    errors: Vec<CompileError>,
    warnings: Vec<Warning>,
    /// SCP and RCP levels the set given to [`Compiler::from_set`] holds: each is explicit,
    /// empty or not (an empty one denies every request, E-11); only levels `add` creates
    /// can be gaps.
    given_levels: [usize; 2],
}

impl Default for Compiler {
    fn default() -> Compiler {
        Compiler::new(Config::default())
    }
}

impl Compiler {
    /// A compiler with nothing added yet.
    pub fn new(config: Config) -> Compiler {
        let set = ast::ParsedSet {
            management_account: config.management_account.clone(),
            rcp_services: config.rcp_services.clone(),
            ..ast::ParsedSet::default()
        };
        Compiler {
            config,
            set,
            errors: Vec::new(),
            warnings: Vec::new(),
            given_levels: [0, 0],
        }
    }

    /// A compiler that starts from an assembled set (a scenario file's, an audit snapshot's)
    /// instead of documents; more may be added. [`Compiler::build`] checks it as it checks
    /// any set (a level at or over [`Config::max_levels`]) and lowers it with the config's
    /// automata limits. The set's levels are explicit: an empty one (a scenario's
    /// `"scps":[[]]`) is not a gap but a level that allows nothing, and the compiled set denies
    /// every request as E-11 says (a gap is only a level skipped by [`Compiler::add`]). The set's management account
    /// and RCP services are part of it (a scenario file gives them): they replace the
    /// config's, so [`Compiler::config`] says what the set is compiled with.
    pub fn from_set(config: Config, set: ast::ParsedSet) -> Compiler {
        let config = Config {
            management_account: set.management_account.clone(),
            rcp_services: set.rcp_services.clone(),
            ..config
        };
        let mut errors = Vec::new();
        for (kind, levels) in [(PolicyKind::Scp, &set.scps), (PolicyKind::Rcp, &set.rcps)] {
            let over = levels.iter().enumerate().skip(config.max_levels);
            for (level, policies) in over {
                errors.extend(policies.iter().map(|p| CompileError::LevelTooHigh {
                    kind,
                    level,
                    limit: config.max_levels,
                    source: Arc::clone(&p.source),
                }));
            }
        }
        let given_levels = [set.scps.len(), set.rcps.len()];
        Compiler {
            config,
            set,
            errors,
            warnings: Vec::new(),
            given_levels,
        }
    }

    /// The config.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Read one document (bare, a `PolicyVersion` wrapper, or URL-encoded) named `source` as
    /// a policy of `kind` at `level` (SCP/RCP level, root = 0; 0 for other kinds), in the
    /// config's read mode and limits. Errors are kept for [`Compiler::build`]; warnings go to
    /// [`Compiler::warnings`].
    pub fn add(
        &mut self,
        kind: PolicyKind,
        level: usize,
        source: &str,
        bytes: &[u8],
    ) -> &mut Compiler {
        match parse_policy_with(
            source,
            bytes,
            kind,
            &self.config.limits,
            self.config.read_mode,
        ) {
            Ok(parsed) => {
                self.warnings.extend(parsed.warnings);
                self.add_policy(kind, level, parsed.policy);
            }
            Err(errors) => self
                .errors
                .extend(errors.into_iter().map(CompileError::Policy)),
        }
        self
    }

    /// Add an already parsed policy as `kind` at `level` (the policy's own kind is what it
    /// was checked as; `kind` is where it goes in the set).
    pub fn add_policy(&mut self, kind: PolicyKind, level: usize, policy: Policy) -> &mut Compiler {
        let leveled = matches!(kind, PolicyKind::Scp | PolicyKind::Rcp);
        if level != 0 && !leveled {
            self.errors.push(CompileError::LevelNotAllowed {
                kind,
                level,
                source: Arc::clone(&policy.source),
            });
            return self;
        }
        match kind {
            PolicyKind::Identity => self.set.identity.push(policy),
            PolicyKind::Boundary => self.set.boundaries.push(policy),
            PolicyKind::Resource => one(&mut self.set.resource, kind, policy, &mut self.errors),
            PolicyKind::Session => one(&mut self.set.session, kind, policy, &mut self.errors),
            PolicyKind::Scp | PolicyKind::Rcp => {
                if level >= self.config.max_levels {
                    self.errors.push(CompileError::LevelTooHigh {
                        kind,
                        level,
                        limit: self.config.max_levels,
                        source: Arc::clone(&policy.source),
                    });
                    return self;
                }
                let levels = if kind == PolicyKind::Scp {
                    &mut self.set.scps
                } else {
                    &mut self.set.rcps
                };
                if levels.len() <= level {
                    levels.resize_with(level + 1, Vec::new);
                }
                if let Some(l) = levels.get_mut(level) {
                    l.push(policy);
                }
            }
        }
        self
    }

    /// The warnings of every document read so far (lenient reads: one per opaque statement).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The errors found so far (a gap in levels is found by `build`).
    pub fn errors(&self) -> &[CompileError] {
        &self.errors
    }

    /// Every error: those of the documents, then level gaps.
    fn all_errors(&self) -> Vec<CompileError> {
        let mut errors = self.errors.clone();
        for (kind, levels, given) in [
            (PolicyKind::Scp, &self.set.scps, self.given_levels[0]),
            (PolicyKind::Rcp, &self.set.rcps, self.given_levels[1]),
        ] {
            let gap = levels
                .iter()
                .enumerate()
                .position(|(i, l)| i >= given && l.is_empty());
            if let Some(missing) = gap {
                errors.push(CompileError::LevelGap {
                    kind,
                    missing,
                    highest: levels.len().saturating_sub(1),
                });
            }
        }
        errors
    }

    fn failed(&self, errors: Vec<CompileError>) -> CompileErrors {
        CompileErrors {
            errors,
            warnings: self.warnings.clone(),
        }
    }

    /// Every error [`Compiler::build`] would report before lowering (those of the documents,
    /// then level gaps), without building anything.
    pub fn check(&self) -> Result<(), CompileErrors> {
        let errors = self.all_errors();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(self.failed(errors))
        }
    }

    /// The assembled set, checked (every error, level gaps included), for callers that decide
    /// on the AST (the reference interpreter).
    pub fn build_ast(&self) -> Result<ast::ParsedSet, CompileErrors> {
        let errors = self.all_errors();
        if errors.is_empty() {
            Ok(self.set.clone())
        } else {
            Err(self.failed(errors))
        }
    }

    /// [`Compiler::build_ast`] without the copy: the assembled set, checked.
    pub fn into_ast(self) -> Result<ast::ParsedSet, CompileErrors> {
        let errors = self.all_errors();
        if errors.is_empty() {
            Ok(self.set)
        } else {
            Err(self.failed(errors))
        }
    }

    /// Compile everything added into the runtime's immutable form, or return every error.
    pub fn build(&self) -> Result<iamc_runtime::PolicySet, CompileErrors> {
        let ir = self.build_ir()?;
        iamc_runtime::PolicySet::new(&ir).map_err(|e| self.failed(vec![CompileError::Build(e)]))
    }

    /// The checked set lowered to the runtime's IR, glob DFAs built within the config's
    /// automata limits: what [`Compiler::build`] hands the runtime and what an artifact
    /// holds (`iamc_runtime::artifact`). For tests and tools that look at the IR itself.
    pub fn build_ir(&self) -> Result<iamc_runtime::ir::PolicySetIr, CompileErrors> {
        let errors = self.all_errors();
        if !errors.is_empty() {
            return Err(self.failed(errors));
        }
        Ok(crate::lower::to_ir_with(&self.set, &self.config.automata))
    }
}

/// Put `policy` into a slot that holds one (resource, session), else record the error.
fn one(
    slot: &mut Option<Policy>,
    kind: PolicyKind,
    policy: Policy,
    errors: &mut Vec<CompileError>,
) {
    if slot.is_some() {
        errors.push(CompileError::OnlyOne {
            kind,
            source: Arc::clone(&policy.source),
        });
    } else {
        *slot = Some(policy);
    }
}

#[cfg(test)]
mod tests;
