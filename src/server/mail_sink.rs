//! A tiny SMTP server that accepts every message: the development mail sink (writes each
//! message as a `.eml` file) and the test harness's listener (keeps them in memory).
//! Not for production: no authentication, no relaying, one message size cap.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

/// One message as received.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body, dot-unstuffed, CRLF line ends.
    pub data: String,
}

#[derive(Clone)]
pub struct MailSink {
    pub addr: SocketAddr,
    messages: Arc<Mutex<Vec<ReceivedMail>>>,
    notify: Arc<tokio::sync::Notify>,
}

const MAX_MESSAGE: usize = 1024 * 1024;

impl MailSink {
    /// Listens on `addr` (port 0 picks a free one); writes messages to `dir` when given.
    pub async fn start(addr: SocketAddr, dir: Option<PathBuf>) -> std::io::Result<MailSink> {
        let listener = TcpListener::bind(addr).await?;
        if let Some(d) = &dir {
            std::fs::create_dir_all(d)?;
        }
        let sink = MailSink {
            addr: listener.local_addr()?,
            messages: Arc::default(),
            notify: Arc::new(tokio::sync::Notify::new()),
        };
        let s = sink.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let (s, dir) = (s.clone(), dir.clone());
                tokio::spawn(async move {
                    if let Err(e) = s.session(stream, dir).await {
                        tracing::debug!(error = %e, "mail sink session ended");
                    }
                });
            }
        });
        Ok(sink)
    }

    /// The messages received so far.
    pub async fn messages(&self) -> Vec<ReceivedMail> {
        self.messages.lock().await.clone()
    }

    /// Waits (up to 10 s) until at least `n` messages arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let notified = self.notify.notified();
            let got = self.messages().await;
            if got.len() >= n || tokio::time::Instant::now() >= deadline {
                return got;
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }

    async fn session(&self, stream: tokio::net::TcpStream, dir: Option<PathBuf>) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 tenantry mail sink ready\r\n").await?;
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end().to_string();
            let upper = cmd.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-tenantry mail sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
            } else if upper.starts_with("HELO") {
                b"250 tenantry mail sink\r\n"
            } else if upper.starts_with("MAIL FROM:") {
                from = address(&cmd[10..]);
                to.clear();
                b"250 OK\r\n"
            } else if upper.starts_with("RCPT TO:") {
                to.push(address(&cmd[8..]));
                b"250 OK\r\n"
            } else if upper == "DATA" {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    let l = line.trim_end_matches(['\r', '\n']);
                    if l == "." {
                        break;
                    }
                    if data.len() < MAX_MESSAGE {
                        data.push_str(l.strip_prefix('.').unwrap_or(l));
                        data.push_str("\r\n");
                    }
                }
                self.keep(ReceivedMail { from: from.clone(), to: std::mem::take(&mut to), data }, dir.as_deref()).await;
                b"250 OK: queued\r\n"
            } else if upper == "RSET" {
                from.clear();
                to.clear();
                b"250 OK\r\n"
            } else if upper == "NOOP" {
                b"250 OK\r\n"
            } else if upper == "QUIT" {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            } else {
                b"502 Command not implemented\r\n"
            };
            write.write_all(reply).await?;
        }
    }

    async fn keep(&self, mail: ReceivedMail, dir: Option<&std::path::Path>) {
        if let Some(dir) = dir {
            let n = self.messages.lock().await.len() + 1;
            let name = format!("{}-{n:04}.eml", chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f"));
            if let Err(e) = tokio::fs::write(dir.join(&name), mail.data.as_bytes()).await {
                tracing::warn!(error = %e, "mail sink could not write {name}");
            } else {
                tracing::info!(to = ?mail.to, file = %dir.join(&name).display(), "mail sink received a message");
            }
        }
        self.messages.lock().await.push(mail);
        self.notify.notify_waiters();
    }
}

fn address(s: &str) -> String {
    let s = s.trim();
    let s = s.split_whitespace().next().unwrap_or(s);
    s.trim_start_matches('<').trim_end_matches('>').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn receives_a_message_sent_with_lettre() {
        let sink = MailSink::start("127.0.0.1:0".parse().unwrap(), None).await.unwrap();
        let cfg = crate::server::config::MailConfig { smtp_url: format!("smtp://{}", sink.addr), ..Default::default() };
        let mailer = crate::server::mail::Mailer::new(&cfg);
        let m = crate::server::mail::InvitationMail {
            to: "ada@example.com",
            tenant: "Acme & Co",
            inviter: "bob@example.com",
            role: "admin",
            token: "tok_123",
            expires: chrono::Utc::now(),
            branding: &Default::default(),
        };
        mailer.send_invitation(&m).await.unwrap();
        let got = sink.wait_for(1).await;
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].to, vec!["ada@example.com".to_string()]);
        assert!(got[0].data.contains("/invite/tok_123"), "{}", got[0].data);
        assert!(got[0].data.contains("Subject: You're invited to Acme & Co on Tenantry"));
    }

    #[tokio::test]
    async fn a_closed_port_is_a_readable_error() {
        let cfg = crate::server::config::MailConfig {
            smtp_url: "smtp://127.0.0.1:9".into(),
            timeout_secs: 2,
            ..Default::default()
        };
        let err = crate::server::mail::Mailer::new(&cfg)
            .send_invitation(&crate::server::mail::InvitationMail {
                to: "a@example.com",
                tenant: "T",
                inviter: "i",
                role: "viewer",
                token: "t",
                expires: chrono::Utc::now(),
                branding: &Default::default(),
            })
            .await
            .unwrap_err();
        assert!(err.starts_with("The email could not be sent"), "{err}");
    }
}
