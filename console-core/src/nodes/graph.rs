//! Building `/api/graph`'s answer from the members of every room, in one pass, the same for
//! every node source (the embedded server, the nodes followed in attach mode, and the proxy,
//! which sees no room).
//!
//! Past [`GRAPH_CONN_LIMIT`] distinct members the answer lists no member but the ones the panel
//! asked for ([`GraphAsk`]: the selected room's, the expanded groups'): at 10,000 connections
//! listing every member made a 700-900 KB answer that the UI only counted, and a call that
//! waited behind the application's fan-out on a loaded machine. The counts come from the same
//! pass as the listed members, so the answer agrees with itself while members come and go.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::live::aggregator::sorted_counts;
use crate::types::{
    GraphConn, GraphGroup, GraphMembers, MemberRow, MembershipGraph, NodeCount, RoomRow,
};

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
/// copies no text (and clones no handle) until it knows what it keeps.
#[derive(Debug, Clone, Copy)]
pub struct Member<'m> {
    pub id: &'m Arc<str>,
    pub role: &'m Arc<str>,
    pub user: &'m Arc<str>,
    pub node: Option<&'m Arc<str>>,
}

/// A member kept for the answer.
#[derive(Debug, Clone)]
struct Kept {
    id: Arc<str>,
    role: Arc<str>,
    user: Arc<str>,
    node: Option<Arc<str>>,
}

impl Kept {
    fn of(m: Member<'_>) -> Kept {
        Kept {
            id: m.id.clone(),
            role: m.role.clone(),
            user: m.user.clone(),
            node: m.node.cloned(),
        }
    }

    fn row(&self) -> MemberRow {
        MemberRow {
            id: self.id.to_string(),
            role: self.role.to_string(),
            user: self.user.to_string(),
            node: self.node.as_deref().map(str::to_owned),
        }
    }
}

/// Shared strings are usually the same allocation (a role or node name per connection points
/// at few distinct strings): compare the pointers before the text.
fn same(a: &Arc<str>, b: &Arc<str>) -> bool {
    Arc::ptr_eq(a, b) || **a == **b
}

/// Both members on the same node, or both without one.
fn same_node(a: Option<&Arc<str>>, b: Option<&Arc<str>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => same(a, b),
        _ => false,
    }
}

/// Members of one room per (role, node): a short list (a room has few roles and nodes), so a
/// linear search beats hashing two strings per member.
type Facets = Vec<((Arc<str>, Option<Arc<str>>), u32)>;

/// Collects members one connection at a time; [`finish`](Self::finish) makes the answer.
pub struct GraphBuilder<'a> {
    ask: &'a GraphAsk,
    distinct: usize,
    /// Rooms in the order first seen, with their members per (role, node).
    rooms: Vec<(Arc<str>, Facets)>,
    /// A room's index in `rooms` by the address of its name: the members of one room share
    /// one allocation of the name, so a lookup hashes a pointer instead of the text.
    by_ptr: HashMap<*const u8, usize>,
    /// A room's index by name, for a name first seen at another address.
    by_name: HashMap<Arc<str>, usize>,
    /// The names whose addresses are keys of `by_ptr`, held so no address is reused while
    /// the builder lives.
    keep: Vec<Arc<str>>,
    /// Every member with its rooms while there are at most GRAPH_CONN_LIMIT of them.
    all: Vec<(Kept, Vec<Arc<str>>)>,
    /// Candidates for the selected room's list, then for each expanded group.
    room_members: Vec<Kept>,
    group_members: Vec<Vec<Kept>>,
    /// This member's rooms while they are counted (cleared per member).
    scratch: Vec<usize>,
    /// Distinct members per role and per node (each connection is added once): a short
    /// list, like `Facets`.
    by_role: Vec<(Arc<str>, u32)>,
    by_node: Vec<(Option<Arc<str>>, u32)>,
}

impl<'a> GraphBuilder<'a> {
    pub fn new(ask: &'a GraphAsk) -> Self {
        GraphBuilder {
            ask,
            distinct: 0,
            rooms: Vec::new(),
            by_ptr: HashMap::new(),
            by_name: HashMap::new(),
            keep: Vec::new(),
            all: Vec::new(),
            room_members: Vec::new(),
            group_members: vec![Vec::new(); ask.expand.len()],
            scratch: Vec::new(),
            by_role: Vec::new(),
            by_node: Vec::new(),
        }
    }

    /// One connection and the rooms it is in (each once); one in no room is skipped.
    pub fn add(&mut self, member: Member<'_>, rooms: &[Arc<str>]) {
        self.add_with(member, |f| rooms.iter().for_each(f));
    }

    /// One connection, its rooms given one at a time by `each_room` (each once), which may
    /// hold a lock while it does: nothing here blocks.
    pub fn add_with(
        &mut self,
        member: Member<'_>,
        each_room: impl FnOnce(&mut dyn FnMut(&Arc<str>)),
    ) {
        self.scratch.clear();
        each_room(&mut |room| {
            let i = self.room_index(room);
            self.scratch.push(i);
        });
        if self.scratch.is_empty() {
            return;
        }
        self.distinct += 1;
        match self.by_role.iter_mut().find(|(r, _)| same(r, member.role)) {
            Some((_, n)) => *n += 1,
            None => self.by_role.push((member.role.clone(), 1)),
        }
        match self
            .by_node
            .iter_mut()
            .find(|(n, _)| same_node(n.as_ref(), member.node))
        {
            Some((_, n)) => *n += 1,
            None => self.by_node.push((member.node.cloned(), 1)),
        }
        let of: &str = if self.ask.by_node {
            member.node.map_or("?", |n| n)
        } else {
            member.role
        };
        for k in 0..self.scratch.len() {
            let i = self.scratch[k];
            let (room, facets) = &mut self.rooms[i];
            match facets
                .iter_mut()
                .find(|((r, n), _)| same(r, member.role) && same_node(n.as_ref(), member.node))
            {
                Some((_, count)) => *count += 1,
                None => facets.push(((member.role.clone(), member.node.cloned()), 1)),
            }
            if self.ask.room.as_deref() == Some(&**room) {
                self.room_members.push(Kept::of(member));
            }
            for (j, (r, facet)) in self.ask.expand.iter().enumerate() {
                if **r == **room && facet == of {
                    self.group_members[j].push(Kept::of(member));
                }
            }
        }
        if self.distinct <= GRAPH_CONN_LIMIT {
            let rooms = self
                .scratch
                .iter()
                .map(|&i| self.rooms[i].0.clone())
                .collect();
            self.all.push((Kept::of(member), rooms));
        } else if !self.all.is_empty() {
            self.all = Vec::new();
        }
    }

    fn room_index(&mut self, room: &Arc<str>) -> usize {
        let ptr = Arc::as_ptr(room) as *const u8;
        if let Some(&i) = self.by_ptr.get(&ptr) {
            return i;
        }
        // A name not seen at this address: the same room under another allocation (a member
        // added while the room was emptied and made again) shares its entry.
        let i = match self.by_name.get(room) {
            Some(&i) => i,
            None => {
                self.rooms.push((room.clone(), Vec::new()));
                self.by_name.insert(room.clone(), self.rooms.len() - 1);
                self.rooms.len() - 1
            }
        };
        // Keyed by address: that allocation lives as long as the key.
        self.keep.push(room.clone());
        self.by_ptr.insert(ptr, i);
        i
    }

    pub fn finish(self) -> MembershipGraph {
        let grouped = self.distinct > GRAPH_CONN_LIMIT;
        let mut by_room = self.rooms;
        by_room.sort_by(|a, b| a.0.cmp(&b.0));
        let mut rooms = Vec::with_capacity(by_room.len());
        let mut groups = Vec::new();
        let mut room_total = 0;
        for (name, counts) in by_room {
            let mut counts = counts;
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
                        .map(Kept::row)
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
                        .map(Kept::row)
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
        let mut by_node: Vec<NodeCount> = self
            .by_node
            .into_iter()
            .map(|(node, connections)| NodeCount {
                node: node.as_deref().unwrap_or("?").to_owned(),
                connections,
            })
            .collect();
        by_node.sort_by(|a, b| b.connections.cmp(&a.connections).then(a.node.cmp(&b.node)));
        MembershipGraph {
            rooms,
            grouped,
            members: self.distinct as u32,
            conns,
            groups,
            listed,
            by_role: sorted_counts(self.by_role.into_iter().map(|(r, n)| (r.to_string(), n))),
            by_node,
        }
    }
}
