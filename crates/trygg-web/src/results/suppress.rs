//! Disclosure control for every public output (page, CSV, GeoJSON): small
//! counts are hidden, and so are as many other figures as it takes that no
//! hidden count can be worked out from the published ones.
//!
//! A table is published with its row totals, column totals and grand total.
//! Counts below the threshold are hidden first (primary suppression). Then
//! more cells are hidden (secondary suppression) until no hidden figure is
//! determined by the published ones: in the table extended with its totals,
//! every row and column is a sum, and a hidden figure can be solved for
//! exactly when it is the only hidden one of a line or, more generally,
//! when it lies on no cycle of hidden figures (a bridge in the graph whose
//! vertices are the lines and whose edges are the hidden figures).

/// The default threshold: counts below it are shown as "< 5".
pub const THRESHOLD: i64 = 5;

/// A count as published: the number, or hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Published as is.
    Count(i64),
    /// Hidden: shown as "< threshold" on pages, `null` with a flag in data.
    Hidden,
}

impl Shown {
    /// The published number, if any.
    pub fn value(self) -> Option<i64> {
        match self {
            Shown::Count(n) => Some(n),
            Shown::Hidden => None,
        }
    }

    /// Whether the count is hidden.
    pub fn is_hidden(self) -> bool {
        self == Shown::Hidden
    }

    /// The text for a page: the number, or "< 5".
    pub fn text(self, threshold: i64) -> String {
        self.value().map_or_else(|| format!("< {threshold}"), |n| n.to_string())
    }
}

/// A protected table: cells by row and column with all margins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The cells, row by row.
    pub cells: Vec<Vec<Shown>>,
    /// The total of each row.
    pub row_totals: Vec<Shown>,
    /// The total of each column.
    pub col_totals: Vec<Shown>,
    /// The grand total.
    pub total: Shown,
}

/// Protects `counts` (rows of equal length; the totals are computed) so
/// that no count below `threshold` is published or can be derived.
pub fn protect_table(counts: &[Vec<i64>], threshold: i64) -> Table {
    let cols = counts.first().map_or(0, Vec::len);
    let mut full: Vec<Vec<i64>> = counts.iter().map(|r| extend_row(r, cols)).collect();
    let totals = (0..=cols).map(|j| full.iter().map(|r| r[j]).sum()).collect();
    full.push(totals);
    let mut hide: Vec<Vec<bool>> = full.iter().map(|r| r.iter().map(|n| *n < threshold).collect()).collect();
    while let Some((i, j)) = next_to_hide(&full, &hide) {
        hide[i][j] = true;
    }
    let shown = |i: usize, j: usize| if hide[i][j] { Shown::Hidden } else { Shown::Count(full[i][j]) };
    let rows = counts.len();
    Table {
        cells: (0..rows).map(|i| (0..cols).map(|j| shown(i, j)).collect()).collect(),
        row_totals: (0..rows).map(|i| shown(i, cols)).collect(),
        col_totals: (0..cols).map(|j| shown(rows, j)).collect(),
        total: shown(rows, cols),
    }
}

/// A row with its total appended (padded or cut to `cols` cells).
fn extend_row(row: &[i64], cols: usize) -> Vec<i64> {
    let mut out: Vec<i64> = (0..cols).map(|j| row.get(j).copied().unwrap_or(0)).collect();
    out.push(out.iter().sum());
    out
}

/// The next figure to hide, or `None` when nothing hidden can be derived.
fn next_to_hide(full: &[Vec<i64>], hide: &[Vec<bool>]) -> Option<(usize, usize)> {
    let (rows, cols) = (full.len(), full.first().map_or(0, Vec::len));
    let row_line = |i: usize| (0..cols).map(move |j| (i, j)).collect::<Vec<_>>();
    let col_line = |j: usize| (0..rows).map(move |i| (i, j)).collect::<Vec<_>>();
    let lines = (0..rows).map(row_line).chain((0..cols).map(col_line));
    for line in lines {
        if line.iter().filter(|(i, j)| hide[*i][*j]).count() == 1 {
            return smallest_shown(full, hide, &line);
        }
    }
    let (i, _) = bridge(hide)?;
    smallest_shown(full, hide, &row_line(i)).or_else(|| {
        let all: Vec<_> = (0..rows).flat_map(row_line).collect();
        smallest_shown(full, hide, &all)
    })
}

/// The smallest published figure among `line`, cells before totals.
fn smallest_shown(full: &[Vec<i64>], hide: &[Vec<bool>], line: &[(usize, usize)]) -> Option<(usize, usize)> {
    let last = (full.len() - 1, full[0].len() - 1);
    line.iter()
        .copied()
        .filter(|(i, j)| !hide[*i][*j])
        .min_by_key(|&(i, j)| (i == last.0 || j == last.1, full[i][j]))
}

/// A hidden figure that lies on no cycle of hidden figures, if any.
fn bridge(hide: &[Vec<bool>]) -> Option<(usize, usize)> {
    let (rows, cols) = (hide.len(), hide.first().map_or(0, Vec::len));
    if rows < 2 || cols < 2 {
        return None;
    }
    let edges: Vec<(usize, usize)> =
        (0..rows).flat_map(|i| (0..cols).map(move |j| (i, j))).filter(|&(i, j)| hide[i][j]).collect();
    edges.iter().copied().find(|&skip| !connected(&edges, skip, rows))
}

/// Whether row `skip.0` reaches column `skip.1` over hidden figures other than `skip`.
fn connected(edges: &[(usize, usize)], skip: (usize, usize), rows: usize) -> bool {
    // Vertices: rows are 0..rows, columns are rows + j.
    let mut seen = vec![skip.0];
    let mut queue = vec![skip.0];
    while let Some(v) = queue.pop() {
        for &(i, j) in edges.iter().filter(|e| **e != skip) {
            let (a, b) = (i, rows + j);
            let other = if a == v {
                b
            } else if b == v {
                a
            } else {
                continue;
            };
            if other == rows + skip.1 {
                return true;
            }
            if !seen.contains(&other) {
                seen.push(other);
                queue.push(other);
            }
        }
    }
    false
}

/// Protects one line of counts; with `with_total`, their sum is published
/// too, so a single hidden count gets company.
pub fn protect_line(counts: &[i64], with_total: bool, threshold: i64) -> (Vec<Shown>, Option<Shown>) {
    if with_total {
        let table = protect_table(&counts.iter().map(|n| vec![*n]).collect::<Vec<_>>(), threshold);
        (table.cells.into_iter().map(|r| r[0]).collect(), Some(table.total))
    } else {
        let shown = counts.iter().map(|&n| if n < threshold { Shown::Hidden } else { Shown::Count(n) });
        (shown.collect(), None)
    }
}

/// A share `part / base`, published only when the base is published and at
/// least the threshold.
pub fn share(part: i64, base: Shown, threshold: i64) -> Option<f64> {
    match base {
        Shown::Count(b) if b >= threshold && b > 0 => Some(part as f64 / b as f64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every hidden cell of `t` (over `counts`) lies on a cycle, and no line has one hidden figure.
    fn assert_safe(counts: &[Vec<i64>], t: &Table) {
        let mut full: Vec<Vec<Shown>> =
            t.cells.iter().zip(&t.row_totals).map(|(r, tot)| [r.clone(), vec![*tot]].concat()).collect();
        full.push([t.col_totals.clone(), vec![t.total]].concat());
        let hide: Vec<Vec<bool>> = full.iter().map(|r| r.iter().map(|s| s.is_hidden()).collect()).collect();
        assert_eq!(bridge(&hide), None, "a hidden figure can be derived: {counts:?} → {t:?}");
        for r in &hide {
            assert_ne!(r.iter().filter(|h| **h).count(), 1, "{counts:?}");
        }
        for j in 0..hide[0].len() {
            assert_ne!(hide.iter().filter(|r| r[j]).count(), 1, "{counts:?}");
        }
        for (i, row) in counts.iter().enumerate() {
            for (j, n) in row.iter().enumerate() {
                assert!(*n >= THRESHOLD || t.cells[i][j].is_hidden(), "{n} shown");
                if let Shown::Count(c) = t.cells[i][j] {
                    assert_eq!(c, *n);
                }
            }
        }
    }

    #[test]
    fn large_counts_are_all_published() {
        let counts = vec![vec![10, 20], vec![30, 40]];
        let t = protect_table(&counts, THRESHOLD);
        assert_eq!(
            t.cells,
            vec![vec![Shown::Count(10), Shown::Count(20)], vec![Shown::Count(30), Shown::Count(40)]]
        );
        assert_eq!(t.row_totals, vec![Shown::Count(30), Shown::Count(70)]);
        assert_eq!(t.col_totals, vec![Shown::Count(40), Shown::Count(60)]);
        assert_eq!(t.total, Shown::Count(100));
    }

    #[test]
    fn one_small_cell_takes_the_next_smallest_with_it() {
        let counts = vec![vec![12, 3, 8], vec![20, 30, 40], vec![9, 15, 25]];
        let t = protect_table(&counts, THRESHOLD);
        assert_eq!(t.cells[0][1], Shown::Hidden);
        assert_eq!(t.cells[0][2], Shown::Hidden, "8 is the next smallest of the row");
        assert_safe(&counts, &t);
    }

    #[test]
    fn a_small_row_total_is_hidden_and_protected() {
        let counts = vec![vec![1, 2], vec![20, 30], vec![40, 50]];
        let t = protect_table(&counts, THRESHOLD);
        assert_eq!(t.row_totals[0], Shown::Hidden);
        assert_safe(&counts, &t);
    }

    #[test]
    fn a_bridge_between_two_hidden_blocks_is_closed() {
        // Rows 0–1 × cols 0–1 and rows 2–3 × cols 2–3 hidden, joined by cell (1, 2).
        let counts = vec![vec![1, 1, 50, 50], vec![1, 1, 2, 50], vec![50, 50, 1, 1], vec![50, 50, 1, 1]];
        let t = protect_table(&counts, THRESHOLD);
        assert_safe(&counts, &t);
    }

    #[test]
    fn many_tables_are_safe() {
        let mut seed = 7_u64;
        for _ in 0..300 {
            let mut next = || {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                (seed >> 33) as i64
            };
            let (rows, cols) = (1 + next() as usize % 5, 1 + next() as usize % 5);
            let counts: Vec<Vec<i64>> = (0..rows).map(|_| (0..cols).map(|_| next() % 14).collect()).collect();
            assert_safe(&counts, &protect_table(&counts, THRESHOLD));
        }
    }

    #[test]
    fn a_line_with_a_total_hides_two_or_none() {
        let (cells, total) = protect_line(&[12, 7, 3], true, THRESHOLD);
        assert_eq!(cells, vec![Shown::Count(12), Shown::Hidden, Shown::Hidden]);
        assert_eq!(total, Some(Shown::Count(22)));
        let (cells, total) = protect_line(&[12, 3], false, THRESHOLD);
        assert_eq!(cells, vec![Shown::Count(12), Shown::Hidden]);
        assert_eq!(total, None);
        assert_eq!(Shown::Hidden.text(5), "< 5");
    }

    #[test]
    fn shares_need_a_published_base_of_the_threshold() {
        assert_eq!(share(2, Shown::Count(4), 5), None);
        assert_eq!(share(2, Shown::Hidden, 5), None);
        assert_eq!(share(2, Shown::Count(8), 5), Some(0.25));
    }
}
