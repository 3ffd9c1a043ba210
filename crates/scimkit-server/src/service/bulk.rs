//! `POST /Bulk` (RFC 7644 §3.7). `scimkit-protocol`'s [`BulkProcessor`] orders the operations and
//! resolves `bulkId` references; each operation runs here exactly like its single-request twin.

use http::Method;
use scimkit_protocol::{BulkOutcome, BulkRequest, ETag, ResolvedOperation, ScimError};

use super::render::location;
use super::{Ctx, ScimService};
use crate::hooks::Authenticator;
use crate::store::Store;

pub(crate) async fn run<S: Store, A: Authenticator>(
    service: &ScimService<S, A>,
    ctx: &Ctx<'_, S, A>,
    request: BulkRequest,
) -> Result<http::Response<Vec<u8>>, ScimError> {
    let processor = ctx.svc.router.bulk_processor().clone().base_url(&ctx.base);
    // The processor drives a synchronous executor; each operation is a store future. The job
    // runs on the blocking pool and waits for each operation there, so no async worker blocks.
    let service = service.clone();
    let (tenant, principal, base) = (ctx.tenant.clone(), ctx.principal.clone(), ctx.base.clone());
    let handle = tokio::runtime::Handle::current();
    let response = tokio::task::spawn_blocking(move || {
        let ctx = Ctx {
            svc: &service.inner,
            tenant,
            principal,
            base,
        };
        let mut execute = |op: &ResolvedOperation| handle.block_on(operation(&ctx, op));
        processor.process(request, &mut execute)
    })
    .await
    .map_err(|e| ScimError::internal(format!("bulk job failed: {e}")))?;
    Ok(response.into_response())
}

async fn operation<S: Store, A: Authenticator>(
    ctx: &Ctx<'_, S, A>,
    op: &ResolvedOperation,
) -> Result<BulkOutcome, ScimError> {
    let schema = ctx
        .svc
        .registry
        .by_endpoint(&format!("/{}", op.endpoint()))
        .ok_or_else(|| ScimError::not_found(format!("no endpoint `/{}`", op.endpoint())))?;
    let endpoint = schema.resource_type().endpoint.trim_start_matches('/');
    let version = match &op.version {
        Some(v) => Some(
            v.parse::<ETag>()
                .map_err(|_| ScimError::invalid_value("`version` is not an entity tag"))?,
        ),
        None => None,
    };
    let check = |current: u64| match &version {
        Some(v) if !v.weak_eq(&super::render::etag(current)) => Err(
            ScimError::precondition_failed("the resource's version does not match `version`"),
        ),
        _ => Ok(()),
    };
    let precondition = version.is_some();
    let data = || {
        op.data.clone().ok_or_else(|| {
            ScimError::invalid_syntax(format!("a {} operation needs `data`", op.method))
        })
    };
    match (&op.method, op.resource_id()) {
        (&Method::POST, None) => {
            let (id, v) = ctx.create_resource(schema, data()?, &op.method).await?;
            Ok(
                BulkOutcome::created(id.clone(), location(&ctx.base, endpoint, &id))
                    .with_version(super::render::etag(v).to_string()),
            )
        }
        (&Method::PUT, Some(id)) => {
            let v = ctx
                .replace_resource(schema, id, data()?, &op.method, &check, precondition)
                .await?
                .version;
            Ok(BulkOutcome::ok(location(&ctx.base, endpoint, id))
                .with_version(super::render::etag(v).to_string()))
        }
        (&Method::PATCH, Some(id)) => {
            let patch = op.patch_request()?;
            let v = ctx
                .patch_resource(
                    schema,
                    id,
                    &patch.operations,
                    &op.method,
                    &check,
                    precondition,
                )
                .await?
                .version;
            Ok(BulkOutcome::ok(location(&ctx.base, endpoint, id))
                .with_version(super::render::etag(v).to_string()))
        }
        (&Method::DELETE, Some(id)) => {
            ctx.delete_resource(schema, id, &op.method, &check, precondition)
                .await?;
            Ok(BulkOutcome::no_content(location(&ctx.base, endpoint, id)))
        }
        _ => Err(ScimError::method_not_allowed(format!(
            "`{}` is not allowed on `{}`",
            op.method, op.path
        ))),
    }
}
