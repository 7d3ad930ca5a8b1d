//! A request body with one deadline for the whole of it. `tower_http`'s body timeout starts
//! again with every chunk, so a client sending one byte every few seconds kept a connection (and
//! its buffers) for as long as it liked; here the clock starts when the headers are in and does
//! not stop for anything the client sends.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use http_body::{Body, Frame, SizeHint};

/// The body did not arrive whole within its time.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
pub struct TooSlow(pub Duration);

/// `inner`, cut off with [`TooSlow`] once `limit` has passed since it was made.
pub struct Deadline<B> {
    inner: B,
    sleep: Pin<Box<tokio::time::Sleep>>,
    limit: Duration,
}

impl<B> Deadline<B> {
    pub fn new(inner: B, limit: Duration) -> Deadline<B> {
        Deadline {
            inner,
            sleep: Box::pin(tokio::time::sleep(limit)),
            limit,
        }
    }
}

impl<B> Body for Deadline<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        // The deadline first: a client that always has one more byte ready must not outrun it.
        if self.sleep.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(TooSlow(self.limit)))));
        }
        Pin::new(&mut self.inner)
            .poll_frame(cx)
            .map(|frame| frame.map(|f| f.map_err(Into::into)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Whether a body error (or anything it wraps) is a deadline passing.
pub fn is_too_slow(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if e.is::<TooSlow>() {
            return true;
        }
        next = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    /// A body that yields one byte per `pace`, forever: the slowest client there is.
    struct Trickle(Pin<Box<tokio::time::Interval>>);

    impl Body for Trickle {
        type Data = Bytes;
        type Error = std::convert::Infallible;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            self.0
                .as_mut()
                .poll_tick(cx)
                .map(|_| Some(Ok(Frame::data(Bytes::from_static(b"x")))))
        }
    }

    #[tokio::test]
    async fn a_trickle_is_cut_at_the_deadline_however_steady() {
        let pace = tokio::time::interval(Duration::from_millis(20));
        let body = Deadline::new(Trickle(Box::pin(pace)), Duration::from_millis(300));
        let err = body.collect().await.expect_err("cut off");
        assert!(is_too_slow(err.as_ref()), "{err}");
    }

    #[tokio::test]
    async fn a_body_in_time_is_passed_whole() {
        let body = Deadline::new(
            http_body_util::Full::new(Bytes::from_static(b"{\"a\":1}")),
            Duration::from_secs(2),
        );
        let bytes = body.collect().await.unwrap().to_bytes();
        assert_eq!(&bytes[..], b"{\"a\":1}");
    }
}
