//! Errors as responses: HTML error pages in the visitor's language, JSON for
//! the API. Database details are logged, never shown.

use axum::Json;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use trygg_core::Invalid;
use trygg_store::StoreError;

/// An error on an HTML page; rendered in full by [`render`].
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    message: String,
}

#[derive(Clone)]
struct PageErrorInfo(String);

impl PageError {
    /// An error with a status and a message already in the visitor's language.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into() }
    }

    /// Maps a store error: validation → 400 with its message, missing → 404,
    /// conflict → 409, anything else → 500 (logged, not shown).
    pub fn from_store(e: StoreError, t: crate::i18n::Tr<'_>) -> Self {
        match e {
            StoreError::Invalid(i) => Self::new(StatusCode::BAD_REQUEST, i.to_string()),
            StoreError::NotFound { .. } => Self::new(StatusCode::NOT_FOUND, t.get("error.not_found")),
            StoreError::Conflict { .. } => Self::new(StatusCode::CONFLICT, e.to_string()),
            other => {
                tracing::error!(error = %other, "request failed");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, t.get("error.internal"))
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut res = self.status.into_response();
        res.extensions_mut().insert(PageErrorInfo(self.message));
        res
    }
}

/// Middleware: turns a [`PageError`] into a full page in the visitor's language.
pub async fn render(req: Request, next: Next) -> Response {
    let ctx = req.extensions().get::<crate::ctx::Ctx>().cloned();
    let res = next.run(req).await;
    match (res.extensions().get::<PageErrorInfo>(), ctx) {
        (Some(info), Some(ctx)) => {
            let status = res.status();
            let body = crate::pages::error_page(&ctx, status, &info.0);
            (status, body).into_response()
        }
        _ => res,
    }
}

/// An API error: `{"error": {"status", "message", "field"?}}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    field: Option<&'static str>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// The HTTP status code.
    pub status: u16,
    /// A message for people.
    pub message: String,
    /// The offending field, when one is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}

impl ApiError {
    /// An error with a status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), field: None }
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        Self { status: StatusCode::BAD_REQUEST, field: Some(e.field), message: e.to_string() }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(i) => i.into(),
            StoreError::NotFound { .. } => Self::new(StatusCode::NOT_FOUND, e.to_string()),
            StoreError::Conflict { .. } => Self::new(StatusCode::CONFLICT, e.to_string()),
            other => {
                tracing::error!(error = %other, "API request failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error; the details are in the server log",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail { status: self.status.as_u16(), message: self.message, field: self.field },
        };
        (self.status, Json(body)).into_response()
    }
}
