//! The `Link` header (RFC 8288): the target of the link whose relation is
//! `next`, as GitHub, GitLab and json-server send it.

use http::HeaderMap;
use http::header::LINK;

/// The target of the first `rel="next"` link among every `Link` field of
/// `headers`, as the server wrote it (relative or absolute, not decoded).
pub(crate) fn next_target(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| links(value).find(|l| l.is_next()).map(|l| l.target))
}

/// One link of a field: its target and its parameters, unparsed.
struct Link<'a> {
    target: &'a str,
    params: &'a str,
}

impl Link<'_> {
    /// Whether one of the link's relations is `next` (`rel` is a
    /// space-separated list, compared without case).
    fn is_next(&self) -> bool {
        params(self.params)
            .filter(|(name, _)| name.eq_ignore_ascii_case("rel"))
            .any(|(_, value)| {
                value
                    .split_ascii_whitespace()
                    .any(|rel| rel.eq_ignore_ascii_case("next"))
            })
    }
}

/// The links of one field value: `<target>; param=value; …, <target>…`.
/// Commas inside `<…>` or quoted strings do not split links; text that is
/// not a link is skipped.
fn links(value: &str) -> impl Iterator<Item = Link<'_>> {
    let mut rest = value;
    std::iter::from_fn(move || {
        loop {
            let start = rest.find('<')?;
            let after = &rest[start + 1..];
            let end = after.find('>')?;
            let target = after[..end].trim();
            let tail = &after[end + 1..];
            let params_end = top_level_comma(tail).unwrap_or(tail.len());
            let params = &tail[..params_end];
            rest = &tail[params_end..];
            if !target.is_empty() {
                return Some(Link { target, params });
            }
        }
    })
}

/// The first comma of `text` outside a quoted string.
fn top_level_comma(text: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// The `name=value` parameters of a link (`; rel="next"; title=x`), with
/// the quotes of a quoted value removed.
fn params(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.split(';').filter_map(|param| {
        let (name, value) = param.split_once('=')?;
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        Some((name.trim(), value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next(values: &[&str]) -> Option<String> {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(LINK, v.parse().unwrap());
        }
        next_target(&headers).map(str::to_owned)
    }

    #[test]
    fn the_next_link_is_found_in_every_form_servers_send() {
        let github = r#"<https://api.github.com/user/repos?page=3&per_page=100>; rel="next", <https://api.github.com/user/repos?page=50&per_page=100>; rel="last""#;
        assert_eq!(
            next(&[github]).as_deref(),
            Some("https://api.github.com/user/repos?page=3&per_page=100")
        );
        let first_is_prev = r#"<http://x/?page=1>; rel="prev", <http://x/?page=3>; rel=next"#;
        assert_eq!(next(&[first_is_prev]).as_deref(), Some("http://x/?page=3"));
        let list = r#"</items?cursor=a,b>; title="a, b"; REL="last NEXT""#;
        assert_eq!(next(&[list]).as_deref(), Some("/items?cursor=a,b"));
        let two_fields = ["<http://x/1>; rel=\"prev\"", "<http://x/3>; rel=\"next\""];
        assert_eq!(next(&two_fields).as_deref(), Some("http://x/3"));
    }

    #[test]
    fn no_next_link_is_none() {
        assert_eq!(next(&[r#"<http://x/?page=1>; rel="prev""#]), None);
        assert_eq!(next(&["garbage, <>; rel=next, <unterminated"]), None);
        assert_eq!(next(&[]), None);
        assert_eq!(next(&[r#"<http://x/a>; rel="nextish""#]), None);
    }
}
