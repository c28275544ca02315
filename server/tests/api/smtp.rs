//! A local SMTP server that speaks enough of RFC 5321 for a client to deliver mail, and keeps
//! every message it accepts.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;

/// One delivered message: the envelope and the raw data.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

pub struct FakeSmtp {
    pub url: String,
    pub delivered: Arc<Mutex<Vec<Delivered>>>,
}

impl FakeSmtp {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let delivered = Arc::new(Mutex::new(Vec::new()));
        let store = delivered.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 fake.smtp ESMTP ready\r\n").await;
                    let mut message = Delivered {
                        from: String::new(),
                        to: Vec::new(),
                        data: String::new(),
                    };
                    while let Ok(Some(line)) = lines.next_line().await {
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") {
                            b"250-fake.smtp\r\n250 8BITMIME\r\n"
                        } else if upper.starts_with("MAIL FROM:") {
                            message.from = line[10..].trim().trim_matches(['<', '>']).to_owned();
                            b"250 OK\r\n"
                        } else if upper.starts_with("RCPT TO:") {
                            message
                                .to
                                .push(line[8..].trim().trim_matches(['<', '>']).to_owned());
                            b"250 OK\r\n"
                        } else if upper == "DATA" {
                            let _ = write
                                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                                .await;
                            while let Ok(Some(data)) = lines.next_line().await {
                                if data == "." {
                                    break;
                                }
                                message.data.push_str(&data);
                                message.data.push('\n');
                            }
                            store.lock().unwrap().push(std::mem::replace(
                                &mut message,
                                Delivered {
                                    from: String::new(),
                                    to: Vec::new(),
                                    data: String::new(),
                                },
                            ));
                            b"250 OK: queued\r\n"
                        } else if upper == "QUIT" {
                            let _ = write.write_all(b"221 Bye\r\n").await;
                            break;
                        } else {
                            b"250 OK\r\n"
                        };
                        if write.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        Self { url, delivered }
    }

    pub fn messages(&self) -> Vec<Delivered> {
        self.delivered.lock().unwrap().clone()
    }
}
