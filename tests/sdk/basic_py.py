"""Data-plane conformance of Python azure-servicebus 7.8 (uamqp: MSSBCBS SASL, TLS, full-URI link
addresses, ulong management ids) against busyard-emulator, over AMQP on secure WebSockets
(custom_endpoint_address) with the emulator's development CA. Run by run.mjs."""
import logging
import os
import sys

from azure.servicebus import ServiceBusClient, ServiceBusMessage

if os.environ.get("BUSYARD_PY_TRACE"):
    logging.basicConfig(level=logging.DEBUG)
# AMQP over WebSockets on the HTTPS port (the HTTP front hands /$servicebus/websocket to the AMQP
# server), as on Azure; falls back to the dedicated WebSocket port.
ws_port = os.environ.get("BUSYARD_HTTPS_PORT") or os.environ["BUSYARD_WS_PORT"]
ca = os.environ["BUSYARD_CA"]
# PY 7.8 ignores UseDevelopmentEmulator and the Endpoint port (servicebus-amqp.md 1.1).
conn = "Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE"


def step(name):
    print(f"  - {name}", flush=True)


def receive(receiver, count):
    out = []
    for _ in range(10):
        out += receiver.receive_messages(max_message_count=count - len(out), max_wait_time=2)
        if len(out) >= count:
            break
    return out


client = ServiceBusClient.from_connection_string(
    conn, custom_endpoint_address=f"https://localhost:{ws_port}", connection_verify=ca, retry_total=0,
    logging_enable=bool(os.environ.get("BUSYARD_PY_TRACE")))
with client:
    step("send one message and a batch")
    with client.get_queue_sender("orders") as sender:
        sender.send_messages(ServiceBusMessage("hello", message_id="p-1", application_properties={"n": 1}))
        sender.send_messages([ServiceBusMessage("b1", message_id="p-2"), ServiceBusMessage("b2", message_id="p-3")])

    with client.get_queue_receiver("orders", max_wait_time=5) as receiver:
        step("peek")
        peeked = receiver.peek_messages(max_message_count=10)
        assert [m.message_id for m in peeked] == ["p-1", "p-2", "p-3"], peeked
        step("receive in peek-lock, complete, abandon, dead-letter")
        messages = receive(receiver, 3)
        assert len(messages) == 3, messages
        assert str(messages[0]) == "hello"
        assert messages[0].application_properties[b"n"] == 1
        receiver.complete_message(messages[0])
        receiver.abandon_message(messages[1])
        receiver.dead_letter_message(messages[2], reason="why", error_description="because")
        again = receive(receiver, 1)
        assert again[0].message_id == "p-2" and again[0].delivery_count == 1, again
        receiver.complete_message(again[0])

    with client.get_queue_receiver("orders", sub_queue="deadletter", max_wait_time=5) as dlq:
        step("dead-letter queue")
        dead = receive(dlq, 1)
        assert dead[0].message_id == "p-3" and dead[0].dead_letter_reason == "why", dead
        dlq.complete_message(dead[0])

    step("session receiver")
    with client.get_queue_sender("orders-sessions") as sender:
        sender.send_messages(ServiceBusMessage("s", session_id="py-session"))
    with client.get_queue_receiver("orders-sessions", session_id="py-session", max_wait_time=5) as session:
        got = receive(session, 1)
        assert str(got[0]) == "s"
        session.complete_message(got[0])
        session.session.set_state(b"state")
        assert session.session.get_state() == b"state"

print("python SDK ok")
sys.exit(0)
