// Message conversion between the AMQP wire form and core::Message.
#include "core/client/messagecodec.h"

#include <QTest>

#include <proton/codec.h>
#include <proton/message.hpp>
#include <proton/message_id.hpp>
#include <proton/annotation_key.hpp>
#include <proton/binary.hpp>
#include <proton/decimal.hpp>
#include <proton/map.hpp>
#include <proton/scalar.hpp>
#include <proton/symbol.hpp>
#include <proton/timestamp.hpp>
#include <proton/uuid.hpp>
#include <proton/value.hpp>

#include <memory>

using namespace busyard;
using namespace busyard::client::codec;
using core::Value;

Q_DECLARE_METATYPE(std::string)

namespace {

std::string bytes(std::initializer_list<int> list)
{
    std::string s;
    for (int b : list)
        s.push_back(static_cast<char>(b));
    return s;
}

std::string encodeProton(const proton::message &m)
{
    std::vector<char> buffer;
    const_cast<proton::message &>(m).encode(buffer);
    return std::string(buffer.begin(), buffer.end());
}

proton::message decodeProton(const std::string &wire)
{
    proton::message m;
    m.decode(std::vector<char>(wire.begin(), wire.end()));
    return m;
}

/** Encodes one section: described(code, value built by `fill`). */
template<typename F>
std::string section(std::uint64_t code, F fill)
{
    pn_data_t *d = pn_data(0);
    pn_data_put_described(d);
    pn_data_enter(d);
    pn_data_put_ulong(d, code);
    fill(d);
    pn_data_exit(d);
    std::string out(std::size_t(pn_data_encoded_size(d)), '\0');
    pn_data_encode(d, out.data(), out.size());
    pn_data_free(d);
    return out;
}

std::string dataSection(const std::string &payload)
{
    return section(0x75, [&](pn_data_t *d) { pn_data_put_binary(d, pn_bytes(payload.size(), payload.data())); });
}

} // namespace

class TestMessageCodec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void propertiesFromProtonClient()
    {
        proton::message m;
        m.id(proton::message_id(proton::uuid::copy("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10")));
        m.correlation_id(proton::message_id(std::uint64_t(42)));
        m.to("queue1");
        m.subject("label");
        m.reply_to("replies");
        m.group_id("session-7");
        m.reply_to_group_id("reply-session");
        m.content_type("application/json");
        m.content_encoding("gzip");
        m.ttl(proton::duration(30000));
        m.priority(7);
        m.durable(false);
        m.message_annotations().put(proton::symbol("x-opt-scheduled-enqueue-time"), proton::timestamp(1700000123000LL));
        m.message_annotations().put(proton::symbol("x-opt-partition-key"), std::string("pk"));
        m.message_annotations().put(proton::symbol("x-opt-via-partition-key"), std::string("vpk"));
        m.message_annotations().put(proton::symbol("x-custom"), std::int32_t(5));
        // A client cannot set broker annotations: they are dropped on send.
        m.message_annotations().put(proton::symbol("x-opt-sequence-number"), std::int64_t(999));
        m.inferred(true); // a binary body goes out as a data section
        m.body(proton::binary(std::string("payload")));

        auto decoded = decodeMessage(encodeProton(m));
        QVERIFY(decoded.ok());
        const core::Message &msg = *decoded;
        QCOMPARE(msg.messageId.type(), Value::Type::Uuid);
        QCOMPARE(msg.messageId.toUuid().toString(), std::string("01020304-0506-0708-090a-0b0c0d0e0f10"));
        QCOMPARE(msg.correlationId, Value::ulong(42));
        QCOMPARE(msg.to.value_or(""), std::string("queue1"));
        QCOMPARE(msg.subject.value_or(""), std::string("label"));
        QCOMPARE(msg.replyTo.value_or(""), std::string("replies"));
        QCOMPARE(msg.sessionId.value_or(""), std::string("session-7"));
        QCOMPARE(msg.replyToSessionId.value_or(""), std::string("reply-session"));
        QCOMPARE(msg.contentType.value_or(""), std::string("application/json"));
        QCOMPARE(msg.contentEncoding.value_or(""), std::string("gzip"));
        QVERIFY(msg.timeToLive.has_value());
        QCOMPARE(msg.timeToLive->count(), 30000);
        QCOMPARE(int(msg.priority), 7);
        QCOMPARE(msg.durable, false);
        QVERIFY(msg.scheduledEnqueueTime.has_value());
        QCOMPARE(core::toMillisSinceEpoch(*msg.scheduledEnqueueTime), 1700000123000LL);
        QCOMPARE(msg.partitionKey.value_or(""), std::string("pk"));
        QCOMPARE(msg.viaPartitionKey.value_or(""), std::string("vpk"));
        QCOMPARE(msg.sequenceNumber, 0);
        QCOMPARE(int(msg.annotations.size()), 1);
        QCOMPARE(*msg.annotations.find("x-custom"), Value::int32(5));
        QCOMPARE(msg.bodyType, core::BodyType::Data);
        QCOMPARE(msg.body, std::string("payload"));
    }

    void applicationPropertyTypes_data()
    {
        QTest::addColumn<int>("index");
        for (int i = 0; i < 22; ++i)
            QTest::newRow(QByteArray::number(i).constData()) << i;
    }

    void applicationPropertyTypes()
    {
        QFETCH(int, index);
        core::Uuid uuid = *core::Uuid::fromString("00112233-4455-6677-8899-aabbccddeeff");
        const std::vector<Value> values{
            Value::null(), Value::boolean(true), Value::ubyte(200), Value::ushort(60000), Value::uint(4000000000u),
            Value::ulong(18000000000000000000ull), Value::byte(-5), Value::shortInt(-300), Value::int32(-70000),
            Value::int64(-5000000000LL), Value::float32(1.5f), Value::float64(-2.25),
            Value::decimal(bytes({0x30, 0x40, 0x00, 0x7b})),                           // decimal32
            Value::decimal(bytes({0x31, 0xc0, 0, 0, 0, 0, 0x01, 0xc8})),                // decimal64
            Value::character(U'\u20ac'), Value::string("text \xc3\xa9"), Value::symbol("sym"),
            Value::timestamp(core::fromMillisSinceEpoch(1700000000123LL)), Value::uuid(uuid),
            Value::binary(bytes({0, 1, 2, 0xff})), Value::timeSpanTicks(36000000000LL), Value::uri("https://example.com/x"),
        };
        QCOMPARE(int(values.size()), 22);
        core::Message in;
        in.applicationProperties.set("p", values[std::size_t(index)]);
        in.body = "b";
        const std::string wire = encodeMessage(in);
        auto out = decodeMessage(wire, DecodeMode::BrokerEncoded);
        QVERIFY(out.ok());
        const Value *v = out->applicationProperties.find("p");
        QVERIFY(v);
        QCOMPARE(*v, values[std::size_t(index)]);

        if (index >= 20) {
            // Described types: symbol descriptor as .NET writes it (Proton C++ maps cannot hold them).
            QVERIFY(wire.find(index == 20 ? "com.microsoft:timespan" : "com.microsoft:uri") != std::string::npos);
            return;
        }
        // And an independent decoder (Proton C++) agrees on the AMQP type.
        proton::message pm = decodeProton(wire);
        const proton::value pv = pm.properties().get("p");
        static const proton::type_id expected[] = {
            proton::NULL_TYPE, proton::BOOLEAN, proton::UBYTE, proton::USHORT, proton::UINT, proton::ULONG,
            proton::BYTE, proton::SHORT, proton::INT, proton::LONG, proton::FLOAT, proton::DOUBLE,
            proton::DECIMAL32, proton::DECIMAL64, proton::CHAR, proton::STRING, proton::SYMBOL, proton::TIMESTAMP,
            proton::UUID, proton::BINARY, proton::DESCRIBED, proton::DESCRIBED};
        QCOMPARE(int(pv.type()), int(expected[index]));
    }

    void dateTimeOffsetAndOpaqueValues()
    {
        core::Message in;
        in.applicationProperties.set("dto", Value::dateTimeOffset(638000000000000000LL, 0));
        // A list value ([1, "a"]) is kept as its (Proton-canonical) encoding.
        const std::string list = section(0x77, [](pn_data_t *d) {
                                     pn_data_put_list(d);
                                     pn_data_enter(d);
                                     pn_data_put_byte(d, 1);
                                     pn_data_put_string(d, pn_bytes(1, "a"));
                                     pn_data_exit(d);
                                 }).substr(3);
        in.applicationProperties.set("list", Value::opaque(list));
        auto out = decodeMessage(encodeMessage(in), DecodeMode::BrokerEncoded);
        QVERIFY(out.ok());
        QCOMPARE(*out->applicationProperties.find("dto"), Value::dateTimeOffset(638000000000000000LL, 0));
        QCOMPARE(*out->applicationProperties.find("list"), Value::opaque(list));
    }

    void bodiesAreKeptByteForByte_data()
    {
        QTest::addColumn<std::string>("body");
        QTest::addColumn<int>("bodyType");
        QTest::newRow("one data") << dataSection("hello") << int(core::BodyType::Data);
        QTest::newRow("empty data") << dataSection("") << int(core::BodyType::Data);
        QTest::newRow("three data") << dataSection("a") + dataSection(std::string(300, 'b')) + dataSection("c")
                                    << int(core::BodyType::Data);
        // amqp-value: a str8 with a non-minimal encoding (str32) must stay str32.
        QTest::newRow("value str32") << bytes({0x00, 0x53, 0x77, 0xb1, 0, 0, 0, 2, 'h', 'i'}) << int(core::BodyType::Value);
        QTest::newRow("value map")
            << section(0x77, [](pn_data_t *d) {
                   pn_data_put_map(d);
                   pn_data_enter(d);
                   pn_data_put_string(d, pn_bytes(1, "k"));
                   pn_data_put_long(d, 7);
                   pn_data_exit(d);
               })
            << int(core::BodyType::Value);
        QTest::newRow("value null") << bytes({0x00, 0x53, 0x77, 0x40}) << int(core::BodyType::Value);
        QTest::newRow("two sequences") << bytes({0x00, 0x53, 0x76, 0xc0, 0x03, 0x01, 0x50, 0x07})
                                              + bytes({0x00, 0x53, 0x76, 0x45})
                                       << int(core::BodyType::Sequence);
    }

    void bodiesAreKeptByteForByte()
    {
        QFETCH(std::string, body);
        QFETCH(int, bodyType);
        const std::string header = section(0x73, [](pn_data_t *d) {
            pn_data_put_list(d);
            pn_data_enter(d);
            pn_data_put_string(d, pn_bytes(2, "id"));
            pn_data_exit(d);
        });
        auto decoded = decodeMessage(header + body);
        QVERIFY(decoded.ok());
        QCOMPARE(int(decoded->bodyType), bodyType);
        const std::string wire = encodeMessage(*decoded);
        // The body sections close the encoded message, exactly as received.
        QVERIFY(wire.size() > body.size());
        QCOMPARE(wire.substr(wire.size() - body.size()), body);
    }

    void brokerAnnotationsOnDelivery()
    {
        core::Message in;
        in.messageId = Value::string("m1");
        in.sequenceNumber = 12345678901LL;
        in.enqueuedSequenceNumber = 77;
        in.enqueuedTime = core::fromMillisSinceEpoch(1700000000000LL);
        in.lockedUntil = core::fromMillisSinceEpoch(1700000060000LL);
        in.expiresAt = core::fromMillisSinceEpoch(1700003600000LL);
        in.deliveryCount = 3;
        in.state = core::MessageState::Deferred;
        in.deadLetterSource = "q1";
        in.lockToken = *core::Uuid::fromString("01020304-0506-0708-090a-0b0c0d0e0f10");
        in.body = "x";

        const std::string wire = encodeMessage(in, EncodeOptions{true, true});
        proton::message pm = decodeProton(wire);
        QCOMPARE(pm.delivery_count(), 3u);
        auto annotations = pm.message_annotations();
        QCOMPARE(annotations.get(proton::symbol("x-opt-sequence-number")).type(), proton::LONG);
        QCOMPARE(proton::get<std::int64_t>(annotations.get(proton::symbol("x-opt-sequence-number"))), 12345678901LL);
        QCOMPARE(annotations.get(proton::symbol("x-opt-enqueued-time")).type(), proton::TIMESTAMP);
        QCOMPARE(annotations.get(proton::symbol("x-opt-locked-until")).type(), proton::TIMESTAMP);
        QCOMPARE(annotations.get(proton::symbol("x-opt-message-state")).type(), proton::INT);
        QCOMPARE(proton::get<std::int32_t>(annotations.get(proton::symbol("x-opt-message-state"))), 1);
        QCOMPARE(proton::get<std::string>(annotations.get(proton::symbol("x-opt-deadletter-source"))), std::string("q1"));
        QCOMPARE(pm.expiry_time().milliseconds(), 1700003600000LL);
        QCOMPARE(pm.delivery_annotations().get(proton::symbol("x-opt-lock-token")).type(), proton::UUID);

        auto back = decodeMessage(wire, DecodeMode::BrokerEncoded);
        QVERIFY(back.ok());
        QCOMPARE(back->sequenceNumber, in.sequenceNumber);
        QCOMPARE(back->enqueuedSequenceNumber, in.enqueuedSequenceNumber);
        QCOMPARE(back->enqueuedTime, in.enqueuedTime);
        QCOMPARE(back->lockedUntil, in.lockedUntil);
        QCOMPARE(back->expiresAt, in.expiresAt);
        QCOMPARE(back->deliveryCount, in.deliveryCount);
        QCOMPARE(back->state, in.state);
        QCOMPARE(back->deadLetterSource, in.deadLetterSource);
        QCOMPARE(back->lockToken, in.lockToken);
        QVERIFY(back->annotations.empty());

        // A client re-sending that message does not carry the broker state over.
        auto resent = decodeMessage(wire, DecodeMode::ClientSend);
        QVERIFY(resent.ok());
        QCOMPARE(resent->sequenceNumber, 0);
        QCOMPARE(resent->state, core::MessageState::Active);
        QVERIFY(resent->annotations.empty());
    }

    void batchIsUnpacked()
    {
        std::string envelope;
        for (int i = 0; i < 3; ++i) {
            proton::message m;
            m.id(proton::message_id("m" + std::to_string(i)));
            m.properties().put("n", std::int32_t(i));
            m.inferred(true);
            m.body(proton::binary(std::string(std::size_t(10 + i * 300), char('a' + i))));
            envelope += dataSection(encodeProton(m));
        }
        auto messages = decodeTransfer(envelope, kBatchMessageFormat);
        QVERIFY(messages.ok());
        QCOMPARE(int(messages->size()), 3);
        for (int i = 0; i < 3; ++i) {
            const core::Message &m = (*messages)[std::size_t(i)];
            QCOMPARE(m.messageId, Value::string("m" + std::to_string(i)));
            QCOMPARE(*m.applicationProperties.find("n"), Value::int32(i));
            QCOMPARE(m.body.size(), std::size_t(10 + i * 300));
        }
        // The same bytes as a plain transfer are one message with three data sections.
        auto single = decodeTransfer(envelope, 0);
        QVERIFY(single.ok());
        QCOMPARE(int(single->size()), 1);
        QCOMPARE(int(single->front().extraDataSections.size()), 2);
    }

    void lockTokenDeliveryTagOrder()
    {
        // servicebus-amqp.md §2.6: token 01020304-0506-0708-090a-0b0c0d0e0f10 -> tag 04 03 02 01 06 05 08 07 09..10.
        const core::Uuid token = *core::Uuid::fromString("01020304-0506-0708-090a-0b0c0d0e0f10");
        const std::string tag = lockTokenToDeliveryTag(token);
        QCOMPARE(tag, bytes({4, 3, 2, 1, 6, 5, 8, 7, 9, 10, 11, 12, 13, 14, 15, 16}));
        QCOMPARE(deliveryTagToLockToken(tag).value(), token);
        QVERIFY(!deliveryTagToLockToken("short").has_value());
    }

    void dotNetTicks()
    {
        QCOMPARE(toDotNetTicks(core::fromMillisSinceEpoch(0)), 621355968000000000LL);
        const auto t = core::fromMillisSinceEpoch(1700000000123LL);
        QCOMPARE(toDotNetTicks(t), 621355968000000000LL + 1700000000123LL * 10000);
        QCOMPARE(fromDotNetTicks(toDotNetTicks(t)), t);
    }

    void malformedInputIsRefused_data()
    {
        QTest::addColumn<std::string>("wire");
        QTest::newRow("garbage") << bytes({0xff, 0x01});
        QTest::newRow("not described") << bytes({0xa1, 0x01, 'x'});
        QTest::newRow("unknown section") << bytes({0x00, 0x53, 0x10, 0x45});
        QTest::newRow("data not binary") << bytes({0x00, 0x53, 0x75, 0xa1, 0x01, 'x'});
        QTest::newRow("two values") << bytes({0x00, 0x53, 0x77, 0x40, 0x00, 0x53, 0x77, 0x40});
        QTest::newRow("truncated") << bytes({0x00, 0x53, 0x75, 0xa0, 0x05, 'a'});
    }

    void malformedInputIsRefused()
    {
        QFETCH(std::string, wire);
        auto decoded = decodeMessage(wire);
        QVERIFY(!decoded.ok());
        QCOMPARE(decoded.error().code, core::ErrorCode::InvalidArgument);
    }
};

QTEST_GUILESS_MAIN(TestMessageCodec)
#include "tst_messagecodec.moc"
