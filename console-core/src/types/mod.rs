//! The API's request and response types, declared once here. The UI's TypeScript declarations
//! (`ui/src/api/generated/api.ts`) are generated from them by [`typescript`]; a test fails when
//! the committed file differs from what these types generate.

pub mod common;
pub mod connections;
pub mod contract;
pub mod export;
pub mod host;
pub mod live;
pub mod nodes;
pub mod overview;
pub mod push;
pub mod replay;
pub mod rooms;
pub mod traffic;
pub mod tryit;

pub use common::{ApiErrorBody, ApiIssue, RoleCount};
pub use connections::{ConnDetail, ConnPage, ConnQuery, ConnRow, ConnSort, DisconnectRequest};
pub use contract::{
    ContractView, Direction, MessageKind, MessageStats, MessageView, RoleView, StatsSource,
};
pub use export::{ExportFormatName, ExportRequest, ExportResult, RedactionOptions, SaveMode};
pub use host::{HostInfo, HostMode};
pub use live::{Change, LiveBatch, LiveCommand, LiveSummary};
pub use nodes::{AttachRequest, DiscoveryStatus, LinkState, NodeLink, NodeList, NodePushResult};
pub use overview::{
    LiveStatus, NodeRow, Overview, RateSample, RecorderStatus, ServerCounters, TopicRow,
};
pub use push::{PushHistory, PushRecord, PushRequest, PushTarget};
pub use replay::{
    ReplayEntry, ReplayMessageFilter, ReplayMessageQuery, ReplayPage, ReplayRequest, ReplaySession,
    ReplaySessions, ReplayStarted, ReplayState, ReplayStatus,
};
pub use rooms::{
    GraphConn, GraphGroup, GraphMembers, MemberChange, MemberChangeResult, MemberRow,
    MembershipGraph, NodeCount, RoomDetail, RoomList, RoomRow,
};
pub use traffic::{
    TrafficCursor, TrafficFilter, TrafficPage, TrafficQuery, TrafficRelated, TrafficRow,
};
pub use tryit::{TryAnswer, TryList, TryOpen, TryPush, TryRequest, TrySession, TryTopic};

/// Where the generated declarations live, relative to the workspace root.
pub const TYPESCRIPT_PATH: &str = "ui/src/api/generated/api.ts";

/// The whole generated TypeScript file: every API type, in a stable order, each with its doc
/// comment. One file (rather than one per type) keeps imports trivial for the UI and the drift
/// check a single comparison.
pub fn typescript() -> String {
    use switchboard_capture::replay::{
        ConnectionOverview, DiffGroup, Difference, MessageReport, ReplayMode, ReportOverview,
        Selection, Status, Stream, Summary,
    };
    use switchboard_server::tap::{Origin, TapKind};
    use ts_rs::{Config, TS};

    let cfg = Config::default();
    let mut out = String::from(
        "// Generated from the Rust types in console-core/src/types by\n\
         // `SWITCHBOARD_UPDATE_TYPES=1 cargo test -p switchboard-console-core --test console ts_types`.\n\
         // Do not edit by hand: the test fails when this file and the Rust types differ.\n",
    );
    macro_rules! emit {
        ($($t:ty),* $(,)?) => {$(
            out.push('\n');
            if let Some(docs) = <$t as TS>::docs() {
                out.push_str(&docs);
            }
            out.push_str("export ");
            out.push_str(&<$t as TS>::decl(&cfg));
            out.push('\n');
        )*};
    }
    emit!(
        TapKind,
        Origin,
        RoleCount,
        ApiIssue,
        ApiErrorBody,
        HostMode,
        HostInfo,
        NodeRow,
        TopicRow,
        ServerCounters,
        RecorderStatus,
        RateSample,
        LiveStatus,
        Overview,
        RoomRow,
        RoomList,
        MemberRow,
        RoomDetail,
        MemberChange,
        MemberChangeResult,
        GraphConn,
        GraphGroup,
        GraphMembers,
        MembershipGraph,
        NodeCount,
        ConnRow,
        ConnSort,
        ConnQuery,
        ConnPage,
        ConnDetail,
        DisconnectRequest,
        MessageKind,
        Direction,
        MessageStats,
        StatsSource,
        MessageView,
        RoleView,
        ContractView,
        TrafficRow,
        TrafficFilter,
        TrafficCursor,
        TrafficQuery,
        TrafficPage,
        TrafficRelated,
        PushTarget,
        PushRequest,
        PushRecord,
        PushHistory,
        ExportFormatName,
        RedactionOptions,
        SaveMode,
        ExportRequest,
        ExportResult,
        ReplayMode,
        Selection,
        ReplayRequest,
        ReplayState,
        Status,
        Stream,
        Difference,
        MessageReport,
        ConnectionOverview,
        ReplayMessageFilter,
        ReplayMessageQuery,
        ReplayEntry,
        ReplayPage,
        Summary,
        ReportOverview,
        DiffGroup,
        ReplayStatus,
        ReplayStarted,
        ReplaySession,
        ReplaySessions,
        Change,
        LiveSummary,
        LiveBatch,
        LiveCommand,
        LinkState,
        NodeLink,
        NodeList,
        DiscoveryStatus,
        AttachRequest,
        NodePushResult,
        TryOpen,
        TryPush,
        TrySession,
        TryList,
        TryRequest,
        TryAnswer,
        TryTopic,
    );
    out
}
