//! A burst through the proxy: frames a side sends faster than they are written go out several
//! to a write, and still every one arrives, in order and unchanged, before the close that
//! followed them (both ways).

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use crate::support;

const FRAMES: usize = 500;

fn frame(n: usize) -> String {
    format!(r#"{{"t":"evt","e":"n","d":{{"n":{n}}}}}"#)
}

#[tokio::test]
async fn a_burst_arrives_whole_and_in_order_before_the_close_both_ways() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let upstream = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        // The client's burst first, all of it, in order.
        let mut got = Vec::new();
        while got.len() < FRAMES {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => got.push(t.as_str().to_owned()),
                Some(Ok(_)) => {}
                other => panic!("the upstream lost the client: {other:?}"),
            }
        }
        // Then its own burst, fed without flushing, and a close right behind it.
        for n in 0..FRAMES {
            ws.feed(Message::text(frame(n))).await.unwrap();
        }
        ws.send(Message::Close(Some(CloseFrame {
            code: 4002u16.into(),
            reason: "done".into(),
        })))
        .await
        .unwrap();
        while let Some(Ok(_)) = ws.next().await {}
        got
    });
    let (h, proxy) = support::start_proxy(&format!("ws://{addr}")).await;
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/?role=user&name=burst", proxy.addr()))
            .await
            .unwrap();
    for n in 0..FRAMES {
        ws.feed(Message::text(frame(n))).await.unwrap();
    }
    ws.flush().await.unwrap();
    let mut got = Vec::new();
    let close = loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => got.push(t.as_str().to_owned()),
            Some(Ok(Message::Close(f))) => break f,
            Some(Ok(_)) => {}
            other => panic!("expected frames then a close, got {other:?}"),
        }
    };
    let sent: Vec<String> = (0..FRAMES).map(frame).collect();
    assert_eq!(got, sent, "the upstream's burst, whole and in order");
    assert_eq!(close.map(|f| u16::from(f.code)), Some(4002));
    assert_eq!(upstream.await.unwrap(), sent, "the client's burst too");
    h.stop().await;
}
