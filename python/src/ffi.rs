//! Record batches across the Arrow C data interface: pyarrow exports a batch into two structs
//! we allocate (`RecordBatch._export_to_c`), and imports ours (`_import_from_c`). Buffers are
//! shared, not copied; each side releases what it received through the structs' release
//! callbacks.
//!
//! This is the crate's only `unsafe`: importing trusts that the structs hold what the C data
//! interface specifies, which pyarrow guarantees for what it exports.

use arrow_array::ffi::{from_ffi, to_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::{Array, RecordBatch, StructArray};
use pyo3::prelude::*;

use crate::BatchError;

/// A pyarrow `RecordBatch` (or anything with `_export_to_c`) as an Arrow `RecordBatch`.
pub fn import(batch: &Bound<'_, PyAny>) -> PyResult<RecordBatch> {
    let mut array = FFI_ArrowArray::empty();
    let mut schema = FFI_ArrowSchema::empty();
    batch.call_method1(
        "_export_to_c",
        (
            std::ptr::addr_of_mut!(array) as usize,
            std::ptr::addr_of_mut!(schema) as usize,
        ),
    )?;
    // SAFETY: pyarrow filled both structs per the C data interface; `from_ffi` takes over the
    // array (its release callback runs when the data is dropped).
    let data = unsafe { from_ffi(array, &schema) }
        .map_err(|e| BatchError::new_err(format!("importing the batch: {e}")))?;
    let s = StructArray::from(data);
    if s.null_count() > 0 {
        return Err(BatchError::new_err(
            "importing the batch: a record batch has no null rows",
        ));
    }
    Ok(RecordBatch::from(s))
}

/// An Arrow `RecordBatch` as a pyarrow `RecordBatch`.
pub fn export<'py>(py: Python<'py>, batch: RecordBatch) -> PyResult<Bound<'py, PyAny>> {
    let data = StructArray::from(batch).into_data();
    let (array, schema) =
        to_ffi(&data).map_err(|e| BatchError::new_err(format!("exporting the batch: {e}")))?;
    let mut array = Box::new(array);
    let mut schema = Box::new(schema);
    let pa = py.import("pyarrow")?;
    // pyarrow moves both structs out (marking them released), so dropping the boxes after the
    // call frees only the boxes; if the call fails they still own their data and free it.
    pa.getattr("RecordBatch")?.call_method1(
        "_import_from_c",
        (
            std::ptr::addr_of_mut!(*array) as usize,
            std::ptr::addr_of_mut!(*schema) as usize,
        ),
    )
}
