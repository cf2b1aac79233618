//! Building `/api/graph`'s answer from the members of every room, in one pass, whatever holds
//! them (the embedded server, or the nodes followed in attach mode).
//!
//! Past [`GRAPH_CONN_LIMIT`] distinct members the answer lists no member but the ones the panel
//! asked for ([`GraphAsk`]: the selected room's, the expanded groups'): at 10,000 connections
//! listing every member made a 700-900 KB answer that the UI only counted, and a call that
//! waited behind the application's fan-out on a loaded machine. The counts come from the same
//! pass as the listed members, so the answer agrees with itself while members come and go.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::live::aggregator::sorted_counts;
use crate::types::{GraphConn, GraphGroup, GraphMembers, MemberRow, MembershipGraph, RoomRow};

/// Up to this many distinct room members the graph draws each connection (and the answer
/// lists them all); past it, one node per room and role, expanded on demand.
pub const GRAPH_CONN_LIMIT: usize = 300;
/// Members of the selected room listed in a grouped answer (by role then id), like the room
/// detail's default page.
pub const GRAPH_ROOM_MEMBERS: usize = 2_000;
/// Members of one expanded group listed (by id); the UI draws at most this many of a group.
pub const GRAPH_GROUP_MEMBERS: usize = 400;
/// Expanded groups answered per call; more are ignored (the UI keeps far fewer open).
pub const GRAPH_MAX_EXPANDED: usize = 32;

/// What the panel asks to see member by member when the graph is grouped:
/// `?room=R` (the selected room), `expand=R%00F` (repeated; room, a NUL, then the group's
/// role, or its node with `by_node=true`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GraphAsk {
    pub room: Option<String>,
    pub expand: Vec<(String, String)>,
    pub by_node: bool,
}

impl GraphAsk {
    /// From the query's pairs (keys may repeat); unknown keys are ignored, a malformed
    /// `expand` is an error.
    pub fn parse(pairs: Vec<(String, String)>) -> Result<GraphAsk, String> {
        let mut ask = GraphAsk::default();
        for (key, value) in pairs {
            match key.as_str() {
                "room" if !value.is_empty() => ask.room = Some(value),
                "by_node" => ask.by_node = value == "true" || value == "1",
                "expand" => {
                    let (room, facet) = value.split_once('\0').ok_or_else(|| {
                        "`expand` is a room name, a NUL character (%00), then a role or node"
                            .to_owned()
                    })?;
                    if ask.expand.len() < GRAPH_MAX_EXPANDED {
                        ask.expand.push((room.to_owned(), facet.to_owned()));
                    }
                }
                _ => {}
            }
        }
        Ok(ask)
    }
}

/// One room member as the builder sees it: shared strings, so a pass over 10,000 connections
/// copies no text until it knows what it lists.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: Arc<str>,
    pub role: Arc<str>,
    pub user: Arc<str>,
    pub node: Option<Arc<str>>,
}

impl Member {
    fn row(&self) -> MemberRow {
        MemberRow {
            id: self.id.to_string(),
            role: self.role.to_string(),
            user: self.user.to_string(),
            node: self.node.as_deref().map(str::to_owned),
        }
    }

    /// The group it falls in when the UI groups by node ("?" for a member that does not say).
    fn node_facet(&self) -> &str {
        self.node.as_deref().unwrap_or("?")
    }
}

/// Collects members one connection at a time; [`finish`](Self::finish) makes the answer.
pub struct GraphBuilder<'a> {
    ask: &'a GraphAsk,
    distinct: usize,
    /// room -> (role, node) -> members.
    per_room: BTreeMap<Arc<str>, HashMap<(Arc<str>, Option<Arc<str>>), u32>>,
    /// Every member with its rooms while there are at most GRAPH_CONN_LIMIT of them.
    all: Vec<(Member, Vec<Arc<str>>)>,
    /// Candidates for the selected room's list, then for each expanded group.
    room_members: Vec<Member>,
    group_members: Vec<Vec<Member>>,
}

impl<'a> GraphBuilder<'a> {
    pub fn new(ask: &'a GraphAsk) -> Self {
        GraphBuilder {
            ask,
            distinct: 0,
            per_room: BTreeMap::new(),
            all: Vec::new(),
            room_members: Vec::new(),
            group_members: vec![Vec::new(); ask.expand.len()],
        }
    }

    /// One connection and the rooms it is in (each once); one in no room is skipped.
    pub fn add(&mut self, member: Member, rooms: Vec<Arc<str>>) {
        if rooms.is_empty() {
            return;
        }
        self.distinct += 1;
        for room in &rooms {
            *self
                .per_room
                .entry(room.clone())
                .or_default()
                .entry((member.role.clone(), member.node.clone()))
                .or_default() += 1;
            if self.ask.room.as_deref() == Some(&**room) {
                self.room_members.push(member.clone());
            }
            for (i, (r, facet)) in self.ask.expand.iter().enumerate() {
                let of = if self.ask.by_node {
                    member.node_facet()
                } else {
                    &member.role
                };
                if **r == **room && facet == of {
                    self.group_members[i].push(member.clone());
                }
            }
        }
        if self.distinct <= GRAPH_CONN_LIMIT {
            self.all.push((member, rooms));
        } else if !self.all.is_empty() {
            self.all = Vec::new();
        }
    }

    pub fn finish(self) -> MembershipGraph {
        let grouped = self.distinct > GRAPH_CONN_LIMIT;
        let mut rooms = Vec::with_capacity(self.per_room.len());
        let mut groups = Vec::new();
        let mut room_total = 0;
        for (name, counts) in self.per_room {
            let mut counts: Vec<((Arc<str>, Option<Arc<str>>), u32)> = counts.into_iter().collect();
            counts.sort();
            let size: u32 = counts.iter().map(|(_, n)| n).sum();
            if self.ask.room.as_deref() == Some(&*name) {
                room_total = size;
            }
            let mut per_role: BTreeMap<&str, u32> = BTreeMap::new();
            for ((role, _), n) in &counts {
                *per_role.entry(role).or_default() += n;
            }
            rooms.push(RoomRow {
                name: name.to_string(),
                size,
                roles: sorted_counts(per_role.into_iter().map(|(r, n)| (r.to_owned(), n))),
            });
            groups.extend(counts.into_iter().map(|((role, node), count)| GraphGroup {
                room: name.to_string(),
                role: role.to_string(),
                count,
                node: node.as_deref().map(str::to_owned),
            }));
        }
        let mut listed = Vec::new();
        if grouped {
            if let Some(room) = &self.ask.room {
                let mut members = self.room_members;
                members.sort_by(|a, b| a.role.cmp(&b.role).then(a.id.cmp(&b.id)));
                listed.push(GraphMembers {
                    room: room.clone(),
                    facet: None,
                    members: members
                        .iter()
                        .take(GRAPH_ROOM_MEMBERS)
                        .map(Member::row)
                        .collect(),
                    total: room_total,
                });
            }
            for ((room, facet), mut members) in self.ask.expand.iter().zip(self.group_members) {
                members.sort_by(|a, b| a.id.cmp(&b.id));
                listed.push(GraphMembers {
                    room: room.clone(),
                    facet: Some(facet.clone()),
                    total: members.len() as u32,
                    members: members
                        .iter()
                        .take(GRAPH_GROUP_MEMBERS)
                        .map(Member::row)
                        .collect(),
                });
            }
        }
        let conns = self
            .all
            .into_iter()
            .map(|(m, rooms)| GraphConn {
                id: m.id.to_string(),
                role: m.role.to_string(),
                user: m.user.to_string(),
                rooms: rooms.iter().map(|r| r.to_string()).collect(),
                node: m.node.as_deref().map(str::to_owned),
            })
            .collect();
        MembershipGraph {
            rooms,
            grouped,
            members: self.distinct as u32,
            conns,
            groups,
            listed,
        }
    }
}
