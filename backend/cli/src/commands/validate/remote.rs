//! `validate --remote`: the same files judged by the server (`POST /v1/validate`) instead of
//! a local copy of the schema, for pipelines that must get exactly the verdict a binding
//! would. Files are read and parsed here first, so one that does not parse is reported as it
//! is locally and never costs a request; the rest go in batches the server takes at once.

use super::check::{read_capped, Outcome};
use crate::client::Client;
use crate::error::CliError;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use versiqii_api::v1::{ValidateDocument, ValidateRequest};
use versiqii_core::document::{parse_document, Format};
use versiqii_core::schema::Violation;

/// The server's limit per request.
const BATCH_DOCUMENTS: usize = 100;
/// Encoded content per request, well under the server's default body limit (1 MiB).
const BATCH_BYTES: usize = 768 * 1024;

/// A file ready to send: its index among the files, its text and format.
struct Ready {
    index: usize,
    content: String,
    format: Option<&'static str>,
    encoded_len: usize,
}

/// One outcome per file, in the order of `files`.
pub fn check_all(
    client: &mut Client,
    target: &str,
    files: &[PathBuf],
    done: Option<&AtomicUsize>,
) -> Result<Vec<Outcome>, CliError> {
    let mut outcomes: Vec<Option<Outcome>> = (0..files.len()).map(|_| None).collect();
    let mut ready = Vec::new();
    let mut buf = Vec::new();
    for (index, path) in files.iter().enumerate() {
        match prepare(path, &mut buf) {
            Ok((content, format)) => ready.push(Ready {
                index,
                encoded_len: serde_json::to_string(&content).map_or(usize::MAX, |s| s.len()),
                content,
                format,
            }),
            Err(broken) => {
                outcomes[index] = Some(Outcome::Broken(broken));
                bump(done, 1);
            }
        }
    }
    for batch in batches(ready) {
        let request = ValidateRequest {
            target: Some(target.to_owned()),
            documents: Some(
                batch
                    .iter()
                    .map(|r| ValidateDocument {
                        name: r.index.to_string(),
                        content: r.content.clone(),
                        format: r.format.map(str::to_owned),
                    })
                    .collect(),
            ),
            ..ValidateRequest::default()
        };
        let answer = client.validate(&request)?;
        for result in answer.results {
            let Some(index) = result.name.as_deref().and_then(|n| n.parse::<usize>().ok()) else {
                continue;
            };
            if let Some(slot) = outcomes.get_mut(index) {
                *slot = Some(if result.valid {
                    Outcome::Valid
                } else {
                    Outcome::Invalid(
                        result
                            .violations
                            .into_iter()
                            .map(|v| Violation {
                                pointer: v.pointer,
                                keyword: v.keyword,
                                message: v.message,
                            })
                            .collect(),
                    )
                });
            }
        }
        bump(done, batch.len());
    }
    outcomes
        .into_iter()
        .enumerate()
        .map(|(i, o)| {
            o.ok_or_else(|| {
                CliError::failure(format!(
                    "the server gave no verdict for {}",
                    files[i].display()
                ))
            })
        })
        .collect()
}

/// The file's text and format, or why it cannot be sent: as the server would refuse it.
fn prepare(
    path: &std::path::Path,
    buf: &mut Vec<u8>,
) -> Result<(String, Option<&'static str>), String> {
    read_capped(path, buf).map_err(|e| format!("cannot read: {e}"))?;
    let format = path
        .extension()
        .and_then(|ext| ext.to_str())
        .and_then(Format::from_path_ext);
    let (doc, _) = parse_document(buf, format).map_err(|e| e.to_string())?;
    if !doc.is_object() {
        return Err("a config is a JSON or YAML object (a mapping at the top level)".to_owned());
    }
    let text = String::from_utf8(std::mem::take(buf)).map_err(|_| "not UTF-8 text".to_owned())?;
    let format = format.map(|f| match f {
        Format::Json => "json",
        Format::Yaml => "yaml",
    });
    Ok((text, format))
}

/// Consecutive runs of at most [`BATCH_DOCUMENTS`] files and about [`BATCH_BYTES`] of
/// encoded text (a larger file goes alone).
fn batches(ready: Vec<Ready>) -> Vec<Vec<Ready>> {
    let mut out: Vec<Vec<Ready>> = Vec::new();
    let mut bytes = 0;
    for r in ready {
        let fits = out
            .last()
            .is_some_and(|b| b.len() < BATCH_DOCUMENTS && bytes + r.encoded_len <= BATCH_BYTES);
        if !fits {
            out.push(Vec::new());
            bytes = 0;
        }
        bytes += r.encoded_len;
        if let Some(b) = out.last_mut() {
            b.push(r);
        }
    }
    out
}

fn bump(done: Option<&AtomicUsize>, n: usize) {
    if let Some(done) = done {
        done.fetch_add(n, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(index: usize, encoded_len: usize) -> Ready {
        Ready {
            index,
            content: String::new(),
            format: None,
            encoded_len,
        }
    }

    #[test]
    fn batches_respect_the_count_and_size_limits_in_order() {
        let many: Vec<Ready> = (0..250).map(|i| ready(i, 10)).collect();
        let sizes: Vec<usize> = batches(many).iter().map(Vec::len).collect();
        assert_eq!(sizes, [100, 100, 50]);

        let big = vec![
            ready(0, 500 * 1024),
            ready(1, 300 * 1024),
            ready(2, 2 * BATCH_BYTES),
            ready(3, 1),
        ];
        let split: Vec<Vec<usize>> = batches(big)
            .iter()
            .map(|b| b.iter().map(|r| r.index).collect())
            .collect();
        assert_eq!(split, [vec![0], vec![1], vec![2], vec![3]]);
    }
}
