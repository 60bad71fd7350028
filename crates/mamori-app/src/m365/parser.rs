//! The parser side of a Microsoft 365 import, on a blocking thread: it reads the file once,
//! copying it into the evidence store as it goes, parses it, and prepares batches (packed for
//! the INSERT, raw JSON compressed as a segment, day postings collected) that it hands over a
//! bounded channel to the store loop.

use crate::evidence::{BlockingUpload, TeeReader};
use mamori_m365::{AuditRecord, Format, Item, Rejected};
use mamori_store::rows;
use std::path::{Path, PathBuf};
use tokio::sync::mpsc::Sender;

/// Events per stored batch (one multi-row INSERT and one raw-JSON segment).
const BATCH: usize = 512;
/// Day postings held before they are written.
const TERMS_HELD: usize = 20_000;

/// What the parser thread hands to the store loop.
pub(super) enum Msg {
    Batch(Batch),
    Account(mamori_m365::Account),
    Rejected(Rejected),
    Terms(Vec<(&'static str, String, String)>),
}

/// A batch of events prepared on the parser thread: its raw JSON already compressed as a
/// segment of every slot (used as is when every event is new).
pub(super) struct Batch {
    pub(super) events: Vec<AuditRecord>,
    pub(super) segment: Vec<u8>,
    pub(super) first_at: String,
    pub(super) last_at: String,
}

impl Batch {
    fn prepare(events: Vec<AuditRecord>) -> Batch {
        let segment = mamori_m365::segment::encode(&events.iter().map(|e| e.raw.as_bytes()).collect::<Vec<_>>());
        let first_at = events.iter().map(|e| e.time.as_str()).min().unwrap_or("").to_string();
        let last_at = events.iter().map(|e| e.time.as_str()).max().unwrap_or("").to_string();
        Batch { events, segment, first_at, last_at }
    }
}

/// Day postings of new events, written in batches (lookups borrow; only new postings
/// allocate).
#[derive(Default)]
struct Terms {
    /// Per kind: term → days.
    held: [std::collections::HashMap<String, std::collections::HashSet<String>>; 5],
    count: usize,
}

const TERM_KINDS: [&str; 5] =
    [rows::term::USER, rows::term::OPERATION, rows::term::IP, rows::term::WORKLOAD, rows::term::SIGN_IN];

impl Terms {
    fn put(&mut self, kind: usize, term: &str, day: &str) {
        if term.is_empty() {
            return;
        }
        let days = match self.held[kind].get_mut(term) {
            Some(d) => d,
            None => self.held[kind].entry(term.to_string()).or_default(),
        };
        if !days.contains(day) {
            days.insert(day.to_string());
            self.count += 1;
        }
    }

    fn add(&mut self, e: &AuditRecord) {
        let day = e.time.get(..10).unwrap_or("");
        self.put(0, &e.user, day);
        self.put(1, &e.operation, day);
        self.put(2, &e.ip, day);
        self.put(3, &e.workload, day);
        if e.operation == "UserLoggedIn" {
            self.put(4, &e.user, day);
        }
    }

    fn take(&mut self) -> Vec<(&'static str, String, String)> {
        let mut list = Vec::with_capacity(self.count);
        for (k, map) in self.held.iter_mut().enumerate() {
            for (term, days) in map.drain() {
                for day in days {
                    list.push((TERM_KINDS[k], term.clone(), day));
                }
            }
        }
        self.count = 0;
        list
    }
}

/// Starts the parser thread. It also packs each batch, compresses its raw JSON and collects
/// the day postings (a duplicate's postings already exist, so they are harmless), leaving the
/// database calls alone on the store side. Returns the format read and the evidence upload.
pub(super) fn spawn(
    path: PathBuf,
    mut up: BlockingUpload,
    tx_items: Sender<Msg>,
) -> tokio::task::JoinHandle<(Result<Format, mamori_m365::Error>, BlockingUpload)> {
    tokio::task::spawn_blocking(move || {
        let result = parse_into(&path, &mut up, tx_items);
        (result, up)
    })
}

/// Parses the file while the upload keeps a copy of every byte read.
fn parse_into(path: &Path, up: &mut BlockingUpload, tx_items: Sender<Msg>) -> Result<Format, mamori_m365::Error> {
    let mut f = std::fs::File::open(path)?;
    let format = parse_from(TeeReader::new(&mut f, up), &tx_items);
    if tx_items.is_closed() {
        return format;
    }
    // Keep the whole file even when the parser stopped early.
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = std::io::Read::read(&mut f, &mut buf)?;
        if n == 0 {
            break;
        }
        up.write(&buf[..n])?;
    }
    format
}

/// Ends the read once the store side has gone (it failed), instead of parsing the rest of the
/// file for nobody.
struct UntilClosed<'a, R>(R, &'a Sender<Msg>);

impl<R: std::io::Read> std::io::Read for UntilClosed<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.1.is_closed() {
            return Err(std::io::Error::other("the import stopped"));
        }
        self.0.read(buf)
    }
}

/// Decodes and parses `input`, sending batches, accounts, rejections and postings.
fn parse_from(input: impl std::io::Read, tx_items: &Sender<Msg>) -> Result<Format, mamori_m365::Error> {
    let input = mamori_m365::decode(UntilClosed(input, tx_items))?;
    struct State {
        events: Vec<AuditRecord>,
        terms: Terms,
    }
    let state = std::cell::RefCell::new(State { events: Vec::with_capacity(BATCH), terms: Terms::default() });
    let send = |m: Msg| {
        let _ = tx_items.blocking_send(m);
    };
    let flush = |st: &mut State| {
        if !st.events.is_empty() {
            let events = std::mem::replace(&mut st.events, Vec::with_capacity(BATCH));
            send(Msg::Batch(Batch::prepare(events)));
        }
        if st.terms.count >= TERMS_HELD {
            send(Msg::Terms(st.terms.take()));
        }
    };
    let format = mamori_m365::read(
        input,
        |i| match i {
            Item::Event(e) => {
                let mut st = state.borrow_mut();
                st.terms.add(&e);
                st.events.push(e);
                if st.events.len() >= BATCH {
                    flush(&mut st);
                }
            }
            Item::Account(a) => send(Msg::Account(a)),
        },
        |r| send(Msg::Rejected(r)),
    );
    let mut st = state.into_inner();
    flush(&mut st);
    send(Msg::Terms(st.terms.take()));
    format
}
