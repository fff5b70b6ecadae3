//! Trygg's reports: this crate will build the situation report (lägesbild)
//! and the tertial follow-up from the store and the analyses, and render
//! them as HTML, PDF and XLSX.
//!
//! For now it holds the SVG renderers that the web pages and the printed
//! report share: [`map::render_svg`] draws areas and points as a standalone,
//! accessible SVG, styled by CSS classes only (no inline styles).

pub mod map;
