//! One page as the page cache keeps it: the HTML already compressed (brotli
//! and gzip, made once when the page is stored, never per request), its
//! ETag, and its Content-Security-Policy.
//!
//! Cached pages are shared by every shopper, so they cannot carry a
//! per-response nonce without rewriting the body on every hit. They are
//! rendered without one and allowed by the SHA-256 hashes of their inline
//! scripts instead (`'sha256-…'`): the same bytes and the same header for
//! everyone, and an injected script still runs nowhere, since its hash is
//! not listed.

use axum::body::Bytes;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::io::Write as _;

pub struct Entry {
    pub etag: String,
    pub csp: String,
    identity: Bytes,
    br: Bytes,
    gzip: Bytes,
}

/// The SHA-256 source expressions of every inline `<script>` (one without
/// `src`), hashed over its text exactly as it appears, as browsers do.
pub fn inline_script_hashes(html: &[u8]) -> Vec<String> {
    let mut hashes: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(open) = find(rest, b"<script") {
        let tag_start = &rest[open..];
        let Some(tag_end) = find(tag_start, b">") else { break };
        let tag = &tag_start[..tag_end];
        let body = &tag_start[tag_end + 1..];
        let Some(close) = find(body, b"</script") else { break };
        if !tag.windows(5).any(|w| w.eq_ignore_ascii_case(b" src=")) {
            let digest = Sha256::digest(&body[..close]);
            let source = format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest));
            if !hashes.contains(&source) {
                hashes.push(source);
            }
        }
        rest = &body[close..];
    }
    hashes
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle))
}

/// A weak validator: the same page in any encoding is the same entity.
fn etag_of(html: &[u8]) -> String {
    let d = Sha256::digest(html);
    format!("W/\"{}\"", shop::orders::cart::hex(&d[..12]))
}

/// Which stored encoding to send for this `Accept-Encoding`: brotli, then
/// gzip, then none. A coding listed with `q=0` is refused.
pub fn negotiate(accept: Option<&str>) -> Option<&'static str> {
    let accept = accept?;
    let takes = |coding: &str| {
        accept.split(',').any(|part| {
            let mut it = part.split(';');
            let name = it.next().unwrap_or_default().trim();
            let q = it.find_map(|p| p.trim().strip_prefix("q=").map(|v| v.trim().parse::<f32>().unwrap_or(0.0)));
            name.eq_ignore_ascii_case(coding) && q.is_none_or(|q| q > 0.0)
        })
    };
    ["br", "gzip"].into_iter().find(|c| takes(c))
}

/// Brotli quality of cached pages (see `Entry::build`).
const BROTLI_QUALITY: u32 = 6;

impl Entry {
    /// Compress and hash a rendered page (CPU work: call it off the async threads).
    pub fn build(html: Bytes) -> Entry {
        let csp = super::headers::csp_with_hashes(&inline_script_hashes(&html));
        let mut br = Vec::with_capacity(html.len() / 4);
        {
            // Quality 6: a 15 KB product page compresses in 0.5 ms to within
            // 0.3% of quality 9's size, which took 8.7 ms, most of it zeroing
            // a 32 MB match table per page (and at 100,000 products nearly
            // every browse fills the cache).
            let mut w = brotli::CompressorWriter::new(&mut br, 4096, BROTLI_QUALITY, 20);
            let _ = w.write_all(&html);
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(html.len() / 4), flate2::Compression::new(9));
        let _ = gz.write_all(&html);
        let gzip = gz.finish().unwrap_or_default();
        Entry { etag: etag_of(&html), csp, identity: html, br: br.into(), gzip: gzip.into() }
    }

    /// The body for `coding` (`None`: uncompressed).
    pub fn body(&self, coding: Option<&str>) -> Bytes {
        match coding {
            Some("br") if !self.br.is_empty() => self.br.clone(),
            Some("gzip") if !self.gzip.is_empty() => self.gzip.clone(),
            _ => self.identity.clone(),
        }
    }

    /// Length-prefixed parts: ETag, CSP, then the three bodies.
    pub fn encode(&self) -> Vec<u8> {
        let parts: [&[u8]; 5] = [self.etag.as_bytes(), self.csp.as_bytes(), &self.identity, &self.br, &self.gzip];
        let mut out = Vec::with_capacity(8 + parts.iter().map(|p| p.len() + 4).sum::<usize>());
        out.extend_from_slice(b"SFP1");
        for p in parts {
            out.extend_from_slice(&(p.len() as u32).to_le_bytes());
            out.extend_from_slice(p);
        }
        out
    }

    /// `None` for anything `encode` did not write (an older format, a
    /// truncated value): the caller renders the page anew.
    pub fn decode(bytes: Vec<u8>) -> Option<Entry> {
        let all = Bytes::from(bytes);
        if !all.starts_with(b"SFP1") {
            return None;
        }
        let mut at = 4;
        let mut next = || {
            let len = u32::from_le_bytes(all.get(at..at + 4)?.try_into().ok()?) as usize;
            let part = all.get(at + 4..at + 4 + len).map(|_| all.slice(at + 4..at + 4 + len))?;
            at += 4 + len;
            Some(part)
        };
        let (etag, csp) = (next()?, next()?);
        let (identity, br, gzip) = (next()?, next()?, next()?);
        Some(Entry {
            etag: String::from_utf8(etag.to_vec()).ok()?,
            csp: String::from_utf8(csp.to_vec()).ok()?,
            identity,
            br,
            gzip,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    const PAGE: &str = r#"<html><head><script type="module" src="/pkg/a.js"></script><script>boot()</script></head><body><p>Tee</p><script type="application/ld+json">{"a":1}</script><script>boot()</script></body></html>"#;

    #[test]
    fn every_inline_script_is_hashed_once_and_external_ones_not_at_all() {
        let hashes = inline_script_hashes(PAGE.as_bytes());
        let boot = format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"boot()")));
        assert_eq!(hashes.len(), 2, "{hashes:?}");
        assert_eq!(hashes[0], boot);
        assert!(inline_script_hashes(b"<p>no scripts</p>").is_empty());
    }

    #[test]
    fn a_stored_page_decodes_to_the_same_bodies_and_each_encoding_inflates_to_the_page() {
        let entry = Entry::decode(Entry::build(Bytes::from(PAGE)).encode()).expect("round trip");
        assert_eq!(entry.body(None), PAGE.as_bytes());
        let mut out = String::new();
        brotli::Decompressor::new(&entry.body(Some("br"))[..], 4096).read_to_string(&mut out).unwrap();
        assert_eq!(out, PAGE);
        out.clear();
        flate2::read::GzDecoder::new(&entry.body(Some("gzip"))[..]).read_to_string(&mut out).unwrap();
        assert_eq!(out, PAGE);
        assert!(entry.csp.contains("'sha256-") && !entry.csp.contains("nonce"), "{}", entry.csp);
        assert!(entry.etag.starts_with("W/\""));
    }

    #[test]
    fn a_value_in_another_format_or_cut_short_is_not_an_entry() {
        let encoded = Entry::build(Bytes::from(PAGE)).encode();
        assert!(Entry::decode(encoded[..encoded.len() - 3].to_vec()).is_none());
        assert!(Entry::decode(br#"{"etag":"x","body":"<p>"}"#.to_vec()).is_none());
    }

    #[test]
    fn brotli_is_preferred_then_gzip_and_a_zero_quality_refuses_a_coding() {
        assert_eq!(negotiate(Some("gzip, deflate, br, zstd")), Some("br"));
        assert_eq!(negotiate(Some("gzip;q=1.0, br;q=0")), Some("gzip"));
        assert_eq!(negotiate(Some("BR")), Some("br"));
        assert_eq!(negotiate(Some("identity")), None);
        assert_eq!(negotiate(None), None);
    }
}
