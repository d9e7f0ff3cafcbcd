//! Process plumbing for the chaos suite: children that die with it
//! (`Owned`), signals, free loopback ports, log tails, and the suite's own
//! Redis, which the fault loop kills and starts again.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Send a signal (`KILL`, `STOP`, `CONT`) to a process.
pub fn signal(pid: u32, sig: &str) -> bool {
    std::process::Command::new("kill")
        .args([format!("-{sig}"), pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A child process that is killed (SIGKILL) and reaped when dropped, so
/// nothing the suite started outlives it, even on an error path.
pub struct Owned(pub std::process::Child);

impl Owned {
    pub fn id(&self) -> u32 {
        self.0.id()
    }

    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `preferred` when it is free on 127.0.0.1, else any free port.
pub fn port(preferred: u16) -> Result<u16, String> {
    if std::net::TcpListener::bind(("127.0.0.1", preferred)).is_ok() {
        return Ok(preferred);
    }
    let l = std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

pub async fn wait_port(port: u16, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// The last lines of a log, for an error message.
pub fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

pub fn spawn_logged(cmd: &mut Command, log: &Path) -> Result<Owned, String> {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| format!("{}: {e}", log.display()))?;
    let g = f.try_clone().map_err(|e| e.to_string())?;
    cmd.stdout(f).stderr(g).stdin(std::process::Stdio::null()).spawn().map(Owned).map_err(|e| e.to_string())
}

pub async fn start_redis(dir: &Path, logs: &Path, port: u16) -> Result<Owned, String> {
    let child = spawn_logged(
        Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .current_dir(dir),
        &logs.join("redis.log"),
    )
    .map_err(|e| format!("redis-server: {e} (apt-get install redis-server)"))?;
    if !wait_port(port, Duration::from_secs(20)).await {
        return Err(format!("redis did not open port {port}:\n{}", tail(&logs.join("redis.log"), 20)));
    }
    Ok(child)
}

/// One Redis command without arguments over RESP.
pub async fn redis_command(port: u16, cmd: &str) -> Result<String, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.map_err(|e| format!("redis: {e}"))?;
    s.write_all(format!("*1\r\n${}\r\n{cmd}\r\n", cmd.len()).as_bytes()).await.map_err(|e| e.to_string())?;
    let mut buf = [0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .map_err(|_| "redis: no answer".to_string())?
        .map_err(|e| e.to_string())?;
    let answer = String::from_utf8_lossy(&buf[..n]).trim().to_string();
    if answer.starts_with('-') {
        return Err(format!("redis {cmd}: {answer}"));
    }
    Ok(answer)
}
