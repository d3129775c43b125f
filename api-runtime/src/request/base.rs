//! What every call of a client starts from ([`CallBase`]): the base URL,
//! as text (which each call's URL text begins with) and parsed once
//! (`BaseUrl`), so that a call's URL is the parsed base with a path and
//! query set, never a whole URL parsed again.

/// The base URL of a client's calls, as text (no trailing `/`, no query or
/// fragment) and parsed.
#[doc(hidden)]
#[derive(Debug)]
pub struct CallBase {
    text: Box<str>,
    url: BaseUrl,
}

impl CallBase {
    /// The checked, normalised base URL text.
    pub(crate) fn new(text: String) -> std::result::Result<CallBase, url::ParseError> {
        let url = BaseUrl::new(&text)?;
        Ok(CallBase {
            text: text.into_boxed_str(),
            url,
        })
    }

    /// The base URL as text, without a trailing `/`.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The base URL, parsed.
    pub(crate) fn url(&self) -> &url::Url {
        self.url.url()
    }

    /// The URL of a call whose text is `full` (see [`BaseUrl::join`]).
    pub(crate) fn join(&self, full: &str) -> std::result::Result<url::Url, url::ParseError> {
        self.url.join(full)
    }
}

/// The parsed base URL of a client, and where its path starts in the text
/// of the base URL text (which every call's URL text begins with).
#[derive(Debug)]
struct BaseUrl {
    url: url::Url,
    path_start: usize,
}

impl BaseUrl {
    /// `base` is the checked, normalised base URL text (no trailing `/`,
    /// no query or fragment).
    fn new(base: &str) -> std::result::Result<BaseUrl, url::ParseError> {
        let url = url::Url::parse(base)?;
        let path_start = url[..url::Position::BeforePath].len();
        Ok(BaseUrl { url, path_start })
    }

    /// The base URL, parsed.
    fn url(&self) -> &url::Url {
        &self.url
    }

    /// The URL of a call whose text is `full` (the base text, then the
    /// path and query the call appended): the same URL as parsing `full`,
    /// at a tenth of the cost (no scheme, host or IDNA processing).
    fn join(&self, full: &str) -> std::result::Result<url::Url, url::ParseError> {
        let Some(rest) = full.get(self.path_start..) else {
            return url::Url::parse(full);
        };
        if !full.starts_with(&self.url[..url::Position::BeforePath]) {
            return url::Url::parse(full);
        }
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (rest, None),
        };
        let mut url = self.url.clone();
        url.set_path(path);
        url.set_query(query);
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::BaseUrl;

    #[test]
    fn joining_is_the_same_as_parsing_the_whole_text() {
        let cases = [
            ("http://127.0.0.1:8080", "/users/42"),
            ("http://127.0.0.1:8080", ""),
            ("http://127.0.0.1:8080", "?q=1"),
            (
                "https://api.example.com/v2",
                "/search?q=a%20b&x=%E2%82%AC&&y=",
            ),
            ("https://api.example.com/v2", ""),
            ("https://Example.COM:443/base", "/a/./b/../c"),
            ("http://h", "/a b/é/%zz/{x}|^`"),
            ("http://h", "/p?q=é'\"<>"),
            ("http://[::1]:9/x", "/y?"),
            ("https://bücher.example", "/ü?ä=ö"),
        ];
        for (base, tail) in cases {
            let parsed_base = url::Url::parse(base).unwrap();
            let text = parsed_base.as_str().trim_end_matches('/').to_owned();
            let joined = BaseUrl::new(&text).unwrap().join(&format!("{text}{tail}"));
            let whole = url::Url::parse(&format!("{text}{tail}"));
            assert_eq!(joined, whole, "{base} + {tail}");
        }
    }
}
