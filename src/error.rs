//! The library's error type. Bad input (a scenario a user can fix) is kept
//! apart from failures at run time so the binary can map them to exit codes
//! 2 and 1.

use std::path::PathBuf;

/// Everything that can go wrong in tradefin.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A scenario, sweep or command-line value is invalid. `source` names
    /// the file (or `--set`), `message` gives the JSON path, the value and
    /// what is allowed.
    #[error("{source_name}: {message}")]
    Input { source_name: String, message: String },
    /// Reading or writing a file failed. The message names the path; the
    /// operating system's reason is the error's source (printed after it).
    #[error("{}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The simulation reached an impossible state (a bug or an extreme
    /// parameter combination); the message names replication, month and agent.
    #[error("{0}")]
    Runtime(String),
    /// The work was cancelled (Ctrl-C, SIGTERM). The message says what was
    /// kept on disk; `--resume` continues from there.
    #[error("interrupted: {0}")]
    Interrupted(String),
    /// A month ended in an impossible state (NaN, a negative stock, a bank
    /// balance sheet that does not balance): the run stops before anything
    /// of it is written. A bug, or parameters beyond what the model handles.
    #[error("the simulation reached an impossible state: {0}")]
    Invariant(Box<crate::sim::invariants::Violation>),
}

impl Error {
    pub fn input(source_name: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Input {
            source_name: source_name.into(),
            message: message.into(),
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// True for errors the user fixes by changing the input (exit code 2).
    pub fn is_input(&self) -> bool {
        matches!(self, Error::Input { .. })
    }

    /// True when the work stopped because it was cancelled.
    pub fn is_interrupted(&self) -> bool {
        matches!(self, Error::Interrupted(_))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
