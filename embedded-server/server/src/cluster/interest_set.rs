//! What another node wants, kept by kind so that routing a push looks a name up without
//! building a key string first.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::interest_key::{role_topic_parts, InterestKey};

/// A set of interest keys. Role topics are kept in their wire reading (see
/// [`role_topic_parts`]), so membership agrees with the encoded strings.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct InterestSet {
    conns: bool,
    users: HashSet<Arc<str>>,
    rooms: HashSet<Arc<str>>,
    topics: HashSet<Arc<str>>,
    /// role -> topics
    role_topics: HashMap<Arc<str>, HashSet<Arc<str>>>,
}

impl InterestSet {
    /// Read the keys a node sent; keys this build does not know are skipped (and logged).
    pub fn from_wire<I: IntoIterator<Item = S>, S: AsRef<str>>(keys: I) -> Self {
        let mut set = InterestSet::default();
        set.apply_wire(keys, true);
        set
    }

    /// Add (`present`) or remove the keys a node sent, skipping unknown ones.
    pub fn apply_wire<I: IntoIterator<Item = S>, S: AsRef<str>>(&mut self, keys: I, present: bool) {
        for text in keys {
            match InterestKey::parse(text.as_ref()) {
                Ok(key) if present => {
                    self.insert(key);
                }
                Ok(key) => {
                    self.remove(key);
                }
                Err(e) => tracing::debug!("ignored: {e}"),
            }
        }
    }

    pub fn insert(&mut self, key: InterestKey<&str>) -> bool {
        match key {
            InterestKey::Conns => !std::mem::replace(&mut self.conns, true),
            InterestKey::User(u) => insert_name(&mut self.users, u),
            InterestKey::Room(r) => insert_name(&mut self.rooms, r),
            InterestKey::Topic(t) => insert_name(&mut self.topics, t),
            InterestKey::RoleTopic { role, topic } => {
                let (role, topic) = role_topic_parts(role, topic);
                match self.role_topics.get_mut(role) {
                    Some(topics) => insert_name(topics, &topic),
                    None => {
                        let topics = HashSet::from([Arc::from(topic.as_ref())]);
                        self.role_topics.insert(role.into(), topics);
                        true
                    }
                }
            }
        }
    }

    pub fn remove(&mut self, key: InterestKey<&str>) -> bool {
        match key {
            InterestKey::Conns => std::mem::replace(&mut self.conns, false),
            InterestKey::User(u) => self.users.remove(u),
            InterestKey::Room(r) => self.rooms.remove(r),
            InterestKey::Topic(t) => self.topics.remove(t),
            InterestKey::RoleTopic { role, topic } => {
                let (role, topic) = role_topic_parts(role, topic);
                let Some(topics) = self.role_topics.get_mut(role) else {
                    return false;
                };
                let removed = topics.remove(topic.as_ref());
                if topics.is_empty() {
                    self.role_topics.remove(role);
                }
                removed
            }
        }
    }

    pub fn contains(&self, key: InterestKey<&str>) -> bool {
        match key {
            InterestKey::Conns => self.conns,
            InterestKey::User(u) => self.users.contains(u),
            InterestKey::Room(r) => self.rooms.contains(r),
            InterestKey::Topic(t) => self.topics.contains(t),
            InterestKey::RoleTopic { role, topic } => {
                let (role, topic) = role_topic_parts(role, topic);
                self.role_topics
                    .get(role)
                    .is_some_and(|topics| topics.contains(topic.as_ref()))
            }
        }
    }

    /// Every key in its wire form, sorted.
    pub fn to_wire(&self) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        if self.conns {
            keys.push(InterestKey::<&str>::Conns.encode());
        }
        keys.extend(self.users.iter().map(|u| InterestKey::User(u).encode()));
        keys.extend(self.rooms.iter().map(|r| InterestKey::Room(r).encode()));
        keys.extend(self.topics.iter().map(|t| InterestKey::Topic(t).encode()));
        for (role, topics) in &self.role_topics {
            keys.extend(
                topics
                    .iter()
                    .map(|topic| InterestKey::RoleTopic { role, topic }.encode()),
            );
        }
        keys.sort();
        keys
    }
}

fn insert_name(set: &mut HashSet<Arc<str>>, name: &str) -> bool {
    if set.contains(name) {
        return false;
    }
    set.insert(Arc::from(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_keys_in_wire_keys_out() {
        let wire = [
            "conns",
            "room:lobby",
            "rtopic:agent:queue",
            "rtopic:ops:eu:alerts",
            "topic:announce",
            "user:alice",
        ];
        let set = InterestSet::from_wire(wire);
        assert_eq!(set.to_wire(), wire);
        assert!(set.contains(InterestKey::Room("lobby")));
        assert!(set.contains(InterestKey::for_topic(Some("agent"), "queue")));
        assert!(set.contains(InterestKey::for_topic(Some("ops:eu"), "alerts")));
        assert!(!set.contains(InterestKey::for_topic(None, "queue")));
        assert!(!set.contains(InterestKey::User("lobby")));
    }

    #[test]
    fn unknown_keys_route_nothing() {
        let set = InterestSet::from_wire(["group:lobby", "roomlobby", "rtopic:x", "conns:"]);
        assert_eq!(set, InterestSet::default());
        assert!(!set.contains(InterestKey::Room("lobby")));
        assert!(!set.contains(InterestKey::Conns));
    }

    #[test]
    fn changes_apply_in_place() {
        let mut set = InterestSet::from_wire(["room:a", "rtopic:user:t"]);
        set.apply_wire(["room:b", "conns"], true);
        set.apply_wire(["room:a", "rtopic:user:t", "group:x"], false);
        assert_eq!(set.to_wire(), ["conns", "room:b"]);
        assert!(set.insert(InterestKey::Room("a")));
        assert!(!set.insert(InterestKey::Room("a")));
        assert!(set.remove(InterestKey::Room("a")));
        assert!(!set.remove(InterestKey::Room("a")));
    }
}
