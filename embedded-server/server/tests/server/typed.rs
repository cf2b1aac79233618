//! The typed API: a contract built from Rust types, typed handlers, typed pushes and listeners.

use std::sync::{Arc, Mutex};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use switchboard_server::contract::{Contract, Event, Request, SharedEvent, SharedTopic, Topic};
use switchboard_server::{HandlerError, Server};

use crate::support::*;

#[derive(Serialize, Deserialize, JsonSchema)]
struct Message {
    room: String,
    text: String,
}
impl Event for Message {
    const NAME: &'static str = "message";
}
impl SharedEvent for Message {}

#[derive(Serialize, Deserialize, JsonSchema)]
struct Alert {
    level: String,
}
impl Event for Alert {
    const NAME: &'static str = "alert";
}

#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
struct Announce {
    msg: String,
}
impl Topic for Announce {
    const NAME: &'static str = "announce";
}
impl SharedTopic for Announce {}

#[derive(Serialize, Deserialize, JsonSchema)]
struct JoinIn {
    room: String,
}
#[derive(Serialize, Deserialize, JsonSchema)]
struct JoinOut {
    ok: bool,
    members: usize,
}
struct Join;
impl Request for Join {
    const NAME: &'static str = "join";
    type Input = JoinIn;
    type Output = JoinOut;
}

fn contract() -> switchboard_server::contract::CompiledContract {
    Contract::builder()
        .shared_event::<Message>()
        .shared_topic::<Announce>()
        .role("user", |r| r.request::<Join>().event::<Alert>())
        .role("agent", |r| r.request::<Join>())
        .compile()
        .unwrap()
}

#[tokio::test]
async fn typed_handlers_pushes_and_listeners() {
    let builder = Server::builder(Arc::new(contract())).config(test_config());
    let builder = ["user", "agent"].into_iter().fold(builder, |b, role| {
        b.handle_typed::<Join, _, _>(role, |input, _ctx, conn| async move {
            let srv = conn
                .server()
                .ok_or_else(|| HandlerError::internal("gone"))?;
            let room = srv.room(&input.room);
            room.add(&conn)?;
            room.broadcast_typed(&Message {
                room: input.room.clone(),
                text: format!("{} joined", conn.user()),
            })?;
            Ok(JoinOut {
                ok: true,
                members: room.size(),
            })
        })
    });
    let server = start(builder).await;
    let heard = Arc::new(Mutex::new(Vec::new()));
    let h = heard.clone();
    let _sub = server
        .server
        .subscribe_typed(move |a: Announce, from| h.lock().unwrap().push((a, from.to_owned())))
        .unwrap();

    let mut alice = Raw::user(&server, "alice").await;
    let mut bot = Raw::agent(&server, "bot").await;
    assert_eq!(
        alice.request(1, "join", json!({"room":"r"})).await["d"],
        json!({"ok":true,"members":1})
    );
    let frames = bot.request_frames(1, "join", json!({"room":"r"})).await;
    assert_eq!(frames[0]["d"], json!({"room":"r","text":"bot joined"}));
    assert_eq!(frames[1]["d"], json!({"ok":true,"members":2}));
    assert_eq!(
        alice.drain().await,
        vec![json!({"t":"evt","e":"message","d":{"room":"r","text":"bot joined"}})]
    );

    let alice_id = server
        .server
        .local()
        .into_iter()
        .find(|c| c.user == "alice")
        .unwrap()
        .id;
    assert_eq!(
        server
            .server
            .to_conn(&alice_id)
            .emit_typed(&Alert {
                level: "warn".into()
            })
            .unwrap(),
        1
    );
    assert_eq!(
        alice.drain().await,
        vec![json!({"t":"evt","e":"alert","d":{"level":"warn"}})]
    );
    server
        .server
        .publish_typed(&Announce {
            msg: "typed".into(),
        })
        .unwrap();
    let node = server.server.node_id().to_owned();
    assert_eq!(
        heard.lock().unwrap().clone(),
        vec![(
            Announce {
                msg: "typed".into()
            },
            node
        )]
    );
}
