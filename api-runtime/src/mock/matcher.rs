//! Matching a request against a [`MockRequest`], with every difference
//! named when it does not match.

use std::sync::Arc;

use http::HeaderValue;
use wiremock::{Match, Request};

use super::request::{BodyMatch, MockRequest, PathPiece, sorted_pairs};
use crate::request::cookie::cookie_pairs;

/// Matches a request against a [`MockRequest`], and explains a mismatch.
#[derive(Clone, Debug)]
pub(super) struct EndpointMatcher {
    pub(super) expected: Arc<MockRequest>,
}

impl EndpointMatcher {
    pub(super) fn new(expected: MockRequest) -> Self {
        EndpointMatcher {
            expected: Arc::new(expected.finish()),
        }
    }

    /// Every difference between `request` and the expectation.
    pub(super) fn differences(&self, request: &Request) -> Vec<String> {
        let e = &self.expected;
        let mut out = Vec::new();
        if request.method.as_str() != e.method.as_str() {
            out.push(format!(
                "method: expected {}, got {}",
                e.method, request.method
            ));
        }
        if !path_matches(&e.path, request.url.path()) {
            out.push(format!(
                "path: expected {}, got {}",
                describe_path(&e.path),
                request.url.path()
            ));
        }
        out.extend(self.query_difference(request));
        for (name, value) in &e.headers {
            let got: Vec<&HeaderValue> = request.headers.get_all(name).iter().collect();
            if !got.contains(&value) {
                out.push(format!(
                    "header `{name}`: expected `{}`, got {:?}",
                    value.to_str().unwrap_or("?"),
                    got
                ));
            }
        }
        let cookies = cookie_pairs(request.headers.get_all(http::header::COOKIE).iter());
        for (name, value) in &e.cookies {
            // Values are not shown: a cookie is often a session.
            if !cookies.iter().any(|(n, v)| n == name && v == value) {
                let what = if cookies.iter().any(|(n, _)| n == name) {
                    "another value was sent"
                } else {
                    "not sent"
                };
                out.push(format!("cookie `{name}`: {what}"));
            }
        }
        out.extend(self.body_difference(request));
        out.extend(
            e.problems
                .iter()
                .map(|p| format!("the mock itself is invalid: {p}")),
        );
        out
    }
}

impl EndpointMatcher {
    /// How the query differs, its `any()` keys left out.
    fn query_difference(&self, request: &Request) -> Option<String> {
        let e = &self.expected;
        let strip = |query: &str| -> Vec<String> {
            query
                .trim_start_matches('?')
                .split('&')
                .filter(|p| !p.is_empty())
                .filter(|p| {
                    !e.any_query
                        .iter()
                        .any(|k| p.split('=').next() == Some(k.as_str()))
                })
                .map(str::to_owned)
                .collect()
        };
        let want = strip(&e.query);
        let got = strip(request.url.query().unwrap_or(""));
        (want != got).then(|| {
            format!(
                "query: expected `{}`, got `{}`",
                want.join("&"),
                got.join("&")
            )
        })
    }

    /// How the body differs from the expected JSON or form body.
    fn body_difference(&self, request: &Request) -> Option<String> {
        match &self.expected.body {
            Some(BodyMatch::Json(want)) => {
                match serde_json::from_slice::<serde_json::Value>(&request.body) {
                    Ok(got) if &got == want => None,
                    Ok(got) => Some(format!("JSON body: expected {want}, got {got}")),
                    Err(_) => Some(format!("JSON body: expected {want}, got a non-JSON body")),
                }
            }
            Some(BodyMatch::Form(want)) => {
                let got = sorted_pairs(&String::from_utf8_lossy(&request.body));
                (&got != want).then(|| format!("form body: expected {want:?}, got {got:?}"))
            }
            None => None,
        }
    }
}

impl Match for EndpointMatcher {
    fn matches(&self, request: &Request) -> bool {
        self.differences(request).is_empty()
    }
}

pub(super) fn path_matches(pattern: &[PathPiece], path: &str) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((PathPiece::Literal(text), rest)) => path
            .strip_prefix(text.as_str())
            .is_some_and(|tail| path_matches(rest, tail)),
        Some((PathPiece::AnySegment, rest)) => {
            let end = path.find('/').unwrap_or(path.len());
            (1..=end).rev().any(|i| path_matches(rest, &path[i..]))
        }
        Some((PathPiece::AnyRest, rest)) => (1..=path.len())
            .rev()
            .any(|i| path_matches(rest, &path[i..])),
    }
}

fn describe_path(pattern: &[PathPiece]) -> String {
    pattern
        .iter()
        .map(|p| match p {
            PathPiece::Literal(text) => text.as_str(),
            PathPiece::AnySegment => "<any>",
            PathPiece::AnyRest => "<any..>",
        })
        .collect()
}
