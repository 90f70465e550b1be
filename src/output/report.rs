//! The report: `report.html`, one self-contained file (inline CSS, inline
//! SVG, no network) a user opens in any browser, and `report.md`, the same
//! tables for a terminal or a paper. Charts are also written to
//! `charts/*.svg`.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use super::charts::{Chart, css_colour};
use super::write_atomic;
use crate::{Error, Result};

/// A table cell: its text, an optional second line (a confidence
/// interval), and whether it is muted (a difference whose CI contains 0).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    pub text: String,
    pub detail: Option<String>,
    pub muted: bool,
}

impl Cell {
    pub fn plain(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            ..Cell::default()
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Table {
    pub title: String,
    /// A sentence under the title: how to read the table.
    pub note: String,
    pub header: Vec<String>,
    /// Units under the header, one per column (may be empty).
    pub units: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// The table as aligned text for the console: the header, then each
    /// row's main values (units and CIs stay in the files and the report).
    pub fn console(&self) -> String {
        let mut lines: Vec<Vec<String>> = vec![self.header.clone()];
        lines.extend(
            self.rows
                .iter()
                .map(|r| r.iter().map(|c| c.text.clone()).collect()),
        );
        let columns = self.header.len();
        let widths: Vec<usize> = (0..columns)
            .map(|k| {
                lines
                    .iter()
                    .map(|l| l.get(k).map_or(0, |t| t.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for line in &lines {
            let cells: Vec<String> = line
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(k, (t, w))| {
                    if k == 0 {
                        format!("{t:<w$}")
                    } else {
                        format!("{t:>w$}")
                    }
                })
                .collect();
            let _ = writeln!(out, "{}", cells.join("  ").trim_end());
        }
        out
    }
}

/// A scenario in "What was run".
#[derive(Debug, Clone)]
pub struct ScenarioEntry {
    pub name: String,
    pub description: String,
    /// (path, value) the scenario changes relative to the reference.
    pub changes: Vec<(String, String)>,
}

/// Everything a report shows, in order.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub title: String,
    /// A paragraph under the title.
    pub summary: String,
    /// Facts about the run (replications, seed, firms, period, version).
    pub facts: Vec<(String, String)>,
    /// What the changes are relative to ("the baseline").
    pub reference: String,
    pub scenarios: Vec<ScenarioEntry>,
    pub tables: Vec<Table>,
    pub charts: Vec<Chart>,
    /// Result files, relative to the report, with what each holds.
    pub files: Vec<(String, String)>,
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #222;
       max-width: 1320px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin: 1.4em 0 0.3em; }
p.summary { font-size: 1.05em; color: #444; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.84em; }
th, td { padding: 0.3em 0.4em; border-bottom: 1px solid #e4e4e4; vertical-align: top; text-align: right; }
th { background: #f4f4f4; font-weight: 600; }
td:first-child, th:first-child { text-align: left; }
tr.units th { background: #fafafa; font-weight: normal; color: #666; font-size: 0.85em; }
td .ci { display: block; color: #777; font-size: 0.8em; white-space: nowrap; }
td.muted { color: #999; }
table.facts td { text-align: left; }
table.scenarios { width: 100%; }
table.scenarios td, table.scenarios th { text-align: left; }
table.scenarios td:nth-child(2) { width: 45%; }
table.scenarios code { overflow-wrap: anywhere; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.9em; background: #f6f6f6; padding: 0 0.2em; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.4em; border-radius: 2px; }
.note { color: #555; font-size: 0.92em; }
figure { margin: 1.2em 0 2em; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9em; }
.scroll { overflow-x: auto; }
";

/// The SVG for inlining: plotters' namespace attribute dropped (HTML
/// needs none), so that the report holds no URL at all.
fn inline_svg(svg: &str) -> String {
    svg.replacen(r#" xmlns="http://www.w3.org/2000/svg""#, "", 1)
}

/// `report.html`: one file, no external resources.
pub fn html(report: &Report) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n<p class=\"summary\">{}</p>\n",
        escape(&report.title),
        escape(&report.title),
        escape(&report.summary)
    );
    h.push_str("<h2>What was run</h2>\n<table class=\"facts\">\n");
    for (k, v) in &report.facts {
        let _ = writeln!(h, "<tr><td>{}</td><td>{}</td></tr>", escape(k), escape(v));
    }
    h.push_str("</table>\n");
    if !report.scenarios.is_empty() {
        let _ = writeln!(
            h,
            "<div class=\"scroll\"><table class=\"scenarios\">\n<tr><th>scenario</th><th>description</th><th>changes relative to {}</th></tr>",
            escape(&report.reference)
        );
        for (i, s) in report.scenarios.iter().enumerate() {
            let changes = if s.changes.is_empty() {
                "none".to_string()
            } else {
                s.changes
                    .iter()
                    .map(|(p, v)| format!("<code>{}&#160;=&#160;{}</code>", escape(p), escape(v)))
                    .collect::<Vec<_>>()
                    .join("<br/>")
            };
            let _ = writeln!(
                h,
                "<tr><td><span class=\"swatch\" style=\"background:{}\"></span>{}</td><td>{}</td><td>{changes}</td></tr>",
                css_colour(i),
                escape(&s.name),
                escape(&s.description)
            );
        }
        h.push_str("</table></div>\n");
    }
    for t in &report.tables {
        let _ = writeln!(
            h,
            "<h2>{}</h2>\n<p class=\"note\">{}</p>",
            escape(&t.title),
            escape(&t.note)
        );
        h.push_str("<div class=\"scroll\"><table>\n<tr>");
        for c in &t.header {
            let _ = write!(h, "<th>{}</th>", escape(c));
        }
        h.push_str("</tr>\n");
        if t.units.iter().any(|u| !u.is_empty()) {
            h.push_str("<tr class=\"units\">");
            for u in &t.units {
                let _ = write!(h, "<th>{}</th>", escape(u));
            }
            h.push_str("</tr>\n");
        }
        for row in &t.rows {
            h.push_str("<tr>");
            for c in row {
                let class = if c.muted { " class=\"muted\"" } else { "" };
                let detail = c
                    .detail
                    .as_ref()
                    .map(|d| format!("<span class=\"ci\">{}</span>", escape(d)))
                    .unwrap_or_default();
                let _ = write!(h, "<td{class}>{}{detail}</td>", escape(&c.text));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table></div>\n");
    }
    if !report.charts.is_empty() {
        h.push_str("<h2>Charts</h2>\n");
        for c in &report.charts {
            let _ = writeln!(
                h,
                "<figure id=\"{}\">\n{}\n<figcaption>{} (<a href=\"charts/{}.svg\">charts/{}.svg</a>)</figcaption>\n</figure>",
                escape(&c.file),
                inline_svg(&c.svg),
                escape(&c.caption),
                escape(&c.file),
                escape(&c.file)
            );
        }
    }
    h.push_str("<h2>Files</h2>\n<p class=\"note\">Columns are described in docs/OUTPUT.md.</p>\n<ul>\n");
    for (path, what) in &report.files {
        let _ = writeln!(
            h,
            "<li><a href=\"{}\"><code>{}</code></a>: {}</li>",
            escape(path),
            escape(path),
            escape(what)
        );
    }
    h.push_str("</ul>\n</body>\n</html>\n");
    h
}

fn md_escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// `report.md`: the same facts and tables, charts as links.
pub fn markdown(report: &Report) -> String {
    let mut m = format!("# {}\n\n{}\n\n## What was run\n\n", report.title, report.summary);
    m.push_str("| | |\n|---|---|\n");
    for (k, v) in &report.facts {
        let _ = writeln!(m, "| {} | {} |", md_escape(k), md_escape(v));
    }
    if !report.scenarios.is_empty() {
        let _ = writeln!(
            m,
            "\n| scenario | description | changes relative to {} |\n|---|---|---|",
            report.reference
        );
        for s in &report.scenarios {
            let changes = if s.changes.is_empty() {
                "none".to_string()
            } else {
                s.changes
                    .iter()
                    .map(|(p, v)| format!("`{}={}`", md_escape(p), md_escape(v)))
                    .collect::<Vec<_>>()
                    .join("<br>")
            };
            let _ = writeln!(
                m,
                "| {} | {} | {changes} |",
                md_escape(&s.name),
                md_escape(&s.description)
            );
        }
    }
    for t in &report.tables {
        let _ = write!(m, "\n## {}\n\n{}\n\n", t.title, t.note);
        let header: Vec<String> = t
            .header
            .iter()
            .zip(t.units.iter().chain(std::iter::repeat(&String::new())))
            .map(|(h, u)| {
                if u.is_empty() {
                    md_escape(h)
                } else {
                    format!("{} ({})", md_escape(h), md_escape(u))
                }
            })
            .collect();
        let _ = writeln!(m, "| {} |", header.join(" | "));
        let _ = writeln!(
            m,
            "|{}|",
            (0..header.len())
                .map(|i| if i == 0 { "---" } else { "---:" })
                .collect::<Vec<_>>()
                .join("|")
        );
        for row in &t.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| {
                    let text = match &c.detail {
                        Some(d) => format!("{} {}", c.text, d),
                        None => c.text.clone(),
                    };
                    let text = md_escape(&text);
                    if c.muted { format!("{text} (n.s.)") } else { text }
                })
                .collect();
            let _ = writeln!(m, "| {} |", cells.join(" | "));
        }
    }
    if !report.charts.is_empty() {
        m.push_str("\n## Charts\n\n");
        for c in &report.charts {
            let _ = writeln!(m, "- [{}](charts/{}.svg): {}", c.title, c.file, c.caption);
        }
    }
    m.push_str("\n## Files\n\nColumns are described in docs/OUTPUT.md.\n\n");
    for (path, what) in &report.files {
        let _ = writeln!(m, "- [`{path}`]({path}): {what}");
    }
    m
}

/// Writes `charts/*.svg`, `report.html` and `report.md` into `out`.
pub fn write(out: &Path, report: &Report) -> Result<()> {
    let charts = out.join("charts");
    fs::create_dir_all(&charts).map_err(|e| Error::io(&charts, e))?;
    for c in &report.charts {
        write_atomic(&charts.join(format!("{}.svg", c.file)), c.svg.as_bytes())?;
    }
    write_atomic(&out.join("report.html"), html(report).as_bytes())?;
    write_atomic(&out.join("report.md"), markdown(report).as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        Report {
            title: "tradefin: A & B".into(),
            summary: "Two <scenarios>.".into(),
            facts: vec![("replications".into(), "8".into())],
            reference: "baseline".into(),
            scenarios: vec![ScenarioEntry {
                name: "b".into(),
                description: "a policy".into(),
                changes: vec![("government.guarantee.coverage".into(), "0.8".into())],
            }],
            tables: vec![Table {
                title: "Headline".into(),
                note: "differences".into(),
                header: vec!["scenario".into(), "x".into()],
                units: vec![String::new(), "share".into()],
                rows: vec![vec![
                    Cell::plain("b"),
                    Cell {
                        text: "+0.1".into(),
                        detail: Some("[-0.1, +0.3]".into()),
                        muted: true,
                    },
                ]],
            }],
            charts: vec![Chart {
                file: "c".into(),
                title: "C".into(),
                caption: "a chart".into(),
                svg:
                    r#"<svg width="1" height="1" viewBox="0 0 1 1" xmlns="http://www.w3.org/2000/svg"></svg>"#
                        .into(),
            }],
            files: vec![("comparison.csv".into(), "every metric".into())],
        }
    }

    #[test]
    fn html_escapes_text_inlines_charts_and_has_no_url() {
        let h = html(&sample());
        assert!(h.contains("<h1>tradefin: A &amp; B</h1>"));
        assert!(h.contains("Two &lt;scenarios&gt;."));
        assert!(h.contains("<td class=\"muted\">+0.1<span class=\"ci\">[-0.1, +0.3]</span></td>"));
        assert_eq!(h.matches("<svg").count(), 1);
        assert!(!h.contains("http"), "no URL, not even the SVG namespace");
        assert!(h.contains("<a href=\"comparison.csv\">"));
    }

    #[test]
    fn the_console_table_aligns_its_columns() {
        let t = &sample().tables[0];
        assert_eq!(t.console(), "scenario     x\nb         +0.1\n");
    }

    #[test]
    fn markdown_carries_the_same_table() {
        let m = markdown(&sample());
        assert!(m.contains("| scenario | x (share) |"), "{m}");
        assert!(m.contains("| b | +0.1 [-0.1, +0.3] (n.s.) |"), "{m}");
        assert!(m.contains("`government.guarantee.coverage=0.8`"));
        assert!(m.contains("- [C](charts/c.svg): a chart"));
    }
}
