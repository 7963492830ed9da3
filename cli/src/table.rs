//! `iamc eval --format table`: the decisions as a readable table on stdout.
//!
//! Columns: `id`, `principal`, `action`, `resource`, `decision` and `deciding` (the deciding
//! policy's name and the statement's Sid, or its index when it has none), plus `engine` when
//! several engines decide. A decision that disagrees with its expectation reads
//! `implicit_deny (expected allow)`.
//!
//! Trade-off: aligned columns need the widths of the rows, but a bulk run may decide millions
//! of requests, which must not all be held. The rows are buffered in blocks of
//! [`BLOCK_ROWS`]; the first block fixes the column widths (a wider cell later only pushes its
//! own line's next columns right), so memory stays bounded and output starts early.

use std::io::{self, Write};

/// Rows buffered before the widths are fixed and the rows written.
pub const BLOCK_ROWS: usize = 1000;

/// Column headings, without `engine`.
const HEADINGS: [&str; 6] = [
    "id",
    "principal",
    "action",
    "resource",
    "decision",
    "deciding",
];

/// A table being written.
#[derive(Debug, Default)]
pub struct Table {
    /// Whether an `engine` column follows `id`.
    with_engine: bool,
    /// Rows not written yet.
    rows: Vec<Vec<String>>,
    /// Fixed with the first block; `None` before.
    widths: Option<Vec<usize>>,
}

impl Table {
    /// A table; `with_engine` adds the `engine` column (several engines).
    pub fn new(with_engine: bool) -> Table {
        Table {
            with_engine,
            ..Table::default()
        }
    }

    /// Add a row: the cells (id, principal, action, resource, decision, deciding) and the
    /// engine's name.
    pub fn push(
        &mut self,
        out: &mut dyn Write,
        cells: [String; 6],
        engine: &str,
    ) -> io::Result<()> {
        let mut row: Vec<String> = cells.into();
        if self.with_engine {
            row.insert(1, engine.to_string());
        }
        self.rows.push(row);
        if self.rows.len() >= BLOCK_ROWS {
            self.flush(out)?;
        }
        Ok(())
    }

    /// Write the buffered rows (and, the first time, the heading; none for no rows).
    pub fn flush(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        if self.widths.is_none() {
            let mut heading: Vec<String> = HEADINGS.iter().map(|h| h.to_string()).collect();
            if self.with_engine {
                heading.insert(1, "engine".to_string());
            }
            let mut widths: Vec<usize> = heading.iter().map(|h| h.chars().count()).collect();
            for row in &self.rows {
                for (w, cell) in widths.iter_mut().zip(row) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            write_row(out, &heading, &widths)?;
            self.widths = Some(widths);
        }
        let widths = self.widths.as_deref().unwrap_or_default();
        for row in self.rows.drain(..) {
            write_row(out, &row, widths)?;
        }
        Ok(())
    }
}

/// One line: cells padded to their column's width, two spaces apart, no trailing blanks.
fn write_row(out: &mut dyn Write, row: &[String], widths: &[usize]) -> io::Result<()> {
    let mut line = String::new();
    for (i, cell) in row.iter().enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        line.push_str(cell);
        if i + 1 < row.len() {
            let w = widths.get(i).copied().unwrap_or(0);
            line.extend(std::iter::repeat_n(
                ' ',
                w.saturating_sub(cell.chars().count()),
            ));
        }
    }
    writeln!(out, "{}", line.trim_end())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn cells(id: &str, resource: &str) -> [String; 6] {
        [
            id,
            "p",
            "s3:GetObject",
            resource,
            "allow",
            "a.json Sid \"S\"",
        ]
        .map(String::from)
    }

    #[test]
    fn columns_line_up_and_the_heading_comes_first() {
        let mut t = Table::new(false);
        let mut out = Vec::new();
        t.push(&mut out, cells("r1", "arn:aws:s3:::b/long-key"), "compiled")
            .unwrap();
        t.push(&mut out, cells("request2", "*"), "compiled")
            .unwrap();
        t.flush(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("id        principal"), "{text}");
        let col = |l: &str| l.find("allow").or_else(|| l.find("decision")).unwrap();
        assert_eq!(col(lines[0]), col(lines[1]));
        assert_eq!(col(lines[1]), col(lines[2]));
    }

    #[test]
    fn rows_are_written_in_blocks() {
        let mut t = Table::new(true);
        let mut out = Vec::new();
        for i in 0..BLOCK_ROWS {
            t.push(&mut out, cells(&i.to_string(), "*"), "reference")
                .unwrap();
        }
        // The block is written as soon as it is full, nothing held.
        assert!(t.rows.is_empty());
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), BLOCK_ROWS + 1);
        assert!(text.starts_with("id   engine"), "{}", &text[..40]);
    }
}
