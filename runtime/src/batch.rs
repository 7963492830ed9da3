//! Batch evaluation: many requests against one [`PolicySet`], for authorizers that decide in
//! bulk and for replaying logs.
//!
//! The serial calls ([`PolicySet::evaluate_batch`], [`PolicySet::evaluate_interned_batch`]) are
//! a loop over [`PolicySet::evaluate`] that writes into a caller-owned slice, so a warm batch
//! allocates nothing, exactly like a single decision.
//!
//! With the `rayon` feature, [`PolicySet::par_evaluate_batch`] splits the batch into chunks
//! (about four per worker, 64 to 4,096 requests each) decided on rayon's thread pool, one [`Scratch`] per worker (created lazily by
//! `for_each_init`, so a parallel batch allocates a few scratches; the per-request work still
//! allocates nothing). The feature is off by default: an authorizer that wants no thread pool
//! links no thread pool. Decisions do not depend on how the batch is split: each request is
//! decided alone against the immutable set.

use crate::decision::Outcome;
use crate::eval::Scratch;
use crate::policy_set::PolicySet;
use crate::request::{InternedRequest, Request};

impl PolicySet {
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
}
