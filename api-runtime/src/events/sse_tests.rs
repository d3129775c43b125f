use std::collections::VecDeque;

use super::{RawEvent, SseParser, TooLarge};

/// The events of `text`, fed in pieces of `split` bytes.
fn parse_split(text: &[u8], split: usize) -> Vec<RawEvent> {
    let mut parser = SseParser::new(1 << 20);
    let mut out = VecDeque::new();
    for piece in text.chunks(split.max(1)) {
        parser.feed(piece, &mut out).unwrap();
    }
    out.into_iter().collect()
}

/// The events of `text`, checked to be the same however it is split.
fn parse(text: &str) -> Vec<RawEvent> {
    let whole = parse_split(text.as_bytes(), usize::MAX);
    for split in 1..text.len() {
        assert_eq!(parse_split(text.as_bytes(), split), whole, "split {split}");
    }
    // And cut in two at every byte.
    for at in 0..text.len() {
        let mut parser = SseParser::new(1 << 20);
        let mut out = VecDeque::new();
        parser.feed(&text.as_bytes()[..at], &mut out).unwrap();
        parser.feed(&text.as_bytes()[at..], &mut out).unwrap();
        assert_eq!(out.into_iter().collect::<Vec<_>>(), whole, "cut at {at}");
    }
    whole
}

fn data(events: &[RawEvent]) -> Vec<&str> {
    events.iter().map(|e| e.data.as_str()).collect()
}

#[test]
fn the_standards_stock_example_is_one_event_of_three_lines() {
    let events = parse("data: YHOO\ndata: +2\ndata: 10\n\n");
    assert_eq!(data(&events), ["YHOO\n+2\n10"]);
    assert_eq!(events[0].name, None);
}

#[test]
fn the_standards_example_of_ids_and_comments() {
    let text = ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n";
    let events = parse(text);
    assert_eq!(
        data(&events),
        ["first event", "second event", " third event"]
    );
    let ids: Vec<Option<&str>> = events.iter().map(|e| e.id.as_deref()).collect();
    // `id` alone empties the last id: the events after it have none.
    assert_eq!(ids, [Some("1"), None, None]);
}

#[test]
fn empty_data_fields_and_a_trailing_unfinished_event() {
    let events = parse("data\n\ndata\ndata\n\ndata:");
    assert_eq!(data(&events), ["", "\n"]);
}

#[test]
fn a_space_after_the_colon_is_optional() {
    assert_eq!(
        data(&parse("data:test\n\ndata: test\n\n")),
        ["test", "test"]
    );
}

#[test]
fn every_line_ending_and_a_bom() {
    for text in [
        "\u{feff}event: tick\r\ndata: a\r\n\r\ndata: b\r\rdata: c\n\n",
        "event: tick\rdata: a\r\rdata: b\n\ndata: c\r\n\r\n",
    ] {
        let events = parse(text);
        assert_eq!(data(&events), ["a", "b", "c"], "{text:?}");
        assert_eq!(events[0].name.as_deref(), Some("tick"));
        assert_eq!(events[1].name, None);
    }
    // A BOM only at the very start; later it is part of the field's name
    // (an unknown field, ignored).
    assert_eq!(data(&parse("data: x\n\n\u{feff}data: y\n\n")), ["x"]);
}

#[test]
fn retry_is_digits_only_and_ids_with_nul_are_ignored() {
    let mut parser = SseParser::new(1024);
    let mut out = VecDeque::new();
    parser
        .feed(
            b"retry: 1500\nid: 7\ndata: a\n\nretry: 1x\nid: a\0b\ndata: b\n\n",
            &mut out,
        )
        .unwrap();
    let events: Vec<RawEvent> = out.into_iter().collect();
    assert_eq!(events[0].retry, Some(1500));
    assert_eq!(events[1].retry, None);
    assert_eq!(events[1].id.as_deref(), Some("7"));
    assert_eq!(parser.reconnect_ms(), Some(1500));
    assert_eq!(parser.last_id(), Some("7"));
}

#[test]
fn unknown_fields_and_invalid_utf8_do_not_stop_the_stream() {
    let events = parse_split(b"foo: bar\ndata: caf\xC3\xA9 \xFF\n\n", usize::MAX);
    assert_eq!(data(&events), ["café \u{fffd}"]);
}

#[test]
fn a_line_or_an_event_over_the_limit_is_refused() {
    let mut parser = SseParser::new(16);
    let mut out = VecDeque::new();
    // An endless line, in small pieces.
    let mut result = Ok(());
    for _ in 0..100 {
        result = parser.feed(b"data: xxxxxxx", &mut out);
        if result.is_err() {
            break;
        }
    }
    assert_eq!(result, Err(TooLarge));
    // Many short data lines that add up.
    let mut parser = SseParser::new(16);
    let mut out = VecDeque::new();
    let result = parser.feed(b"data: 12345\ndata: 12345\ndata: 12345\n", &mut out);
    assert_eq!(result, Err(TooLarge));
    // Comments and heartbeats are lines too, and cost nothing more.
    let mut parser = SseParser::new(16);
    let result = parser.feed(&b":\n".repeat(10_000), &mut out);
    assert_eq!(result, Ok(()));
}
