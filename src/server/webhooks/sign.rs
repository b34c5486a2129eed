//! Standard Webhooks signatures (<https://www.standardwebhooks.com>): a secret is
//! `whsec_` and base64 of random bytes (the HMAC key is those bytes); a signature is
//! `v1,` and base64 of HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}").
//! Several signatures (during a secret rotation) are sent space-separated.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const PREFIX: &str = "whsec_";

/// A new secret: 32 random bytes.
pub fn new_secret() -> String {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).expect("the operating system's random source failed");
    format!("{PREFIX}{}", STANDARD.encode(key))
}

/// The HMAC key of a secret (`None`: not one of ours).
pub fn key(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix(PREFIX)?).ok().filter(|k| !k.is_empty())
}

/// One `v1,` signature.
pub fn sign(key: &[u8], msg_id: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header: one signature per secret (the current one first).
pub fn header(secrets: &[&str], msg_id: &str, timestamp: i64, body: &str) -> String {
    secrets.iter().filter_map(|s| key(s)).map(|k| sign(&k, msg_id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in the Standard Webhooks specification (its reference libraries'
    /// test vector).
    #[test]
    fn matches_the_specification_example() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        let sig = sign(&key(secret).unwrap(), "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_and_headers() {
        let a = new_secret();
        let b = new_secret();
        assert!(a.starts_with(PREFIX) && a != b);
        assert_eq!(key(&a).unwrap().len(), 32);
        assert!(key("nope").is_none());
        let h = header(&[&a, &b], "msg_1", 1, "{}");
        let parts: Vec<_> = h.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], sign(&key(&a).unwrap(), "msg_1", 1, "{}"));
        assert_ne!(parts[0], parts[1]);
    }
}
