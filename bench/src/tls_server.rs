//! nginx over TLS for the HTTPS scenarios: a certificate authority and a
//! certificate for 127.0.0.1 made at run time with `openssl`, one port
//! speaking HTTP/1.1 and one offering HTTP/2 by ALPN.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// nginx over TLS; dropping it stops it.
pub struct TlsServer {
    /// `https://127.0.0.1:port` of the HTTP/1.1 port and the HTTP/2 one.
    pub h1: String,
    pub h2: String,
    /// The CA that signed the server's certificate, PEM.
    pub ca: Vec<u8>,
    child: Child,
    dir: PathBuf,
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn openssl(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("openssl: {e} (install openssl)"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "openssl {}: {}",
            args[0],
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A CA and a server certificate for 127.0.0.1, in `dir`.
fn certificates(dir: &Path) -> Result<(), String> {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut ca = vec![
        "req",
        "-x509",
        "-days",
        "2",
        "-subj",
        "/CN=api-client bench CA",
    ];
    ca.extend(ec);
    ca.extend(["-keyout", "ca.key", "-out", "ca.pem"]);
    openssl(dir, &ca)?;
    let mut csr = vec!["req", "-subj", "/CN=127.0.0.1"];
    csr.extend(ec);
    csr.extend(["-keyout", "server.key", "-out", "server.csr"]);
    openssl(dir, &csr)?;
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n",
    )
    .map_err(|e| e.to_string())?;
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "san.ext",
            "-out",
            "server.pem",
        ],
    )
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// Starts nginx over TLS with the user of `GET /users/42`.
pub async fn start() -> Result<TlsServer, String> {
    let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .ok_or("nginx is not installed (apt-get install nginx-light)")?;
    let dir = std::env::temp_dir().join(format!("api-client-bench-tls-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("tmp")).map_err(|e| e.to_string())?;
    certificates(&dir)?;
    let (one, _) = crate::server::payloads();
    std::fs::write(dir.join("user.json"), one).map_err(|e| e.to_string())?;
    let (p1, p2) = (free_port()?, free_port()?);
    let d = dir.display();
    let conf = format!(
        "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n  access_log off;\n  keepalive_requests 10000000;\n  keepalive_timeout 120s;\n\
           client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp; uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;\n\
           ssl_certificate {d}/server.pem; ssl_certificate_key {d}/server.key;\n\
           ssl_session_cache shared:SSL:1m; ssl_session_tickets on;\n\
           server {{\n    listen 127.0.0.1:{p1} ssl;\n    listen 127.0.0.1:{p2} ssl http2;\n    default_type application/json;\n\
             location = /users/42 {{ alias {d}/user.json; }}\n\
           }}\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), conf).map_err(|e| e.to_string())?;
    // nginx on CPU 0, the clients on CPU 1 (`server::pin_to_core`).
    let mut command = Command::new("taskset");
    command.args(["-c", "0"]).arg(nginx);
    if Command::new("taskset").arg("-V").output().is_err() {
        command = Command::new(nginx);
    }
    let child = command
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let ca = std::fs::read(dir.join("ca.pem")).map_err(|e| e.to_string())?;
    let server = TlsServer {
        h1: format!("https://127.0.0.1:{p1}"),
        h2: format!("https://127.0.0.1:{p2}"),
        ca,
        child,
        dir,
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", p2))
            .await
            .is_ok()
        {
            return Ok(server);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Err("nginx over TLS did not start listening".into())
}
