//! Library side of the `iamc` tool: engines behind one trait, scenario evaluation, printers.
