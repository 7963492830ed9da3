//! [`PolicySet`], the front door: an immutable compiled policy set and every public method on
//! it, each a short call into the module that does the work.
//!
//! | method | work done in |
//! | --- | --- |
//! | [`PolicySet::new`] | [`crate::build`] (from the compiler's [`crate::ir`]) |
//! | [`PolicySet::from_bytes`], [`PolicySet::from_bytes_with`] | [`crate::artifact`] (reading), then [`crate::build`] |
//! | [`PolicySet::to_bytes`], [`PolicySet::to_bytes_with`], [`PolicySet::build_info`], [`PolicySet::ir`], [`PolicySet::encoded_ir_len`] | [`crate::artifact`] |
//! | [`PolicySet::create_scratch`], [`PolicySet::evaluate`], [`PolicySet::evaluate_interned`] | [`crate::eval`] |
//! | [`PolicySet::evaluate_batch`], [`PolicySet::evaluate_interned_batch`], [`PolicySet::par_evaluate_batch`] | loops over the above (below) |
//! | [`PolicySet::key_id`], [`PolicySet::intern_context`], [`PolicySet::policies`], [`PolicySet::rcp_services`], [`PolicySet::sid`] | here, reading [`crate::compiled`] |
//! | [`PolicySet::stats`] | [`crate::build::stats`] |
//!
//! `PolicySet` is `Send + Sync` and cheap to clone (an `Arc` inside).
//!
//! # Batches
//! The serial batch calls are a loop over [`PolicySet::evaluate`] that writes into a
//! caller-owned slice, so a warm batch allocates nothing, exactly like a single decision.
//! With the `rayon` feature, [`PolicySet::par_evaluate_batch`] splits the batch into chunks
//! (about four per worker, 64 to 4,096 requests each) decided on rayon's thread pool, one
//! [`Scratch`] per worker (created lazily by `for_each_init`, so a parallel batch allocates a
//! few scratches; the per-request work still allocates nothing). The feature is off by
//! default: an authorizer that wants no thread pool links no thread pool. Decisions do not
//! depend on how the batch is split: each request is decided alone against the immutable set.

use std::sync::Arc;

use crate::artifact::{self, BuildInfo, LoadError, LoadOptions, Source};
use crate::build;
use crate::build::stats::{self, Stats};
use crate::compiled::{Inner, PolicyInfo};
use crate::decision::{Outcome, StatementRef};
use crate::error::BuildError;
use crate::eval::{self, DependsOn, Scratch, Unknown};
use crate::fold::fold_key;
use crate::ir::{IrView, PolicySetIr};
use crate::request::{InternedContext, InternedKey, InternedRequest, Request, RequestError, Value};

/// An immutable compiled policy set. Build one with [`PolicySet::new`] from a compiler's IR
/// or load one with [`PolicySet::from_bytes`]; decide requests with [`PolicySet::evaluate`].
#[derive(Clone)]
pub struct PolicySet {
    inner: Arc<Inner>,
}

impl core::fmt::Debug for PolicySet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PolicySet")
            .field("statements", &self.inner.stmts.len())
            .field("keys", &self.inner.key_names.len())
            .finish()
    }
}

impl PolicySet {
    /// Build the compiled set from IR: sort statements canonically, index actions, type and
    /// compile every value. Fails only on inconsistent IR (ids out of range, a value that does
    /// not parse), which a correct compiler never produces.
    pub fn new(ir: &PolicySetIr) -> Result<PolicySet, BuildError> {
        PolicySet::build(&IrView::of(ir), Source::from_ir(ir))
    }

    /// Build from a view of the IR, keeping `source` (what [`PolicySet::to_bytes`] writes).
    fn build(v: &IrView<'_>, source: Source) -> Result<PolicySet, BuildError> {
        Ok(PolicySet {
            inner: Arc::new(build::build(v, source)?),
        })
    }

    /// Load a policy set from an artifact written by [`PolicySet::to_bytes`] (or
    /// [`artifact::encode`]). Never panics; any defect is a [`LoadError`].
    pub fn from_bytes(bytes: &[u8]) -> Result<PolicySet, LoadError> {
        PolicySet::from_bytes_with(bytes, LoadOptions::default())
    }

    /// [`PolicySet::from_bytes`], refusing any artifact whose SHA-256 is not `sha256`
    /// ([`LoadError::Sha256Mismatch`]): the deployer's pin, delivered apart from the file.
    pub fn from_bytes_pinned(bytes: &[u8], sha256: &[u8; 32]) -> Result<PolicySet, LoadError> {
        PolicySet::from_bytes_with(
            bytes,
            LoadOptions {
                expected_sha256: Some(*sha256),
                ..LoadOptions::default()
            },
        )
    }

    /// [`PolicySet::from_bytes`] with options.
    pub fn from_bytes_with(bytes: &[u8], opts: LoadOptions) -> Result<PolicySet, LoadError> {
        artifact::load(bytes, opts, |view, source| {
            PolicySet::build(view, source).map_err(LoadError::from)
        })
    }

    /// Write this set as an artifact, with the build info it was loaded with (or, for a set
    /// built with [`PolicySet::new`], [`BuildInfo::runtime_default`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.inner.source.to_bytes(None)
    }

    /// Write this set as an artifact with the given build info.
    pub fn to_bytes_with(&self, build: &BuildInfo) -> Vec<u8> {
        self.inner.source.to_bytes(Some(build))
    }

    /// The build info of a set loaded from an artifact; `None` for a set built from IR.
    pub fn build_info(&self) -> Option<&BuildInfo> {
        self.inner.source.build_info()
    }

    /// The IR this set was built from (decoded from the bytes it keeps).
    pub fn ir(&self) -> Result<PolicySetIr, LoadError> {
        self.inner.source.ir()
    }

    /// Size in bytes of the encoded IR this set keeps for [`PolicySet::to_bytes`].
    pub fn encoded_ir_len(&self) -> usize {
        self.inner.source.len()
    }

    /// Create the per-thread scratch space [`PolicySet::evaluate`] needs. Reuse it across
    /// calls: after its buffers have grown once, evaluation allocates nothing.
    pub fn create_scratch(&self) -> Scratch {
        Scratch::new(self.inner.key_names.len(), self.inner.scp_levels as usize)
    }

    /// Decide a request whose context keys are given by name.
    pub fn evaluate(&self, scratch: &mut Scratch, req: &Request<'_>) -> Outcome {
        eval::evaluate(&self.inner, scratch, req)
    }

    /// Decide a request whose context keys were resolved with [`PolicySet::key_id`].
    pub fn evaluate_interned(&self, scratch: &mut Scratch, req: &InternedRequest<'_>) -> Outcome {
        eval::evaluate_interned(&self.inner, scratch, req)
    }

    /// Decide a request some of whose facts are unknown (K-13): context keys the caller cannot
    /// see, or the resource. The decision may be [`crate::Decision::Indeterminate`] with the
    /// outcomes it may have (E-21). Allocates nothing once the scratch is warm. With nothing
    /// unknown it decides exactly as [`PolicySet::evaluate`].
    pub fn evaluate_with_unknowns(
        &self,
        scratch: &mut Scratch,
        req: &Request<'_>,
        unknown: &Unknown<'_>,
    ) -> Outcome {
        if unknown.is_empty() {
            return self.evaluate(scratch, req);
        }
        eval::evaluate_unknown(&self.inner, scratch, req, unknown, &mut |_| {})
    }

    /// What an indeterminate decision depends on (E-21): the unknown keys and the resource
    /// that statements of unknown applicability read, and the opaque statements among them.
    /// Empty for a determinate decision. Allocates: call it for the indeterminate decisions
    /// whose explanation is wanted.
    pub fn depends_on(
        &self,
        scratch: &mut Scratch,
        req: &Request<'_>,
        unknown: &Unknown<'_>,
    ) -> DependsOn {
        eval::depends_on(&self.inner, scratch, req, unknown)
    }

    /// Whether the set holds opaque statements (G-21): its decisions may be indeterminate.
    pub fn has_opaque_statements(&self) -> bool {
        self.inner.has_opaque
    }

    /// Decide every request, writing `out[i]` for `requests[i]`.
    ///
    /// # Panics
    /// If `out.len() != requests.len()` (a caller bug: some decisions would be lost).
    pub fn evaluate_batch(
        &self,
        scratch: &mut Scratch,
        requests: &[Request<'_>],
        out: &mut [Outcome],
    ) {
        assert_eq!(
            requests.len(),
            out.len(),
            "evaluate_batch: one outcome slot per request"
        );
        for (req, slot) in requests.iter().zip(out.iter_mut()) {
            *slot = self.evaluate(scratch, req);
        }
    }

    /// [`PolicySet::evaluate_batch`] for requests whose keys were resolved with
    /// [`PolicySet::key_id`].
    ///
    /// # Panics
    /// If `out.len() != requests.len()`.
    pub fn evaluate_interned_batch(
        &self,
        scratch: &mut Scratch,
        requests: &[InternedRequest<'_>],
        out: &mut [Outcome],
    ) {
        assert_eq!(
            requests.len(),
            out.len(),
            "evaluate_interned_batch: one outcome slot per request"
        );
        for (req, slot) in requests.iter().zip(out.iter_mut()) {
            *slot = self.evaluate_interned(scratch, req);
        }
    }

    /// Decide every request on rayon's thread pool, writing `out[i]` for `requests[i]`; the
    /// same outcomes as [`PolicySet::evaluate_batch`].
    ///
    /// # Panics
    /// If `out.len() != requests.len()`.
    #[cfg(feature = "rayon")]
    pub fn par_evaluate_batch(&self, requests: &[Request<'_>], out: &mut [Outcome]) {
        use rayon::prelude::*;
        assert_eq!(
            requests.len(),
            out.len(),
            "par_evaluate_batch: one outcome slot per request"
        );
        // About four chunks per worker, to balance, but at least 64 requests each so a task's
        // overhead (a scratch and ~1 µs of scheduling) stays small beside 0.1–1 µs a decision.
        let chunk = (requests.len() / (4 * rayon::current_num_threads())).clamp(64, 4096);
        requests
            .par_chunks(chunk)
            .zip(out.par_chunks_mut(chunk))
            .for_each_init(
                || self.create_scratch(),
                |scratch, (reqs, outs)| self.evaluate_batch(scratch, reqs, outs),
            );
    }

    /// The interned key of a condition key name (case-insensitive, C-2), for building
    /// [`InternedRequest`]s; `None` when no policy in the set uses the key. The key carries
    /// this set's stamp: only this set (or a clone) accepts it.
    pub fn key_id(&self, name: &str) -> Option<InternedKey> {
        let id = if name.bytes().all(|b| !b.is_ascii_uppercase()) && name.is_ascii() {
            self.inner.keys.get(name).copied()
        } else {
            self.inner.keys.get(fold_key(name).as_str()).copied()
        }?;
        Some(InternedKey {
            set: self.inner.stamp,
            id,
        })
    }

    /// Check an interned context for this set: every key interned by this set (or a clone),
    /// none twice (K-2). A decision by another set of the context that results fails closed
    /// ([`crate::Outcome::MALFORMED`]). Allocates only for more than
    /// 64 entries.
    pub fn intern_context<'a>(
        &self,
        entries: &'a [(InternedKey, Value<'a>)],
    ) -> Result<InternedContext<'a>, RequestError> {
        InternedContext::new(self.inner.stamp, entries)
    }

    /// Metadata of every policy, in canonical order.
    pub fn policies(&self) -> &[PolicyInfo] {
        &self.inner.policies
    }

    /// The services RCPs apply to (E-10), lower-case, as the set was compiled with them.
    pub fn rcp_services(&self) -> impl Iterator<Item = &str> + '_ {
        self.inner.rcp_services.iter().map(|s| &**s)
    }

    /// The Sid of a statement, if it has one.
    pub fn sid(&self, r: &StatementRef) -> Option<&str> {
        self.inner
            .policies
            .iter()
            .find(|p| p.kind == r.kind && p.level == r.level && p.index == r.policy)
            .and_then(|p| p.sids.get(r.statement as usize))
            .and_then(|s| s.as_deref())
    }

    /// What was built, with sizes.
    pub fn stats(&self) -> Stats {
        stats::stats(&self.inner)
    }
}
