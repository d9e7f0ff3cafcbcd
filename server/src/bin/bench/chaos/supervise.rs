//! A supervised child process, as a process manager (systemd, ECS) would
//! run the server and its workers: when it dies, planned (the fault loop's
//! SIGKILL) or not, it is started again after a short delay. The chaos suite
//! counts both kinds so a crash the suite did not cause shows in the report.

use super::procs::Owned;
use std::path::PathBuf;
use std::process::Command;
use std::process::Stdio;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

enum Cmd {
    /// SIGKILL now, start again after the delay.
    Kill,
    /// SIGKILL now and stay down.
    Stop,
}

#[derive(Default)]
pub struct Stats {
    pub spawns: AtomicU64,
    pub planned_kills: AtomicU64,
    pub unplanned_exits: AtomicU64,
}

pub struct Supervised {
    pub name: String,
    tx: mpsc::UnboundedSender<Cmd>,
    pid: Arc<AtomicU32>,
    pub stats: Arc<Stats>,
    task: Mutex<Option<JoinHandle<()>>>,
}

fn log_line(path: &PathBuf, line: &str) {
    use std::io::Write;
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = writeln!(f, "[chaos supervisor] {line}");
    }
}

fn output(path: &PathBuf) -> Result<(Stdio, Stdio), String> {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let g = f.try_clone().map_err(|e| e.to_string())?;
    Ok((Stdio::from(f), Stdio::from(g)))
}

impl Supervised {
    /// Start `make()` now and keep it running until `stop`.
    pub fn start<F>(name: &str, make: F, log: PathBuf, respawn_after: Duration) -> Self
    where
        F: Fn() -> Command + Send + 'static,
    {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let pid = Arc::new(AtomicU32::new(0));
        let stats = Arc::new(Stats::default());
        let (p, s, label) = (pid.clone(), stats.clone(), name.to_string());
        let task = tokio::spawn(async move {
            loop {
                let spawned = output(&log).and_then(|(out, err)| {
                    make().stdout(out).stderr(err).stdin(Stdio::null()).spawn().map(Owned).map_err(|e| e.to_string())
                });
                let mut stop = false;
                match spawned {
                    Err(e) => log_line(&log, &format!("{label}: could not start: {e}")),
                    Ok(mut child) => {
                        p.store(child.id(), Ordering::SeqCst);
                        s.spawns.fetch_add(1, Ordering::Relaxed);
                        loop {
                            tokio::select! {
                                _ = tokio::time::sleep(Duration::from_millis(100)) => {
                                    if let Ok(Some(status)) = child.0.try_wait() {
                                        s.unplanned_exits.fetch_add(1, Ordering::Relaxed);
                                        log_line(&log, &format!("{label}: exited on its own: {status}"));
                                        break;
                                    }
                                }
                                cmd = rx.recv() => {
                                    child.kill();
                                    match cmd {
                                        Some(Cmd::Kill) => {
                                            s.planned_kills.fetch_add(1, Ordering::Relaxed);
                                            log_line(&log, &format!("{label}: SIGKILL (fault)"));
                                        }
                                        _ => stop = true,
                                    }
                                    break;
                                }
                            }
                        }
                        p.store(0, Ordering::SeqCst);
                    }
                }
                if stop {
                    return;
                }
                // Down for a moment, as after a real crash; a stop ends it at once.
                let deadline = tokio::time::sleep(respawn_after);
                tokio::pin!(deadline);
                loop {
                    tokio::select! {
                        _ = &mut deadline => break,
                        cmd = rx.recv() => match cmd {
                            Some(Cmd::Kill) => continue, // nothing running to kill
                            _ => return,
                        }
                    }
                }
            }
        });
        Self { name: name.to_string(), tx, pid, stats, task: Mutex::new(Some(task)) }
    }

    /// The running process id, 0 while it is down.
    pub fn pid(&self) -> u32 {
        self.pid.load(Ordering::SeqCst)
    }

    /// SIGKILL the process (it is started again). False when it was down.
    pub fn kill(&self) -> bool {
        self.pid() != 0 && self.tx.send(Cmd::Kill).is_ok()
    }

    /// SIGKILL and stay down; waits until the process is gone.
    pub async fn stop(&self) {
        let _ = self.tx.send(Cmd::Stop);
        let task = self.task.lock().map(|mut t| t.take()).unwrap_or(None);
        if let Some(t) = task {
            if tokio::time::timeout(Duration::from_secs(10), t).await.is_err() {
                let pid = self.pid();
                if pid != 0 {
                    super::procs::signal(pid, "KILL");
                }
            }
        }
    }
}

impl Drop for Supervised {
    /// Last resort (`stop` is the normal way): dropping the task kills its child.
    fn drop(&mut self) {
        if let Some(t) = self.task.lock().ok().and_then(|mut t| t.take()) {
            t.abort();
        }
    }
}
