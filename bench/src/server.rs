//! The server the clients are measured against: nginx when it is installed
//! (a server that is not ours to tune), else a small hyper server. Both
//! listen on 127.0.0.1 only and serve the same payloads with keep-alive.

use std::convert::Infallible;
use std::net::TcpListener as StdListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use serde_json::json;

/// A running server; dropping it stops it.
pub struct Server {
    pub base: String,
    pub kind: String,
    child: Option<Child>,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One user object, about 400 bytes of JSON.
pub fn user_json(id: u64) -> serde_json::Value {
    json!({
        "id": id,
        "login": format!("user{id}"),
        "name": format!("User Number {id}"),
        "email": format!("user{id}@example.com"),
        "bio": "Writes Rust and HTTP clients, reads RFCs, answers issues on weekends.",
        "company": "Example Corp",
        "location": "Lisbon, Portugal",
        "blog": format!("https://blog.example.com/user{id}"),
        "followers": id * 7,
        "following": id % 13,
        "public_repos": 42,
        "created_at": "2019-06-03T11:00:00Z",
        "site_admin": false,
    })
}

/// The payloads: a ~400-byte user and a ~30 KB array of 100 users.
pub fn payloads() -> (Vec<u8>, Vec<u8>) {
    let one = serde_json::to_vec(&user_json(42)).unwrap_or_default();
    let many: Vec<serde_json::Value> = (1..=100).map(|i| {
        let mut u = user_json(i);
        u["bio"] = json!("Writes Rust and HTTP clients, reads RFCs, answers issues on weekends, keeps a garden.");
        u
    }).collect();
    (one, serde_json::to_vec(&many).unwrap_or_default())
}

fn has_taskset() -> bool {
    Command::new("taskset")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Pins this process (all its threads, and what it spawns) to CPU `core`,
/// so that the clients and the server do not fight for one core. A no-op
/// without `taskset` (util-linux) or with a single core.
pub fn pin_to_core(core: usize) -> bool {
    if !has_taskset() || std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        return false;
    }
    Command::new("taskset")
        .args([
            "-a",
            "-p",
            "-c",
            &core.to_string(),
            &std::process::id().to_string(),
        ])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn free_port() -> std::io::Result<u16> {
    Ok(StdListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// nginx if it is installed and starts, else the hyper server.
pub async fn start() -> std::io::Result<Server> {
    match start_nginx().await {
        Ok(server) => Ok(server),
        Err(e) => {
            eprintln!("nginx unavailable ({e}); using the built-in hyper server");
            start_hyper().await
        }
    }
}

async fn wait_until_listening(port: u16) -> std::io::Result<()> {
    // Bounded: 100 tries, 50 ms apart.
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(std::io::Error::other("the server did not start listening"))
}

/// nginx serving the benchmark's routes from files, on core 0.
async fn start_nginx() -> std::io::Result<Server> {
    let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .ok_or_else(|| {
            std::io::Error::other("nginx is not installed (apt-get install nginx-light)")
        })?;
    let dir = std::env::temp_dir().join(format!("api-client-bench-nginx-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("tmp"))?;
    let (one, many) = payloads();
    std::fs::write(dir.join("user.json"), one)?;
    std::fs::write(dir.join("users.json"), many)?;
    let port = free_port()?;
    std::fs::write(dir.join("nginx.conf"), nginx_conf(&dir, port))?;
    // nginx on core 0, the clients on core 1 (see `pin_to_core`).
    let mut command = if has_taskset() {
        let mut c = Command::new("taskset");
        c.args(["-c", "0"]).arg(nginx);
        c
    } else {
        Command::new(nginx)
    };
    let child = command
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let mut server = Server {
        base: format!("http://127.0.0.1:{port}"),
        kind: String::from_utf8_lossy(&Command::new(nginx).arg("-v").output()?.stderr)
            .trim()
            .replace("nginx version: ", ""),
        child: Some(child),
        dir,
    };
    if let Err(e) = wait_until_listening(port).await {
        server.child.take().map(|mut c| c.kill());
        return Err(e);
    }
    Ok(server)
}

/// nginx's configuration: the routes, files under `dir`, in the foreground.
fn nginx_conf(dir: &std::path::Path, port: u16) -> String {
    let d = dir.display();
    // GET /pages?page=N: the 100-user array, with a `Link` to page N+1 up
    // to page 100 (`add_header` sends nothing for the last page's empty
    // value).
    let links: String = (2..=PAGES)
        .map(|n| {
            format!(
                "    \"{}\" \"</pages?page={}>; rel=\\\"next\\\"\";\n",
                n - 1,
                n
            )
        })
        .collect();
    let page_map = format!(
        "  map $arg_page $page_link {{\n    default \"</pages?page=2>; rel=\\\"next\\\"\";\n{links}    \"{PAGES}\" \"\";\n  }}\n"
    );
    // POST /echo: nginx's static module answers a POST with 405, which
    // error_page turns into the 400-byte user as a GET: the same JSON the
    // benchmark posts, so the answer is an echo in content and size.
    format!(
        "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n  access_log off;\n  keepalive_requests 10000000;\n  keepalive_timeout 120s;\n\
           client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp; uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;\n\
           {page_map}\
           server {{\n    listen 127.0.0.1:{port};\n    default_type application/json;\n\
             location = /users/42 {{ alias {d}/user.json; }}\n\
             location = /users {{ alias {d}/users.json; }}\n\
             location = /pages {{ alias {d}/users.json; add_header Link $page_link; }}\n\
             location = /echo {{ alias {d}/user.json; error_page 405 =200 /users/42; }}\n\
           }}\n}}\n"
    )
}

/// The pages of `GET /pages` (100 users each).
pub const PAGES: usize = 100;

/// The `Link` of `GET /pages?page=N`: to page N+1, none after the last.
fn page_link(query: Option<&str>) -> Option<String> {
    let page: usize = query
        .and_then(|q| q.strip_prefix("page="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    (page < PAGES).then(|| format!("</pages?page={}>; rel=\"next\"", page + 1))
}

async fn start_hyper() -> std::io::Result<Server> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let (one, many) = payloads();
    let (one, many) = (Bytes::from(one), Bytes::from(many));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (one, many) = (one.clone(), many.clone());
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                        let (one, many) = (one.clone(), many.clone());
                        async move {
                            let link = (req.uri().path() == "/pages")
                                .then(|| page_link(req.uri().query()))
                                .flatten();
                            let body = match (req.method().as_str(), req.uri().path()) {
                                ("GET", "/users/42") => one,
                                ("GET", "/users") | ("GET", "/pages") => many,
                                ("POST", "/echo") => req
                                    .into_body()
                                    .collect()
                                    .await
                                    .map(|b| b.to_bytes())
                                    .unwrap_or_default(),
                                _ => Bytes::from_static(b"{}"),
                            };
                            let mut response = Response::builder();
                            if let Some(link) = link {
                                response = response.header("link", link);
                            }
                            Ok::<_, Infallible>(
                                response
                                    .header("content-type", "application/json")
                                    .body(Full::new(body))
                                    .unwrap_or_default(),
                            )
                        }
                    });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    Ok(Server {
        base: format!("http://127.0.0.1:{port}"),
        kind: "hyper (built-in fallback)".into(),
        child: None,
        dir: std::env::temp_dir().join("api-client-bench-none"),
    })
}
