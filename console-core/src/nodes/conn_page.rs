//! The connection list's one page, the same for every node source: filtered by role, node and
//! text, sorted by a column or kept in list order (role, oldest first, id), and paged. A source
//! hands its connections as anything `Listed`; a full row is built only for those on the page.

use crate::live::aggregator::role_counts;
use crate::types::{ConnPage, ConnQuery, ConnRow, ConnSort, RoleCount};

const DEFAULT_LIMIT: u32 = 200;
const MAX_LIMIT: u32 = 1_000;

/// What the list needs from a connection, whichever node source holds it: an embedded
/// server's live [`Conn`] (whose full row is built only when it lands on the page) or a row
/// an attached node or the proxy reported.
pub(crate) trait Listed {
    fn role(&self) -> &str;
    fn node(&self) -> &str;
    fn matches(&self, needle: &str) -> bool;
    fn sort_key(&self, by: ConnSort) -> i64;
    fn into_row(self) -> ConnRow;
}

/// Whether `haystack` contains `needle` (already lower case), ignoring case. ASCII text, which
/// ids, users and room names nearly always are, is compared in place: searching 10,000
/// connections allocates nothing then.
pub(crate) fn has(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() && needle.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        return n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    haystack.to_lowercase().contains(needle)
}

pub(crate) fn key(
    by: ConnSort,
    msgs_in: u64,
    msgs_out: u64,
    queue: usize,
    errors: u64,
    at_us: i64,
) -> i64 {
    let clamp = |n: u64| n.min(i64::MAX as u64) as i64;
    match by {
        ConnSort::MsgsIn => clamp(msgs_in),
        ConnSort::MsgsOut => clamp(msgs_out),
        // `queue` is in frames or in bytes, as the column asks.
        ConnSort::Queue | ConnSort::QueueBytes => queue.min(i64::MAX as usize) as i64,
        ConnSort::Errors => clamp(errors),
        // Older is larger: descending is the oldest first.
        ConnSort::Age => at_us.saturating_neg(),
    }
}

impl Listed for ConnRow {
    fn role(&self) -> &str {
        &self.role
    }
    fn node(&self) -> &str {
        &self.node
    }
    fn matches(&self, needle: &str) -> bool {
        has(&self.id, needle)
            || has(&self.user, needle)
            || has(&self.role, needle)
            || has(&self.node, needle)
            || self.rooms.iter().any(|r| has(r, needle))
            || self.topics.iter().any(|t| has(t, needle))
    }
    fn sort_key(&self, by: ConnSort) -> i64 {
        key(
            by,
            self.msgs_in,
            self.msgs_out,
            if by == ConnSort::QueueBytes {
                self.queue_bytes as usize
            } else {
                self.queue_depth as usize
            },
            self.errors,
            self.connected_at_us,
        )
    }
    fn into_row(self) -> ConnRow {
        self
    }
}

/// One page of the list. `all` comes in list order (role, oldest first, id); `roles` counts
/// every connection per role. Without a sort column the page is a walk of that order (rows are
/// built only for the page); with one, the page's rows are selected in linear time
/// (`select_nth_unstable`) and only they are sorted, ties kept in list order.
pub(crate) fn page<T: Listed>(all: Vec<T>, roles: Vec<RoleCount>, q: ConnQuery) -> ConnPage {
    let needle = q.q.unwrap_or_default().to_lowercase();
    let wanted = |want: &Option<String>, have: &str| {
        want.as_deref().is_none_or(|w| w.is_empty() || w == have)
    };
    let hits = all.into_iter().filter(|c| {
        wanted(&q.role, c.role())
            && wanted(&q.node, c.node())
            && (needle.is_empty() || c.matches(&needle))
    });
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) as usize;
    let wanted_offset = q.offset.unwrap_or(0) as usize;
    let (total, offset, rows) = match q.sort {
        None => {
            let mut total = 0usize;
            let mut window = Vec::with_capacity(limit);
            for c in hits {
                if total >= wanted_offset && window.len() < limit {
                    window.push(c);
                }
                total += 1;
            }
            let offset = wanted_offset.min(total);
            (
                total,
                offset,
                window.into_iter().map(Listed::into_row).collect(),
            )
        }
        Some(by) => {
            let desc = q.desc.unwrap_or(true);
            // (key, position in list order): the position breaks ties, so equal keys keep the
            // default order whichever way the column is sorted.
            let mut keyed: Vec<(i64, usize, T)> = hits
                .enumerate()
                .map(|(i, c)| {
                    let k = c.sort_key(by);
                    (if desc { k.saturating_neg() } else { k }, i, c)
                })
                .collect();
            let total = keyed.len();
            let offset = wanted_offset.min(total);
            let end = (offset + limit).min(total);
            let cmp = |a: &(i64, usize, T), b: &(i64, usize, T)| (a.0, a.1).cmp(&(b.0, b.1));
            if end < total && end > 0 {
                keyed.select_nth_unstable_by(end - 1, cmp);
                keyed.truncate(end);
            }
            keyed.sort_unstable_by(cmp);
            let rows = keyed
                .into_iter()
                .skip(offset)
                .map(|(_, _, c)| c.into_row())
                .collect();
            (total, offset, rows)
        }
    };
    ConnPage {
        total: total as u32,
        offset: offset as u32,
        rows,
        roles,
    }
}

/// Rows an attached node or the proxy reported, put in list order first.
pub(crate) fn page_of_rows(mut all: Vec<ConnRow>, q: ConnQuery) -> ConnPage {
    let roles = role_counts(all.iter().map(|c| c.role.as_str()));
    all.sort_by(|a, b| {
        a.role
            .cmp(&b.role)
            .then(a.connected_at_us.cmp(&b.connected_at_us))
            .then(a.id.cmp(&b.id))
    });
    page(all, roles, q)
}
