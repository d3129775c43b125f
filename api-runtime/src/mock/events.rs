//! The mock of a streaming endpoint: its events, written as the stream's
//! format writes them (server-sent events or JSON lines).

use std::fmt::Write as _;
use std::marker::PhantomData;

use serde::Serialize;

use crate::mock::MockBuilder;

/// What the mock of an endpoint returning `Events<T>` serves: events whose
/// data is a `T`.
pub struct EventsBody<T>(PhantomData<fn(T)>);

impl<T: Serialize> MockBuilder<'_, EventsBody<T>> {
    /// Serves `events` as server-sent events: each a `data:` line of JSON.
    pub fn events(self, events: impl IntoIterator<Item = T>) -> Self {
        let mut text = String::new();
        for event in events {
            push_data(&mut text, &event);
        }
        self.sse(&text)
    }

    /// Serves `events` as server-sent events, each with its `id:` (what a
    /// reconnection sends back as `Last-Event-ID`).
    pub fn events_with_ids<'i>(self, events: impl IntoIterator<Item = (&'i str, T)>) -> Self {
        let mut text = String::new();
        for (id, event) in events {
            let _ = writeln!(text, "id: {id}");
            push_data(&mut text, &event);
        }
        self.sse(&text)
    }

    /// Serves `items` as JSON lines (`application/x-ndjson`).
    pub fn json_lines(self, items: impl IntoIterator<Item = T>) -> Self {
        let mut text = String::new();
        for item in items {
            text.push_str(&serde_json::to_string(&item).unwrap_or_default());
            text.push('\n');
        }
        self.body_raw(text, "application/x-ndjson")
    }
}

impl<T> MockBuilder<'_, EventsBody<T>> {
    /// Serves named events (`event:` then the data), as an API that
    /// dispatches on the name sends them; `data` is the event's data as
    /// JSON (the content of the enum variant named `name`).
    pub fn named_events<'n, D: Serialize>(
        self,
        events: impl IntoIterator<Item = (&'n str, D)>,
    ) -> Self {
        let mut text = String::new();
        for (name, data) in events {
            let _ = writeln!(text, "event: {name}");
            push_data(&mut text, &data);
        }
        self.sse(&text)
    }

    /// Serves `text` as a `text/event-stream` body, as written (comments,
    /// `retry:`, a `[DONE]` sentinel).
    pub fn sse(self, text: &str) -> Self {
        self.body_raw(text.as_bytes().to_vec(), "text/event-stream")
    }
}

/// `data: <json>` and the blank line that ends the event.
fn push_data<D: Serialize>(text: &mut String, data: &D) {
    let json = serde_json::to_string(data).unwrap_or_default();
    let _ = write!(text, "data: {json}\n\n");
}
