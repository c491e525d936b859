//! What the person running the host asks of it: to say something in the
//! room, to change nickname, to close the room.

use tokio::sync::mpsc;

use crate::msg;
use crate::net::command::SessionCommand;
use crate::net::event::NetEvent;
use crate::net::protocol::check_message;
use crate::net::room::{HOST_ID, Room, Saying};
use crate::net::sink::EventSink;

/// Does what the host's user asks until they close the room (or the
/// program stops asking); returns why the room closes.
pub(super) async fn run(
    room: &Room,
    sink: &EventSink,
    mut commands: mpsc::UnboundedReceiver<SessionCommand>,
) -> crate::i18n::Msg {
    loop {
        match commands.recv().await {
            Some(SessionCommand::Send { id, text }) => {
                let text =
                    crate::net::lines::sanitize_str(&text, crate::net::safe_text::Newlines::Keep);
                if let Err(e) = check_message(&text) {
                    sink.emit(NetEvent::NotDelivered {
                        id,
                        reason: crate::net::wording::said_msg(e.message),
                    });
                    continue;
                }
                let saying = Saying {
                    text,
                    client_id: Some(id.to_string()),
                    client: None,
                };
                if !room.say(HOST_ID, vec![saying]).await {
                    sink.emit(NetEvent::NotDelivered {
                        id,
                        reason: msg!("net-unsent-room-has-closed"),
                    });
                }
            }
            Some(SessionCommand::Nick(nick)) => {
                if let Err(e) = room.nick(HOST_ID, nick).await {
                    sink.emit(NetEvent::Notice(e.msg()));
                }
            }
            Some(SessionCommand::Door(command)) => room.door(command).await,
            Some(SessionCommand::ReconnectNow) => {}
            Some(SessionCommand::Disconnect | SessionCommand::Finish) | None => {
                return msg!("net-end-closed-room");
            }
        }
    }
}
