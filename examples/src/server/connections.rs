//! Serving an axum app with the limits a server on a hostile network needs: a header-read
//! timeout, an idle timeout and a cap on open connections.
//!
//! `axum::serve` has none of them, so a client that opens connections and sends half a request
//! line (slowloris), or half a body, holds a socket and a task forever. Here:
//!
//! - **Header-read timeout** (hyper's): the whole request head must arrive within it. hyper also
//!   starts this timer while a kept-alive connection waits for its next request, so it bounds the
//!   idle time between requests too.
//! - **Idle timeout**: a connection on which the client sends nothing for this long, while the
//!   server waits for it (a body that stops arriving), is closed. The time the server spends
//!   answering a request does not count: a slow search is not the client's fault.
//! - **Connection limit**: at most this many connections are served at once; further ones wait in
//!   the listen backlog until one closes, rather than each taking a task and a file descriptor.
//!
//! Nothing here is SCIM: it wraps any `axum::Router`.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt as _;

/// Connection-level limits. The defaults suit a provisioning endpoint: identity providers send
/// small requests on a few kept-alive connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connections {
    /// Time allowed for a request's head to arrive, and for a kept-alive connection to send its
    /// next request. Default 10 s.
    pub header_read_timeout: Duration,
    /// Time a connection may stay silent while the server waits for it (mid-body). Default 30 s.
    pub idle_timeout: Duration,
    /// Largest number of connections served at once. Default 512, under the usual
    /// 1,024-descriptor limit with room for the database files.
    pub max_connections: usize,
}

impl Default for Connections {
    fn default() -> Self {
        Connections {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            max_connections: 512,
        }
    }
}

/// Serves `app` on `listener` under `limits` until `shutdown` completes, then lets open
/// connections finish their current request (at most `header_read_timeout` more for idle ones).
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    limits: Connections,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let slots = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let permits = Arc::new(Semaphore::new(slots));
    let (closing, closed) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // Wait for a free slot before accepting: over the limit, connections queue in the
        // kernel's backlog instead of each costing a task.
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let mut closed = closed.clone();
        tokio::spawn(async move {
            let _permit = permit;
            connection(stream, app, limits, &mut closed).await;
        });
    }
    let _ = closing.send(true);
    // Every connection holds a permit until it ends.
    let _ = permits.acquire_many(slots as u32).await;
    Ok(())
}

async fn connection(
    stream: TcpStream,
    app: axum::Router,
    limits: Connections,
    closed: &mut watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let answering = Arc::new(AtomicUsize::new(0));
    let io = TokioIo::new(IdleTimeout::new(
        stream,
        limits.idle_timeout,
        answering.clone(),
    ));
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let answering = answering.clone();
        let request = request.map(|body| ServerTurn::new(body, answering.clone()));
        let app = app.clone();
        async move {
            let response = app.oneshot(request.map(axum::body::Body::new)).await;
            answering.fetch_sub(1, Ordering::AcqRel);
            response
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let conn = builder.serve_connection(io, service);
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended");
            }
        }
        _ = closed.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// A request body that counts its request as the server's turn once the client has sent all of
/// it, so the idle timeout stops counting while the server answers. A request whose body is
/// never read to its end (refused early) becomes the server's turn when dropped.
struct ServerTurn {
    body: Incoming,
    answering: Arc<AtomicUsize>,
    counted: bool,
}

impl ServerTurn {
    fn new(body: Incoming, answering: Arc<AtomicUsize>) -> ServerTurn {
        let mut turn = ServerTurn {
            body,
            answering,
            counted: false,
        };
        if turn.body.is_end_stream() {
            turn.count();
        }
        turn
    }

    fn count(&mut self) {
        if !self.counted {
            self.counted = true;
            self.answering.fetch_add(1, Ordering::AcqRel);
        }
    }
}

impl Drop for ServerTurn {
    fn drop(&mut self) {
        self.count();
    }
}

impl HttpBody for ServerTurn {
    type Data = bytes::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if matches!(polled, Poll::Ready(None) | Poll::Ready(Some(Err(_))))
            || self.body.is_end_stream()
        {
            self.count();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A stream that fails with `TimedOut` when a read waits longer than `timeout` for the client
/// while no request is the server's turn.
struct IdleTimeout {
    io: TcpStream,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
    answering: Arc<AtomicUsize>,
}

impl IdleTimeout {
    fn new(io: TcpStream, timeout: Duration, answering: Arc<AtomicUsize>) -> IdleTimeout {
        IdleTimeout {
            io,
            timeout,
            deadline: Box::pin(tokio::time::sleep(timeout)),
            answering,
        }
    }

    fn touch(&mut self) {
        let next = Instant::now() + self.timeout;
        self.deadline.as_mut().reset(next);
    }
}

impl AsyncRead for IdleTimeout {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.io).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    self.touch();
                }
                Poll::Ready(result)
            }
            Poll::Pending if self.answering.load(Ordering::Acquire) > 0 => {
                // hyper watches for the client hanging up while the server answers; that wait is
                // not the client's silence. hyper reads again once the answer is written.
                self.touch();
                Poll::Pending
            }
            Poll::Pending => match self.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the client sent nothing within the idle timeout",
                ))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl AsyncWrite for IdleTimeout {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
