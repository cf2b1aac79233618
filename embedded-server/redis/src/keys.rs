//! Every Redis name the adapter uses, derived from the namespace in one place.
//!
//! Layout for namespace `sb`:
//! - pub/sub channel `sb:{channel}` for the caller's `{channel}`;
//! - `sb:node:{id}`: the node's JSON [`NodeRecord`](switchboard_server::cluster::adapter::NodeRecord), with a
//!   TTL;
//! - `sb:conns:{id}`: a hash, connection id -> JSON
//!   [`ConnDescriptor`](switchboard_server::cluster::adapter::ConnDescriptor), with a TTL.
//!
//! The namespace may not contain `:` (see [`validate_namespace`]), so the namespace is exactly
//! the text before the first `:` of every name: two different namespaces can never produce the
//! same channel or key, whatever the channel names and node ids are.

/// Longest namespace accepted; it is repeated in every key and every published message.
const MAX_NAMESPACE_LEN: usize = 64;

/// Checks a namespace: 1 to 64 characters out of `A-Z a-z 0-9 - _ .`.
///
/// Why so strict: `:` would let namespace `a:b` collide with channel `b:...` of namespace `a`,
/// and glob characters (`*?[]\`) would have to be escaped in the `SCAN MATCH` pattern that lists
/// nodes. An operator picks the namespace once; a clear refusal beats a subtle cross-talk.
pub(crate) fn validate_namespace(namespace: &str) -> Result<(), String> {
    if namespace.is_empty() {
        return Err("namespace is empty".into());
    }
    if namespace.len() > MAX_NAMESPACE_LEN {
        return Err(format!(
            "namespace is {} bytes long, at most {MAX_NAMESPACE_LEN} allowed",
            namespace.len()
        ));
    }
    if let Some(bad) = namespace
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!(
            "namespace {namespace:?} contains {bad:?}; only letters, digits, '-', '_' and '.' are allowed"
        ));
    }
    Ok(())
}

/// The prefixes of one namespace, computed once.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    channel: String,
    node: String,
    conns: String,
}

impl Keys {
    /// `namespace` must have passed [`validate_namespace`].
    pub(crate) fn new(namespace: &str) -> Self {
        Keys {
            channel: format!("{namespace}:"),
            node: format!("{namespace}:node:"),
            conns: format!("{namespace}:conns:"),
        }
    }

    /// The Redis channel for the caller's `channel`.
    pub(crate) fn channel(&self, channel: &str) -> String {
        format!("{}{channel}", self.channel)
    }

    /// The caller's channel name for a Redis channel, `None` when it is not in this namespace.
    pub(crate) fn strip_channel<'a>(&self, redis_channel: &'a str) -> Option<&'a str> {
        redis_channel.strip_prefix(self.channel.as_str())
    }

    pub(crate) fn node(&self, id: &str) -> String {
        format!("{}{id}", self.node)
    }

    pub(crate) fn conns(&self, id: &str) -> String {
        format!("{}{id}", self.conns)
    }

    /// `SCAN MATCH` pattern for every node key. Literal because the namespace holds no glob
    /// characters.
    pub(crate) fn node_pattern(&self) -> String {
        format!("{}*", self.node)
    }

    /// The node id of a node key, `None` for any other key.
    pub(crate) fn node_id<'a>(&self, key: &'a str) -> Option<&'a str> {
        key.strip_prefix(self.node.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_prefixed_and_stripped() {
        let keys = Keys::new("sb");
        assert_eq!(keys.channel("room:1"), "sb:room:1");
        assert_eq!(keys.strip_channel("sb:room:1"), Some("room:1"));
        assert_eq!(keys.strip_channel("other:room:1"), None);
        assert_eq!(keys.node("n1"), "sb:node:n1");
        assert_eq!(keys.conns("n1"), "sb:conns:n1");
        assert_eq!(keys.node_pattern(), "sb:node:*");
        assert_eq!(keys.node_id("sb:node:a:b"), Some("a:b"));
        assert_eq!(keys.node_id("sb:conns:a"), None);
    }

    #[test]
    fn namespaces_are_checked() {
        assert!(validate_namespace("sb").is_ok());
        assert!(validate_namespace("tenant-1.prod_eu").is_ok());
        assert!(validate_namespace("").is_err());
        assert!(validate_namespace("a:b").is_err());
        assert!(validate_namespace("a*").is_err());
        assert!(validate_namespace("é").is_err());
        assert!(validate_namespace(&"x".repeat(65)).is_err());
    }
}
