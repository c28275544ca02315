//! Small helpers shared by the platform clients: reading a response once, and the throttling
//! signals that come in headers.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, StatusCode};

use crate::ConnectorError;

/// A response read to the end.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON of type `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ConnectorError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            ConnectorError::protocol(format!(
                "HTTP {}: body did not parse ({e}): {}",
                self.status,
                self.snippet()
            ))
        })
    }

    /// The start of the body, for error messages.
    pub fn snippet(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        text.chars().take(300).collect()
    }

    /// A 5xx, a 408 or a 429 without a body the client understands: worth retrying.
    pub fn is_server_trouble(&self) -> bool {
        self.status.is_server_error() || self.status == StatusCode::REQUEST_TIMEOUT
    }
}

/// Sends a request and reads the whole response. Network failures and timeouts are transient.
pub async fn send(request: RequestBuilder) -> Result<Reply, ConnectorError> {
    let response = request.send().await?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await?.to_vec();
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// The `Retry-After` header in seconds, where present.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// A protobuf `Duration` in JSON (`"40591s"`, `"1.5s"`).
pub fn proto_duration(raw: &str) -> Option<Duration> {
    let secs: f64 = raw.trim().strip_suffix('s')?.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protobuf_durations_parse() {
        assert_eq!(proto_duration("40591s"), Some(Duration::from_secs(40591)));
        assert_eq!(proto_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(proto_duration("12"), None);
        assert_eq!(proto_duration("-1s"), None);
    }
}
