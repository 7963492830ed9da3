//! The `iamc` command-line tool; everything is in the library ([`iamc::run`]).

fn main() -> std::process::ExitCode {
    iamc::main_with_args(std::env::args_os())
}
