//! The `concord` command: a node (`concord node`), a client of a node (`submit`, `revise`,
//! `withdraw`, `get`, `list`, `watch`, `info`), the demo and the benchmark. All parsing,
//! environment variables and logging set-up live here and in `cli/`; the library takes
//! plain values.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
