//! `concord export --format csv|jsonl`: the node's streamed `Export` (CSV with an HXL
//! hashtag row, or JSON lines) written as it arrives, to standard output or to a file.
//!
//! A file is written under a temporary name in the same directory, flushed to disk, and
//! renamed over `--out` only when the whole export arrived: a failed export never leaves
//! a truncated file (nor touches an existing one).

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use futures_util::StreamExt;

use concord::rpc::client::{ExportFormat, ViewFilters};

use super::ClientOptions;
use super::client_commands::connect;

/// Counts the records of an export as its bytes go by, whatever the chunking.
struct RecordCounter {
    format: ExportFormat,
    in_quotes: bool,
    lines: u64,
}

impl RecordCounter {
    fn new(format: ExportFormat) -> RecordCounter {
        RecordCounter {
            format,
            in_quotes: false,
            lines: 0,
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        for byte in bytes {
            match (self.format, byte) {
                // A quoted CSV field may hold line ends; doubled quotes toggle twice.
                (ExportFormat::CsvHxl, b'"') => self.in_quotes = !self.in_quotes,
                (_, b'\n') if !self.in_quotes => self.lines += 1,
                _ => {}
            }
        }
    }

    fn records(&self) -> u64 {
        match self.format {
            // The header row and the HXL row.
            ExportFormat::CsvHxl => self.lines.saturating_sub(2),
            ExportFormat::JsonLines => self.lines,
        }
    }
}

/// A temporary file in `out`'s directory, readable like a file the command would create
/// (mode 0644 before the umask), removed when dropped unless renamed over `out`.
pub(super) fn temporary_beside(out: &Path) -> anyhow::Result<tempfile::NamedTempFile> {
    let directory = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".concord-").suffix(".partial");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    builder
        .tempfile_in(directory)
        .with_context(|| format!("cannot create a temporary file in {}", directory.display()))
}

fn describe(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::CsvHxl => "CSV with HXL hashtags",
        ExportFormat::JsonLines => "JSON lines",
    }
}

/// Streams the export of the reports `filters` select to `out` (standard output when
/// `None`).
pub async fn stream(
    format: ExportFormat,
    filters: ViewFilters,
    out: Option<&Path>,
    options: &ClientOptions,
) -> anyhow::Result<()> {
    let client = connect(options).await?;
    let mut chunks = Box::pin(client.export(&filters, format).await?);
    let mut counter = RecordCounter::new(format);
    match out {
        None => {
            let stdout = std::io::stdout();
            let mut writer = std::io::BufWriter::new(stdout.lock());
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.context("the export stopped before its end")?;
                counter.feed(&chunk);
                writer
                    .write_all(&chunk)
                    .context("cannot write to standard output")?;
            }
            writer.flush().context("cannot write to standard output")?;
            eprintln!(
                "exported {} report(s) as {}",
                counter.records(),
                describe(format)
            );
        }
        Some(out) => {
            let temporary = temporary_beside(out)?;
            let mut writer = std::io::BufWriter::new(temporary);
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.context("the export stopped before its end; nothing written")?;
                counter.feed(&chunk);
                writer
                    .write_all(&chunk)
                    .with_context(|| format!("cannot write the export for {}", out.display()))?;
            }
            let temporary = writer
                .into_inner()
                .map_err(|error| error.into_error())
                .with_context(|| format!("cannot write the export for {}", out.display()))?;
            temporary
                .as_file()
                .sync_all()
                .with_context(|| format!("cannot write the export for {}", out.display()))?;
            temporary
                .persist(out)
                .map_err(|error| error.error)
                .with_context(|| format!("cannot write {}", out.display()))?;
            eprintln!(
                "exported {} report(s) as {} to {}",
                counter.records(),
                describe(format),
                out.display()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_counted_across_chunks_and_quoted_line_ends() {
        let mut csv = RecordCounter::new(ExportFormat::CsvHxl);
        for piece in [
            "id,title\r\n#activity +id,#activity +name\r\n1,\"two\r\nli",
            "nes, \"\"quoted\"\"\"\r\n2,plain\r\n",
        ] {
            csv.feed(piece.as_bytes());
        }
        assert_eq!(csv.records(), 2);
        let mut lines = RecordCounter::new(ExportFormat::JsonLines);
        lines.feed(b"{\"title\":\"a \\\"b\\\"\"}\n{}\n");
        assert_eq!(lines.records(), 2);
    }
}
