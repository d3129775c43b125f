//! The document's descriptions as rustdoc that builds without warnings:
//! no doctest from a stray code block, no broken intra-doc link, no HTML.

/// Makes a description safe for `///`: fenced blocks are `text` unless they
/// name a language, indentation that would start a code block is removed,
/// and outside code, `[x]` not followed by `(` is escaped, `<` and `>` are
/// entities (an autolink `<https://…>` is kept) and bare URLs become
/// autolinks.
pub fn sanitize(text: &str) -> String {
    let mut out = Vec::new();
    let mut fenced = false;
    // The lines of the current paragraph: a link or a code span may go
    // over a line break, so a paragraph is read as one text.
    let mut paragraph: Vec<&str> = Vec::new();
    let flush = |paragraph: &mut Vec<&str>, out: &mut Vec<String>| {
        if !paragraph.is_empty() {
            out.push(inline(&paragraph.join("\n")));
            paragraph.clear();
        }
    };
    for line in text.lines() {
        let trimmed = line.trim_start();
        if !fenced && !trimmed.starts_with("```") {
            if trimmed.is_empty() {
                flush(&mut paragraph, &mut out);
                out.push(String::new());
            } else {
                paragraph.push(trimmed);
            }
            continue;
        }
        flush(&mut paragraph, &mut out);
        if let Some(info) = trimmed.strip_prefix("```") {
            fenced = !fenced;
            out.push(if fenced && info.trim().is_empty() {
                "```text".to_owned()
            } else if fenced {
                format!("```{}", info.trim())
            } else {
                "```".to_owned()
            });
            continue;
        }
        out.push(line.to_owned());
    }
    flush(&mut paragraph, &mut out);
    if fenced {
        out.push("```".to_owned());
    }
    out.join("\n")
}

/// One paragraph outside fenced blocks.
fn inline(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut code = false;
    let chars: Vec<char> = line.chars().collect();
    // An unmatched backtick opens no code span: it is escaped, so what
    // follows is treated as text.
    let ticks = chars.iter().filter(|&&c| c == '`').count();
    let unmatched = (ticks % 2 == 1)
        .then(|| chars.iter().rposition(|&c| c == '`'))
        .flatten();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !code && c == '[' && link_follows(&chars[i..]) {
            // A whole Markdown link, `[text](target)`, as written.
            let close = i + chars[i..].iter().position(|&c| c == ')').unwrap_or(0);
            out.extend(&chars[i..=close]);
            i = close + 1;
            continue;
        }
        if Some(i) == unmatched {
            out.push_str("\\`");
        } else if c == '`' {
            code = !code;
            out.push(c);
        } else if code {
            out.push(c);
        } else if c == '[' || c == ']' {
            out.push('\\');
            out.push(c);
        } else if c == '<' && starts_with(&chars[i + 1..], "http") && chars[i..].contains(&'>') {
            let end = i + chars[i..].iter().position(|&c| c == '>').unwrap_or(0);
            out.extend(&chars[i..=end]);
            i = end;
        } else if c == '<' {
            out.push_str("&lt;");
        } else if c == '>' && (i == 0 || chars[i - 1] == '\n') {
            // A blockquote (`> [!NOTE]`), kept.
            out.push(c);
        } else if c == '>' {
            out.push_str("&gt;");
        } else if starts_with(&chars[i..], "https://") || starts_with(&chars[i..], "http://") {
            let end = chars[i..]
                .iter()
                .position(|c| c.is_whitespace() || matches!(c, ')' | '>' | '"' | '\'' | '`'))
                .map_or(chars.len(), |p| i + p);
            let mut url: String = chars[i..end].iter().collect();
            let trailing: String = url
                .chars()
                .rev()
                .take_while(|c| matches!(c, '.' | ',' | ';' | ':'))
                .collect();
            url.truncate(url.len() - trailing.len());
            out.push('<');
            out.push_str(&url);
            out.push('>');
            out.extend(trailing.chars().rev());
            i = end;
            continue;
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

fn starts_with(chars: &[char], prefix: &str) -> bool {
    prefix
        .chars()
        .enumerate()
        .all(|(i, p)| chars.get(i) == Some(&p))
}

/// `[text](target)` ahead: a Markdown link, kept.
fn link_follows(chars: &[char]) -> bool {
    let Some(close) = chars.iter().position(|&c| c == ']') else {
        return false;
    };
    chars.get(close + 1) == Some(&'(')
        && !chars[1..close].contains(&'[')
        && chars[close..].contains(&')')
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn code_blocks_are_not_doctests() {
        assert_eq!(
            sanitize("Example:\n```\nlet x = 1;\n```"),
            "Example:\n```text\nlet x = 1;\n```"
        );
        assert_eq!(sanitize("```json\n{}\n```"), "```json\n{}\n```");
        assert_eq!(sanitize("    indented"), "indented");
        assert_eq!(sanitize("```\nunclosed"), "```text\nunclosed\n```");
    }

    #[test]
    fn links_brackets_html_and_urls() {
        assert_eq!(
            sanitize("see [the docs](https://x.io/a)."),
            "see [the docs](https://x.io/a)."
        );
        assert_eq!(
            sanitize("an array [1, 2] or [x]"),
            "an array \\[1, 2\\] or \\[x\\]"
        );
        assert_eq!(
            sanitize("a <b>bold</b> tag"),
            "a &lt;b&gt;bold&lt;/b&gt; tag"
        );
        assert_eq!(
            sanitize("at https://x.io/a, then"),
            "at <https://x.io/a>, then"
        );
        assert_eq!(sanitize("at <https://x.io/a>"), "at <https://x.io/a>");
        assert_eq!(sanitize("`[x] <y> https://z`"), "`[x] <y> https://z`");
        assert_eq!(
            sanitize("at [http://a.io](http://a.io) or [x]"),
            "at [http://a.io](http://a.io) or \\[x\\]"
        );
        assert_eq!(
            sanitize("at [http://a.io](http://a.io) or [x]"),
            "at [http://a.io](http://a.io) or \\[x\\]"
        );
        assert_eq!(
            sanitize("> a quote\n> on two lines > b"),
            "> a quote\n> on two lines &gt; b"
        );
        let two_lines = "a [`two\nlines`](https://x.io/?q=a+b) link";
        assert_eq!(sanitize(two_lines), two_lines);
        assert_eq!(
            sanitize("a `code\n[x]` span\n\n`[y]"),
            "a `code\n[x]` span\n\n\\`\\[y\\]"
        );
    }
}
