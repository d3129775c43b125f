//! Snapshot of the generated code, so changes to the output are seen in
//! review (`cargo insta review` to accept a change).

use quote::quote;

fn expand_pretty(args: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> String {
    let tokens = crate::expand::api(args, item);
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => tokens.to_string(),
    }
}

#[test]
fn expansion_of_a_github_trait() {
    let out = expand_pretty(
        quote!(base = "https://api.github.com"),
        quote! {
            #[header("Accept", "application/vnd.github+json")]
            pub trait GitHub {
                /// One user.
                #[get("/users/<login>")]
                async fn user(&self, login: &str) -> Result<User>;

                #[get("/search/repositories?sort=stars")]
                async fn search(&self, #[query] q: &str, #[query(rename = "per_page")] per_page: Option<u32>) -> Result<Response<Page>>;

                #[post("/repos/<owner>/<repo>/issues")]
                #[idempotent]
                #[retry(attempts = 4)]
                #[timeout(total = "5s", attempt = "1500ms")]
                async fn create_issue(&self, owner: &str, repo: &str, #[body] issue: &NewIssue) -> Result<Issue>;

                #[delete("/repos/<owner>/<repo>/contents/<path..>")]
                #[header("X-Trace", "on")]
                async fn delete_file(&self, owner: &str, repo: &str, path: &str, #[header("X-Request-Id")] rid: Option<&str>) -> Result<()>;
            }
        },
    );
    insta::assert_snapshot!(out);
}

#[test]
fn expansion_of_a_blocking_trait_with_bodies() {
    let out = expand_pretty(
        quote!(
            base = "https://files.example.com",
            blocking,
            error = ApiError
        ),
        quote! {
            #[envelope(data = "data")]
            pub trait Files {
                #[post("/login")]
                fn login(&self, #[form] form: &Login, #[field("scope")] scope: &str) -> Result<Token>;

                #[post("/upload")]
                #[multipart]
                fn upload(&self, #[part("file")] file: Part) -> Result<()>;

                #[put("/blobs/<name>")]
                fn put(&self, name: &str, #[body] data: Upload) -> Result<()>;

                #[get("/blobs/<name>")]
                fn get(&self, name: &str) -> Result<ByteStream>;

                #[get("/maybe")]
                fn maybe(&self) -> Result<Option<Token>>;
            }
        },
    );
    insta::assert_snapshot!(out);
}

/// A trait with every pagination scheme.
fn paginated() -> proc_macro2::TokenStream {
    quote! {
        pub trait Lists {
            #[get("/repos")]
            #[paginate(link)]
            fn repos(&self, #[query] per_page: u32) -> Pages<Repo>;

            #[get("/customers")]
            #[paginate(cursor = after, next_from_last = id, has_more = has_more, items = data)]
            fn customers(&self, #[query(rename = "starting_after")] after: Option<String>) -> Pages<Customer, List>;

            #[post("/search")]
            #[paginate(cursor = cursor, next = meta.next, items = hits, allow_non_get)]
            #[validate]
            fn search(&self, #[query] cursor: Option<&str>, #[body] q: &Query) -> Pages<Hit, Hits>;

            #[get("/items")]
            #[paginate(page = page, total = "X-Total-Count")]
            fn items(&self, #[query] page: Option<u32>) -> Pages<Item>;

            #[get("/rows")]
            #[paginate(offset = offset, total = total, items = rows)]
            fn rows(&self, #[query] offset: u64) -> Pages<Row, Rows>;
        }
    }
}

#[test]
fn expansion_of_paginated_endpoints() {
    insta::assert_snapshot!(expand_pretty(quote!(base = "https://x"), paginated()));
}

#[test]
fn expansions_name_the_runtime_only_through_its_table() {
    let traits = [
        quote! {
            #[header("Accept", "application/json")]
            #[envelope(data = "data")]
            pub trait Everything {
                #[get("/users/<login>/<rest..>?kind=a")]
                #[validate]
                async fn user(&self, login: &str, rest: &str, #[query] q: Option<u32>, #[header("X-Id")] id: &str) -> Result<Response<User>>;
                #[post("/items")]
                #[error(ApiError)]
                #[idempotent]
                #[retry(attempts = 2)]
                #[timeout(total = "1s")]
                async fn create(&self, #[body] item: &Item) -> Result<Option<Item>>;
                #[put("/form")]
                #[retry(off)]
                async fn form(&self, #[form] f: &Form, #[field("x")] x: u8) -> Result<String>;
                #[post("/upload")]
                #[multipart]
                async fn upload(&self, #[part("file")] file: Part) -> Result<Bytes>;
                #[put("/stream")]
                async fn stream(&self, #[body] data: Upload) -> Result<ByteStream>;
                #[delete("/x")]
                async fn unit(&self) -> Result<()>;
            }
        },
        quote! {
            pub trait Blocking {
                #[get("/x")]
                fn get(&self) -> Result<String>;
            }
        },
        paginated(),
    ];
    for item in traits {
        let out = crate::expand::api(quote!(base = "https://x"), item).to_string();
        assert!(!out.contains("compile_error"), "{out}");
        let named = crate::rt::named_items(&out);
        assert!(named.len() > 20, "{named:?}");
        for name in named {
            assert!(
                crate::rt::ITEMS.contains(&name.as_str()),
                "`__private::{name}` is not in the table of rt.rs"
            );
        }
    }
}

/// The derive names the runtime only through `__private`, by the table.
#[test]
fn the_derive_names_only_items_of_the_table() {
    let items = [
        quote! {
            struct Issue {
                #[serde(rename = "n")]
                number: u64,
                #[serde(default)]
                labels: Vec<String>,
                #[serde(flatten)]
                other: std::collections::HashMap<String, u64>,
            }
        },
        quote! { enum State { #[serde(rename = "open")] Open, Closed } },
    ];
    for item in items {
        let out = crate::derive_de::derive(item).to_string();
        assert!(!out.contains("compile_error"), "{out}");
        let named = crate::rt::named_items(&out);
        assert!(named.len() >= 2, "{named:?}");
        for name in named {
            assert!(
                crate::rt::ITEMS.contains(&name.as_str()),
                "`__private::{name}` is not in the table of rt.rs"
            );
        }
    }
}
