//! Server data loaded into resources, decoded by the same JSON reader as server function
//! answers.
//!
//! `Resource::new` decodes the value the server rendered into the page with
//! `serde_json::from_str`, while server functions decode their answers with
//! `serde_json::from_slice`. serde_json compiles a deserializer per reader type, so every
//! type a page loads was compiled into the client twice: in the release client's main bundle
//! the two copies were about 50 KB each. [`Json`] decodes the rendered value from its bytes,
//! so both paths share one copy.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;

/// JSON, written with `to_string` (as Leptos' default codec) and read from bytes.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(val)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(val.as_bytes())
    }
}

/// A resource of server data (what [`resource`] makes).
pub type Loaded<T> = Resource<T, Json>;

/// `Resource::new` with the [`Json`] codec: `fetcher` runs whenever `source` changes; the
/// server renders the first value into the page and the client reads it from there.
#[track_caller]
pub fn resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Loaded<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_reads_back_what_it_writes() {
        let v: Result<Vec<(String, f64)>, String> = Ok(vec![("é \"q\"".into(), 1.5)]);
        let s = <Json as Encoder<_>>::encode(&v).unwrap();
        assert_eq!(<Json as Decoder<Result<Vec<(String, f64)>, String>>>::decode(&s).unwrap(), v);
        assert!(<Json as Decoder<Vec<u8>>>::decode("{").is_err());
    }
}
