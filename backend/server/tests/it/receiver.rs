//! Real receivers on loopback for the dispatcher's deliveries: an HTTP/1.1 server that records
//! every request and answers from a script, and a DNS server whose answers a test sets (and
//! changes between queries).

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// Verified with the Standard Webhooks reference library.
    pub fn verify(&self, secret: &str) -> Result<(), String> {
        let mut map = http::HeaderMap::new();
        for (k, v) in &self.headers {
            map.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                http::HeaderValue::from_str(v).unwrap(),
            );
        }
        standardwebhooks::Webhook::new(secret)
            .map_err(|e| e.to_string())?
            .verify(&self.body, &map)
            .map_err(|e| e.to_string())
    }
}

/// An answer: status, body, extra headers, and how long to wait before answering.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
    pub delay: Duration,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Reply {
            status,
            body: String::new(),
            headers: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn body(mut self, body: &str) -> Self {
        self.body = body.to_owned();
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    script: VecDeque<Reply>,
}

/// An HTTP receiver on 127.0.0.1: answers the scripted replies in order, then `default`.
pub struct Receiver {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl Receiver {
    pub fn start(default: Reply) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let state = shared.clone();
                let default = default.clone();
                std::thread::spawn(move || serve(stream, &state, &default));
            }
        });
        Receiver { port, state }
    }

    pub fn ok() -> Receiver {
        Self::start(Reply::status(204))
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The next answers, in order, before the default.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.lock().unwrap().script.extend(replies);
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// Waits up to `secs` for `n` requests that satisfy `which`; returns them all.
    pub fn wait_for(
        &self,
        n: usize,
        secs: u64,
        which: impl Fn(&Received) -> bool,
    ) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let got: Vec<Received> = self.received().into_iter().filter(&which).collect();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} requests after {secs} s: {:?}",
                got.len(),
                got.iter()
                    .map(|r| String::from_utf8_lossy(&r.body).into_owned())
                    .collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn serve(stream: std::net::TcpStream, state: &Mutex<State>, default: &Reply) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let path = line.split(' ').nth(1).unwrap_or("").to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let reply = {
        let mut s = state.lock().unwrap();
        s.received.push(Received {
            path,
            headers,
            body,
            at: Instant::now(),
        });
        s.script.pop_front().unwrap_or_else(|| default.clone())
    };
    std::thread::sleep(reply.delay);
    let mut out = stream;
    let mut text = format!(
        "HTTP/1.1 {} X\r\ncontent-length: {}\r\nconnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(&reply.body);
    let _ = out.write_all(text.as_bytes());
}

/// A DNS server on 127.0.0.1 (UDP): answers A queries from `answer(name, nth query for that
/// name)`, AAAA queries with no records.
pub struct Dns {
    pub addr: String,
}

type Answer = dyn Fn(&str, usize) -> Option<Ipv4Addr> + Send + Sync;

impl Dns {
    pub fn start(answer: impl Fn(&str, usize) -> Option<Ipv4Addr> + Send + Sync + 'static) -> Dns {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap().to_string();
        let answer: Arc<Answer> = Arc::new(answer);
        std::thread::spawn(move || {
            let mut counts: HashMap<String, usize> = HashMap::new();
            let mut buf = [0u8; 1500];
            loop {
                let Ok((n, from)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                if let Some(reply) = respond(&buf[..n], &mut counts, &*answer) {
                    let _ = socket.send_to(&reply, from);
                }
            }
        });
        Dns { addr }
    }
}

fn respond(q: &[u8], counts: &mut HashMap<String, usize>, answer: &Answer) -> Option<Vec<u8>> {
    if q.len() < 12 {
        return None;
    }
    let mut i = 12;
    let mut labels = Vec::new();
    loop {
        let len = usize::from(*q.get(i)?);
        i += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(q.get(i..i + len)?).to_ascii_lowercase());
        i += len;
    }
    let qtype = u16::from_be_bytes([*q.get(i)?, *q.get(i + 1)?]);
    let question = q.get(12..i + 4)?;
    let name = labels.join(".");
    let ip = if qtype == 1 {
        let nth = counts.entry(name.clone()).or_default();
        *nth += 1;
        answer(&name, *nth)
    } else {
        None
    };
    let mut r = Vec::with_capacity(64);
    r.extend_from_slice(&q[..2]);
    let rcode = if qtype == 1 && ip.is_none() { 3 } else { 0 };
    r.extend_from_slice(&[0x81, 0x80 | rcode]);
    r.extend_from_slice(&[0, 1, 0, u8::from(ip.is_some()), 0, 0, 0, 0]);
    r.extend_from_slice(question);
    if let Some(ip) = ip {
        r.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4]);
        r.extend_from_slice(&ip.octets());
    }
    Some(r)
}
