//! The document's descriptions as rustdoc that builds without warnings
//! and never runs: document text is data. Every code block rustdoc would
//! see (fenced with backticks or tildes, of any length and info string,
//! or indented, at any depth) is written back as a ```` ```text ```` block
//! whose fence no line of its content can close; the result is parsed
//! again as rustdoc parses it (pulldown-cmark), and unless every code
//! block in it is such a `text` block, the whole description is written
//! as one. Outside code, no broken intra-doc link and no HTML: `[x]` not
//! followed by `(` is escaped, `<` and `>` are entities (an autolink
//! `<https://…>` is kept) and bare URLs become autolinks. Control
//! characters (CR, bidirectional overrides, which rustc refuses in a
//! comment) are taken out first.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// Makes a description safe for `///`: see the module's docs.
pub fn sanitize(text: &str) -> String {
    let clean = printable(text);
    let rendered = render(&clean);
    if inert(&rendered) {
        rendered
    } else {
        fenced(&clean)
    }
}

/// `text` without what rustc refuses in a comment or a literal: CR (a
/// CRLF or a lone CR is a line break), the bidirectional controls, and
/// other control characters but tab (four spaces) and line feed.
pub fn printable(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    text.chars()
        .filter_map(|c| match c {
            '\n' => Some("\n".to_owned()),
            '\t' => Some("    ".to_owned()),
            c if c.is_control() || is_bidi_control(c) => None,
            c => Some(c.to_string()),
        })
        .collect()
}

/// The characters rustc's `text_direction_codepoint_in_comment` and
/// `…_in_literal` lints refuse.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// The options rustdoc parses doc comments with.
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
}

/// Each code block of `text`: where it is, and what it holds.
fn code_blocks(text: &str) -> Vec<(Range<usize>, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_)) => open = Some((range.start, String::new())),
            Event::Text(t) if open.is_some() => {
                if let Some((_, content)) = open.as_mut() {
                    content.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((start, content)) = open.take() {
                    blocks.push((start..range.end, content));
                }
            }
            _ => {}
        }
    }
    blocks
}

/// `content` in a `text` block whose fence is longer than any run of
/// backticks in it, so that no line of it closes the block.
fn text_block(content: &str) -> String {
    let longest = content.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}text\n{}\n{fence}", content.trim_end_matches('\n'))
}

/// The whole description as one `text` block: what is written when the
/// markdown cannot be kept safely.
fn fenced(text: &str) -> String {
    text_block(text)
}

/// The description with its code blocks as `text` blocks, each on lines
/// of its own, and the rest as paragraphs (`paragraphs`).
fn render(text: &str) -> String {
    let mut out = Vec::new();
    let mut at = 0;
    for (range, content) in code_blocks(text) {
        if range.start < at {
            continue;
        }
        out.push(paragraphs(&text[at..range.start]));
        out.push(text_block(&content));
        at = range.end;
    }
    out.push(paragraphs(&text[at..]));
    out.iter()
        .map(|part| part.trim_matches('\n'))
        .filter(|part| !part.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Whether rustdoc would find nothing to run in `text`: every code block
/// in it is fenced with the info string `text`.
pub fn inert(text: &str) -> bool {
    Parser::new_ext(text, options()).all(|event| match event {
        Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => info.trim() == "text",
        Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => false,
        _ => true,
    })
}

/// Text without code blocks: each line's indentation removed (no line can
/// start an indented block), each paragraph through [`inline`].
fn paragraphs(text: &str) -> String {
    let mut out = Vec::new();
    // The lines of the current paragraph: a link or a code span may go
    // over a line break, so a paragraph is read as one text.
    let mut paragraph: Vec<&str> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            if !paragraph.is_empty() {
                out.push(inline(&paragraph.join("\n")));
                paragraph.clear();
            }
            out.push(String::new());
        } else {
            paragraph.push(trimmed);
        }
    }
    if !paragraph.is_empty() {
        out.push(inline(&paragraph.join("\n")));
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
            i = autolink(&chars, i, &mut out);
            continue;
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// The bare URL at `chars[at..]` as an autolink (`<https://…>`), its
/// trailing punctuation left after it; where the text goes on.
fn autolink(chars: &[char], at: usize, out: &mut String) -> usize {
    let end = chars[at..]
        .iter()
        .position(|c| c.is_whitespace() || matches!(c, ')' | '>' | '"' | '\'' | '`'))
        .map_or(chars.len(), |p| at + p);
    let mut url: String = chars[at..end].iter().collect();
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
    end
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
    use super::{inert, sanitize};

    #[test]
    fn code_blocks_are_text_whatever_their_spelling() {
        assert_eq!(
            sanitize("Example:\n```\nlet x = 1;\n```"),
            "Example:\n\n```text\nlet x = 1;\n```"
        );
        assert_eq!(sanitize("```json\n{}\n```"), "```text\n{}\n```");
        assert_eq!(sanitize("    indented"), "```text\nindented\n```");
        assert_eq!(sanitize("```\nunclosed"), "```text\nunclosed\n```");
        let spellings = [
            "```rust\nstd::process::exit(1);\n```",
            "```rust,should_panic\npanic!()\n```",
            "```edition2021\nfn main() {}\n```",
            "``` rust\nfn main() {}\n```",
            "~~~\nfn main() {}\n~~~",
            "~~~rust\nfn main() {}\n~~~",
            "````rust\nfn main() {}\n````",
            "`````\n````\nfn main() {}\n````\n`````",
            "    fn main() {}",
            "\tfn main() {}",
            "text\n\n    fn main() {}",
            "- item\n\n      fn main() {}",
            "-     fn main() {}",
            "1.      fn main() {}",
            "> ```rust\n> fn main() {}\n> ```",
            "> > ~~~\n> > fn main() {}",
            "* a\n  * b\n\n        fn main() {}",
            "<pre>\n```rust\nfn main() {}\n```\n</pre>",
            "```rust\r\nfn main() {}\r\n```",
        ];
        for text in spellings {
            let out = sanitize(text);
            assert!(inert(&out), "{text:?} became:\n{out}");
        }
    }

    #[test]
    fn markdown_around_code_is_kept() {
        assert_eq!(
            sanitize("Run:\n\n~~~rust\nlet a = [1];\n~~~\n\nthen [x]."),
            "Run:\n\n```text\nlet a = [1];\n```\n\nthen \\[x\\]."
        );
        assert_eq!(
            sanitize("> ```rust\n> fn main() {}\n> ```"),
            ">\n\n```text\nfn main() {}\n```"
        );
    }

    #[test]
    fn control_characters_are_taken_out() {
        assert_eq!(sanitize("a\rb\r\nc"), "a\nb\nc");
        assert_eq!(sanitize("safe\u{202E}txt.exe\u{2066}"), "safetxt.exe");
        assert_eq!(sanitize("bell\u{7}"), "bell");
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
