//! Lowering the AST into the runtime's compiled form.
