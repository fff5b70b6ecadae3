//! One entry point for every output format of a [`Doc`].

use crate::doc::Doc;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A self-contained HTML file (styles embedded, no external resources).
    Html,
    /// A PDF (A4, fonts embedded); needs the `pdf` feature.
    Pdf,
    /// An XLSX workbook with every table as a sheet.
    Xlsx,
    /// The document itself as JSON (what a published snapshot stores).
    Json,
}

impl Format {
    /// Parses `html`, `pdf`, `xlsx` or `json`.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "html" => Some(Format::Html),
            "pdf" => Some(Format::Pdf),
            "xlsx" => Some(Format::Xlsx),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
            Format::Json => "json",
        }
    }

    /// The media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Json => "application/json",
        }
    }
}

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The workbook writer failed.
    #[error(transparent)]
    Xlsx(#[from] crate::xlsx::XlsxError),
    /// The PDF typesetter failed.
    #[cfg(feature = "pdf")]
    #[error(transparent)]
    Pdf(#[from] crate::pdf::PdfError),
    /// This binary was built without PDF support.
    #[error("this build of Trygg has no PDF output (built without the `pdf` feature)")]
    NoPdf,
    /// JSON serialisation failed.
    #[error("cannot write the document as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Renders `doc` as `format`.
pub fn render(doc: &Doc, format: Format) -> Result<Vec<u8>, RenderError> {
    match format {
        Format::Html => Ok(crate::html::render_standalone(doc).into_bytes()),
        Format::Xlsx => Ok(crate::xlsx::render_xlsx(doc)?),
        Format::Json => Ok(serde_json::to_vec_pretty(doc)?),
        #[cfg(feature = "pdf")]
        Format::Pdf => Ok(crate::pdf::render_pdf(doc)?),
        #[cfg(not(feature = "pdf"))]
        Format::Pdf => Err(RenderError::NoPdf),
    }
}
