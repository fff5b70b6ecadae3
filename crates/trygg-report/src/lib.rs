//! Trygg's reports: the situation report (lägesbild) and the tertial
//! follow-up, built from the store and the analyses as one [`doc::Doc`] and
//! rendered as HTML, PDF and XLSX; and the SVG maps and charts that the web
//! pages and the printed report share, styled by CSS classes only (no
//! inline styles) with presentation attributes as print defaults.

pub mod chart;
pub mod doc;
pub mod html;
pub mod map;
pub mod output;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod situation;
pub mod tertial;
pub mod text;
pub mod xlsx;
