//! `iamc._iamc`: the native half of the `iamc` Python package (pyo3, abi3).
//!
//! - [`image`]: an audit image (the audit's inputs, bundled) and [`Auditor`], which decides
//!   Arrow record batches with the `iamc-arrow` kernel;
//! - [`policy`]: `compile` and `PolicySet.evaluate` over the compiler's front door and the
//!   runtime;
//! - [`ffi`]: record batches to and from pyarrow through the Arrow C data interface
//!   (zero-copy both ways).
//!
//! Errors are Python exceptions (`iamc.IamcError` and its subclasses) carrying the CLI's
//! messages (the same `Display` of the same error values).

mod ffi;
mod image;
mod policy;

use pyo3::create_exception;
use pyo3::prelude::*;

create_exception!(
    _iamc,
    IamcError,
    pyo3::exceptions::PyException,
    "Any error of iamc (its message is the CLI's)."
);
create_exception!(
    _iamc,
    ImageError,
    IamcError,
    "An audit image cannot be built or loaded (a file of the snapshot or the change cannot be read)."
);
create_exception!(
    _iamc,
    CompileError,
    IamcError,
    "A policy set does not compile (every error, one a line, as `iamc compile` prints them)."
);
create_exception!(
    _iamc,
    BatchError,
    IamcError,
    "A record batch cannot be audited (a missing or mistyped column)."
);

#[pymodule]
fn _iamc(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("IamcError", py.get_type::<IamcError>())?;
    m.add("ImageError", py.get_type::<ImageError>())?;
    m.add("CompileError", py.get_type::<CompileError>())?;
    m.add("BatchError", py.get_type::<BatchError>())?;
    m.add("OUTPUT_DDL", iamc_arrow::OUTPUT_DDL)?;
    // The audit's approximation names in its report order, and the E-20 rule's policy name
    // (the summary of the kernel's rows counts with these, as `iamc audit` does).
    let approx: Vec<&str> = iamc_audit::event::Approx::ALL
        .iter()
        .map(|a| a.as_str())
        .collect();
    m.add("APPROXIMATIONS", approx)?;
    m.add("E20_RULE", iamc_audit::decide::E20_RULE)?;
    m.add_function(wrap_pyfunction!(image::image, m)?)?;
    m.add_function(wrap_pyfunction!(image::load, m)?)?;
    m.add_class::<image::Auditor>()?;
    m.add_function(wrap_pyfunction!(policy::compile, m)?)?;
    m.add_class::<policy::PolicySet>()?;
    m.add_class::<policy::Decision>()?;
    Ok(())
}
