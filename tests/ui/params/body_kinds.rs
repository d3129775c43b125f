use api_client::{api, Part, Result, Upload};

#[derive(serde::Serialize)]
pub struct Form {
    pub a: u8,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[post("/a")]
    async fn json_and_form(&self, #[body] b: &Form, #[form] f: &Form) -> Result<()>;

    #[post("/b")]
    async fn part_without_multipart(&self, #[part("file")] file: Part) -> Result<()>;

    #[post("/c")]
    #[multipart]
    async fn multipart_without_parts(&self, #[query] q: u8) -> Result<()>;

    #[get("/d")]
    async fn form_on_get(&self, #[field("q")] q: &str) -> Result<()>;

    #[put("/e")]
    #[retry(attempts = 3)]
    async fn retried_upload(&self, #[body] data: Upload) -> Result<()>;

    #[post("/f")]
    #[multipart]
    #[idempotent]
    #[retry(attempts = 2)]
    async fn retried_multipart(&self, #[part("f")] f: Part) -> Result<()>;

    #[post("/g")]
    async fn two_forms(&self, #[form] a: &Form, #[form] b: &Form) -> Result<()>;

    #[get("/h")]
    async fn stream_meta(&self) -> Result<api_client::Response<api_client::ByteStream>>;
}

fn main() {}
