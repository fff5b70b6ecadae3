//! Square grids over metre coordinates, and counts of points per cell.
//!
//! Cells are numbered row-major from the south-west: `row = floor((y - y0) /
//! cell)`, `col = floor((x - x0) / cell)`, `id = row * cols + col`, so row 0
//! is the southern row. A cell includes its south and west edges.

/// Why a grid cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GridError {
    /// The cell size is not a positive, finite number of metres.
    #[error("cell size {0} must be a positive number of metres")]
    CellSize(f64),
    /// The extent has no cells.
    #[error("extent {cols}x{rows} must have at least one column and one row")]
    Extent {
        /// Columns asked for.
        cols: usize,
        /// Rows asked for.
        rows: usize,
    },
    /// The origin is not finite.
    #[error("origin ({0}, {1}) must be finite")]
    Origin(f64, f64),
    /// Too many cells to hold in memory sensibly.
    #[error("extent {cols}x{rows} has more than 100 million cells")]
    TooLarge {
        /// Columns asked for.
        cols: usize,
        /// Rows asked for.
        rows: usize,
    },
}

/// A square grid: origin (south-west corner), cell size and extent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    x0: f64,
    y0: f64,
    cell: f64,
    cols: usize,
    rows: usize,
}

impl Grid {
    /// A grid of `cols` × `rows` cells of `cell` metres with its south-west corner at (`x0`, `y0`).
    pub fn new(x0: f64, y0: f64, cell: f64, cols: usize, rows: usize) -> Result<Self, GridError> {
        if !(cell.is_finite() && cell > 0.0) {
            return Err(GridError::CellSize(cell));
        }
        if !(x0.is_finite() && y0.is_finite()) {
            return Err(GridError::Origin(x0, y0));
        }
        if cols == 0 || rows == 0 {
            return Err(GridError::Extent { cols, rows });
        }
        if cols.saturating_mul(rows) > 100_000_000 {
            return Err(GridError::TooLarge { cols, rows });
        }
        Ok(Self { x0, y0, cell, cols, rows })
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.cols * self.rows
    }

    /// Always false: a grid has at least one cell.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Cell size in metres.
    pub fn cell_size(&self) -> f64 {
        self.cell
    }

    /// The south-west corner.
    pub fn origin(&self) -> (f64, f64) {
        (self.x0, self.y0)
    }

    /// The cell containing (`x`, `y`), or `None` outside the grid (or for NaN).
    pub fn cell_of(&self, x: f64, y: f64) -> Option<usize> {
        let c = ((x - self.x0) / self.cell).floor();
        let r = ((y - self.y0) / self.cell).floor();
        if c >= 0.0 && r >= 0.0 && c < self.cols as f64 && r < self.rows as f64 {
            Some(r as usize * self.cols + c as usize)
        } else {
            None
        }
    }

    /// (row, col) of a cell id.
    pub fn row_col(&self, id: usize) -> (usize, usize) {
        (id / self.cols, id % self.cols)
    }

    /// The centre of a cell.
    pub fn center(&self, id: usize) -> (f64, f64) {
        let (r, c) = self.row_col(id);
        (self.x0 + (c as f64 + 0.5) * self.cell, self.y0 + (r as f64 + 0.5) * self.cell)
    }

    /// Counts points per cell; also returns how many fell outside the grid.
    pub fn counts(&self, xs: &[f64], ys: &[f64]) -> (Vec<f64>, usize) {
        let mut counts = vec![0.0; self.len()];
        let mut outside = 0;
        for (&x, &y) in xs.iter().zip(ys) {
            match self.cell_of(x, y) {
                Some(id) => counts[id] += 1.0,
                None => outside += 1,
            }
        }
        (counts, outside)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_numbered_from_the_south_west() {
        let g = Grid::new(0.0, 0.0, 10.0, 4, 3).unwrap();
        assert_eq!(g.cell_of(0.0, 0.0), Some(0));
        assert_eq!(g.cell_of(39.9, 0.0), Some(3));
        assert_eq!(g.cell_of(0.0, 10.0), Some(4), "the south edge belongs to the cell");
        assert_eq!(g.cell_of(40.0, 0.0), None);
        assert_eq!(g.cell_of(-0.1, 5.0), None);
        assert_eq!(g.cell_of(f64::NAN, 5.0), None);
        assert_eq!(g.center(5), (15.0, 15.0));
        assert_eq!(g.row_col(11), (2, 3));
    }

    #[test]
    fn bad_grids_are_refused() {
        assert_eq!(Grid::new(0.0, 0.0, 0.0, 1, 1), Err(GridError::CellSize(0.0)));
        assert!(Grid::new(0.0, 0.0, -5.0, 1, 1).is_err());
        assert_eq!(Grid::new(0.0, 0.0, 1.0, 0, 3), Err(GridError::Extent { cols: 0, rows: 3 }));
        assert!(Grid::new(f64::INFINITY, 0.0, 1.0, 1, 1).is_err());
        assert!(Grid::new(0.0, 0.0, 1.0, 100_000, 100_000).is_err());
    }

    #[test]
    fn counts_reproduce_the_oracle_grid() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/oracles/");
        let (Ok(points), Ok(grid)) = (
            std::fs::read_to_string(format!("{dir}points.csv")),
            std::fs::read_to_string(format!("{dir}grid_counts.csv")),
        ) else {
            assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "oracle files missing under CI");
            eprintln!("skipping: ../shared/oracles not found");
            return;
        };
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        let mut rdr = csv::Reader::from_reader(points.as_bytes());
        for r in rdr.records() {
            let r = r.unwrap();
            xs.push(r[1].parse::<f64>().unwrap());
            ys.push(r[2].parse::<f64>().unwrap());
        }
        let g = Grid::new(674_000.0, 6_576_000.0, 250.0, 40, 40).unwrap();
        let (counts, outside) = g.counts(&xs, &ys);
        assert_eq!(outside, 0);
        let mut rdr = csv::Reader::from_reader(grid.as_bytes());
        let headers = rdr.headers().unwrap().clone();
        let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let (id_col, count_col, xc, yc) = (col("cell_id"), col("count"), col("x_center"), col("y_center"));
        let mut n = 0;
        for r in rdr.records() {
            let r = r.unwrap();
            let id: usize = r[id_col].parse().unwrap();
            assert_eq!(counts[id], r[count_col].parse::<f64>().unwrap(), "cell {id}");
            assert_eq!(g.center(id), (r[xc].parse().unwrap(), r[yc].parse().unwrap()));
            n += 1;
        }
        assert_eq!(n, 1600);
    }
}
