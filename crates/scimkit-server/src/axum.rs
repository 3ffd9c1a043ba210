//! The axum adapter: a [`ScimService`] as an axum [`Router`](axum::Router).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use bytes::Bytes;

use crate::hooks::Authenticator;
use crate::store::Store;
use crate::{too_large, ScimService};

impl<S: Store, A: Authenticator> ScimService<S, A> {
    /// An axum router that sends every request to this service. Mount it with
    /// `Router::new().merge(service.router())` or `.nest_service(...)`; the service's
    /// [`Tenancy`](crate::hooks::Tenancy) decides which paths it answers.
    ///
    /// ```
    /// use scimkit_server::{ScimService, store::MemoryStore};
    /// let app: axum::Router = ScimService::builder(MemoryStore::new()).build().router();
    /// # let _ = app;
    /// ```
    pub fn router(&self) -> axum::Router {
        axum::Router::new()
            .fallback(dispatch::<S, A>)
            .with_state(self.clone())
    }
}

async fn dispatch<S: Store, A: Authenticator>(
    State(service): State<ScimService<S, A>>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let limit = service.max_body();
    // A declared length over the limit is refused before reading a byte (and before any
    // `100 Continue`), and reading stops one byte past the limit otherwise.
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return refuse(limit);
    }
    let bytes: Bytes = match axum::body::to_bytes(body, limit.saturating_add(1)).await {
        Ok(b) if b.len() <= limit => b,
        _ => return refuse(limit),
    };
    service
        .handle(http::Request::from_parts(parts, bytes))
        .await
        .map(Body::from)
}

/// 413 for a body that is not read to its end: the connection closes after it, so say so and no
/// client reuses it for its next request.
fn refuse(limit: usize) -> Response {
    let mut r = too_large(limit).map(Body::from);
    r.headers_mut().insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
    r
}
