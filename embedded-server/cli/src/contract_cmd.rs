//! `contract export`: a contract in another language's terms. Today one format,
//! `super-line-ts`, a super-line `defineContract` module with zod schemas ([`crate::zod`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use switchboard_server::contract::{Contract, ContractError};

use crate::zod::{super_line_module, ZodExportError};

/// Work with contracts.
#[derive(Debug, Clone, Subcommand)]
pub enum ContractCommand {
    /// Write a contract (the demo's by default) as a super-line TypeScript module with zod
    /// schemas; parts zod cannot express are reported with their key paths and nothing is
    /// written.
    Export(ExportArgs),
}

/// `--format`: what `contract export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ContractFormat {
    /// A super-line `defineContract` module (TypeScript, ESM) with zod 4 schemas.
    SuperLineTs,
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    #[arg(long, value_enum)]
    pub format: ContractFormat,
    /// Where to write; `-` for stdout.
    #[arg(long)]
    pub out: PathBuf,
    /// The contract file to export (default: the demo's contract).
    #[arg(long, value_name = "FILE")]
    pub contract: Option<PathBuf>,
}

/// Why `contract export` wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ContractCmdError {
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error(transparent)]
    Zod(#[from] ZodExportError),
    #[error("{path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl ContractCommand {
    /// Runs the command; results go to the `--out` file (or stdout).
    pub fn run(self) -> Result<(), ContractCmdError> {
        let stdout = std::io::stdout();
        self.run_to(&mut stdout.lock())
    }

    /// Runs the command; `--out -` writes to `out` (tests).
    pub fn run_to(self, out: &mut dyn Write) -> Result<(), ContractCmdError> {
        match self {
            ContractCommand::Export(args) => args.run_to(out),
        }
    }
}

impl ExportArgs {
    fn run_to(self, out: &mut dyn Write) -> Result<(), ContractCmdError> {
        let (contract, source) = match &self.contract {
            Some(path) => (Contract::from_file(path)?, path.display().to_string()),
            None => (
                Contract::from_json_str(switchboard_demo::CONTRACT_JSON, "demo/contract.json")?,
                "the demo contract".to_owned(),
            ),
        };
        // Only valid contracts are exported: compiling runs every rule the server checks.
        contract.clone().compile()?;
        let text = match self.format {
            ContractFormat::SuperLineTs => super_line_module(&contract, &source)?,
        };
        if self.out == Path::new("-") {
            out.write_all(text.as_bytes())
                .map_err(|source| ContractCmdError::Write {
                    path: "<stdout>".into(),
                    source,
                })
        } else {
            write_atomically(&self.out, text.as_bytes())
        }
    }
}

/// Writes beside the target and renames, so a failed export never leaves half a module.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ContractCmdError> {
    let err = |source| ContractCmdError::Write {
        path: path.display().to_string(),
        source,
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}
