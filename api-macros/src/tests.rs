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
