//! The blocking front end of an event stream: `for event in client.ticks()`
//! in a blocking client. The stream's connection is driven by the shared
//! runtime (a stream outlives any one call), and each `next` waits for an
//! event on the calling thread.

use std::fmt;

use crate::error::Result;
use crate::events::{Event, Events};

/// The events of a streaming endpoint as a blocking [`Iterator`] of their
/// data, from `events.into_iter()` or a `for` loop over [`Events`]; not
/// for use inside an async task. [`next_event`](BlockingEvents::next_event)
/// gives each event with its name and id.
pub struct BlockingEvents<T> {
    events: Events<T>,
}

impl<T> BlockingEvents<T>
where
    T: serde::de::DeserializeOwned + Send + 'static,
{
    /// Blocks the thread for the next event with its name, id and retry.
    pub fn next_event(&mut self) -> Option<Result<Event<T>>> {
        let events = &mut self.events;
        crate::blocking::block_on_local(async move { Ok(events.next_event().await) })
            .unwrap_or_else(|e| Some(Err(e)))
    }
}

impl<T> Iterator for BlockingEvents<T>
where
    T: serde::de::DeserializeOwned + Send + 'static,
{
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        Some(self.next_event()?.map(Event::into_data))
    }
}

impl<T> IntoIterator for Events<T>
where
    T: serde::de::DeserializeOwned + Send + 'static,
{
    type Item = Result<T>;
    type IntoIter = BlockingEvents<T>;

    fn into_iter(self) -> BlockingEvents<T> {
        BlockingEvents { events: self }
    }
}

impl<T> fmt::Debug for BlockingEvents<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BlockingEvents").field(&self.events).finish()
    }
}
