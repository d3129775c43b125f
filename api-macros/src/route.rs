//! The route-string lexer: `"/repos/<owner>/<path..>?type=repo"` into
//! literal pieces, placeholders and a literal query, every mistake reported
//! with the segment it is in.

use proc_macro2::Span;
use syn::LitStr;

use crate::ctxt::Ctxt;

/// A parsed route template.
pub struct Route {
    pub lit: LitStr,
    pub pieces: Vec<Piece>,
    /// The literal query after `?`, without the `?`.
    pub query: Option<String>,
}

pub enum Piece {
    /// Literal path text, valid as it is in a URL.
    Literal(String),
    Param(Placeholder),
}

pub struct Placeholder {
    pub name: String,
    /// `<name..>`: may span several segments.
    pub rest: bool,
    /// The placeholder is a whole segment (`/<id>/`, not `/<id>.json`).
    pub whole: bool,
    pub span: Span,
}

impl Route {
    pub fn placeholders(&self) -> impl Iterator<Item = &Placeholder> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Param(ph) => Some(ph),
            Piece::Literal(_) => None,
        })
    }
}

/// The span of `range` (byte offsets into the literal's value) when the
/// compiler can point inside a literal (nightly), else the whole literal.
pub fn subspan(lit: &LitStr, range: std::ops::Range<usize>) -> Span {
    let token = lit.token();
    // Offsets map onto the token only for a plain literal without escapes.
    if token.to_string() != format!("\"{}\"", lit.value()) {
        return lit.span();
    }
    token
        .subspan(range.start + 1..range.end + 1)
        .unwrap_or_else(|| lit.span())
}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/".contains(c)
}

fn is_query_char(c: char) -> bool {
    is_path_char(c) || c == '?'
}

fn is_ident(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name != "_"
}

/// Lexes a route literal; `None` if it is unusable (errors recorded).
pub fn parse(cx: &Ctxt, lit: &LitStr) -> Option<Route> {
    let value = lit.value();
    if !value.starts_with('/') {
        cx.error_at(
            lit.span(),
            format!("route `{value}` must start with `/`: write \"/{value}\""),
        );
        return None;
    }
    if let Some(at) = value.find('#') {
        cx.error_at(
            subspan(lit, at..value.len()),
            format!("route `{value}` cannot contain a fragment (`#…`): the server never sees it"),
        );
        return None;
    }
    let (path, query) = match value.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (value.as_str(), None),
    };
    let ((pieces, query), clean) = cx.scope(|cx| {
        let mut lexer = Lexer {
            cx,
            lit,
            path,
            pieces: Vec::new(),
            literal: String::new(),
            failed: false,
        };
        lexer.lex_path();
        let pieces = lexer.finish();
        let query = query.and_then(|q| check_query(cx, lit, path.len() + 1, q));
        check_dot_segments(cx, lit, path);
        (pieces, query)
    });
    if !clean {
        return None;
    }
    Some(Route {
        lit: lit.clone(),
        pieces,
        query,
    })
}

struct Lexer<'a> {
    cx: &'a Ctxt,
    lit: &'a LitStr,
    path: &'a str,
    pieces: Vec<Piece>,
    literal: String,
    failed: bool,
}

impl Lexer<'_> {
    fn error(&mut self, range: std::ops::Range<usize>, message: String) {
        self.cx.error_at(subspan(self.lit, range), message);
        self.failed = true;
    }

    fn segment_at(&self, at: usize) -> &str {
        let start = self.path[..at].rfind('/').map_or(0, |i| i + 1);
        let end = self.path[at..]
            .find('/')
            .map_or(self.path.len(), |i| at + i);
        &self.path[start..end]
    }

    fn lex_path(&mut self) {
        let path = self.path;
        let mut chars = path.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            // Where a placeholder (or a `{…}` written for one) ends: what
            // follows it is read next.
            let end = match c {
                '<' => match self.angle(at) {
                    Some(end) => end,
                    None => return,
                },
                '{' => match self.brace(at) {
                    Some(end) => end,
                    None => continue,
                },
                '>' => {
                    let segment = self.segment_at(at).to_owned();
                    self.error(
                        at..at + 1,
                        format!("unmatched `>` in route segment `{segment}`: route parameters are written `<name>`"),
                    );
                    continue;
                }
                '%' => {
                    self.percent(at);
                    self.literal.push(c);
                    continue;
                }
                c if is_path_char(c) => {
                    self.literal.push(c);
                    continue;
                }
                c => {
                    self.bad_char(at, c);
                    continue;
                }
            };
            while chars.next_if(|&(i, _)| i <= end).is_some() {}
        }
    }

    /// A placeholder `<name>` opened at `at`: where it ends, or `None`
    /// (reported) when it is not closed.
    fn angle(&mut self, at: usize) -> Option<usize> {
        let path = self.path;
        match path[at + 1..].find(['<', '>']).map(|i| at + 1 + i) {
            Some(end) if path.as_bytes()[end] == b'>' => {
                self.placeholder(at, end);
                Some(end)
            }
            _ => {
                let segment = self.segment_at(at).to_owned();
                self.error(
                    at..at + 1,
                    format!(
                        "unclosed `<` in route segment `{segment}`: close the parameter with `>`"
                    ),
                );
                None
            }
        }
    }

    /// A `{` at `at`: `{id}` is how OpenAPI, Spring and Refit write a
    /// parameter, so say how ours are written (and where it ends); any
    /// other `{` is a character a route cannot hold.
    fn brace(&mut self, at: usize) -> Option<usize> {
        let path = self.path;
        let close = path[at..]
            .find(['}', '/'])
            .map(|i| at + i)
            .filter(|&end| path.as_bytes()[end] == b'}');
        let Some(end) = close else {
            self.bad_char(at, '{');
            return None;
        };
        let name = &path[at + 1..end];
        self.error(
            at..end + 1,
            format!("route parameters are written `<{name}>`, not `{{{name}}}`: write `<{name}>`"),
        );
        Some(end)
    }

    /// A `%` at `at` must start a percent-encoded byte.
    fn percent(&mut self, at: usize) {
        let path = self.path;
        let hex = path
            .get(at + 1..at + 3)
            .filter(|h| h.chars().all(|c| c.is_ascii_hexdigit()));
        if hex.is_none() {
            self.error(
                at..(at + 3).min(path.len()),
                "`%` in a route must start a percent-encoded byte such as `%20`; write `%25` for a literal `%`".to_owned(),
            );
        }
    }

    fn bad_char(&mut self, at: usize, c: char) {
        let segment = self.segment_at(at).to_owned();
        self.error(
            at..at + c.len_utf8(),
            format!(
                "character `{}` is not allowed in route segment `{segment}`: percent-encode it{}",
                c.escape_default(),
                percent_hint(c)
            ),
        );
    }

    fn placeholder(&mut self, open: usize, close: usize) {
        let inner = &self.path[open + 1..close];
        let (name, rest) = match inner.strip_suffix("..") {
            Some(name) => (name, true),
            None => (inner, false),
        };
        if name.is_empty() {
            self.error(
                open..close + 1,
                format!(
                    "empty route parameter `<{inner}>`: name the argument it binds, e.g. `<id>`"
                ),
            );
            return;
        }
        if !is_ident(name) {
            self.error(
                open..close + 1,
                format!("`<{inner}>` does not name an argument: write `<name>` or `<name..>` with the argument's name"),
            );
            return;
        }
        if !self.literal.is_empty() {
            self.pieces
                .push(Piece::Literal(std::mem::take(&mut self.literal)));
        }
        let before_ok = self.path[..open].ends_with('/');
        let after_ok = matches!(self.path.as_bytes().get(close + 1), None | Some(b'/'));
        self.pieces.push(Piece::Param(Placeholder {
            name: name.to_owned(),
            rest,
            whole: before_ok && after_ok,
            span: subspan(self.lit, open..close + 1),
        }));
    }

    fn finish(mut self) -> Vec<Piece> {
        if !self.literal.is_empty() {
            self.pieces
                .push(Piece::Literal(std::mem::take(&mut self.literal)));
        }
        if self.failed { Vec::new() } else { self.pieces }
    }
}

fn percent_hint(c: char) -> String {
    let mut buf = [0u8; 4];
    let encoded: String = c
        .encode_utf8(&mut buf)
        .bytes()
        .map(|b| format!("%{b:02X}"))
        .collect();
    format!(" as `{encoded}`")
}

fn check_query(cx: &Ctxt, lit: &LitStr, offset: usize, query: &str) -> Option<String> {
    if let Some(at) = query.find(['<', '>']) {
        cx.error_at(
            subspan(lit, offset + at..offset + query.len()),
            format!(
                "route parameters are only allowed in the path, not in the query `{query}`: take the value as a `#[query]` argument"
            ),
        );
        return None;
    }
    if let Some((at, c)) = query
        .char_indices()
        .find(|&(_, c)| !is_query_char(c) && c != '%')
    {
        cx.error_at(
            subspan(lit, offset + at..offset + at + c.len_utf8()),
            format!(
                "character `{}` is not allowed in the route's query `{query}`: percent-encode it{}",
                c.escape_default(),
                percent_hint(c)
            ),
        );
        return None;
    }
    (!query.is_empty()).then(|| query.to_owned())
}

fn check_dot_segments(cx: &Ctxt, lit: &LitStr, path: &str) {
    let mut offset = 0;
    for segment in path.split('/') {
        if segment == "." || segment == ".." {
            cx.error_at(
                subspan(lit, offset..offset + segment.len()),
                format!("route segment `{segment}` is not allowed: a URL would resolve it away"),
            );
        }
        offset += segment.len() + 1;
    }
}
