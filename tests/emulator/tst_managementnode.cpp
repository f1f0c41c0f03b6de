// $management operations on top of the engine, without sockets (servicebus-amqp.md §5).
#include "emulator/amqp/managementnode.h"
#include "core/client/messagecodec.h"

#include "core/broker/engine.h"

#include <QTest>

#include <proton/codec.h>

#include <functional>
#include <memory>

using namespace busyard;
using namespace busyard::emulator::amqp;
using namespace busyard::client::codec;
namespace broker = busyard::core::broker;

namespace {

struct Data
{
    pn_data_t *d = pn_data(16);
    ~Data() { pn_data_free(d); }
};

void putKey(pn_data_t *d, const char *k) { pn_data_put_string(d, pn_bytes(std::strlen(k), k)); }

/** Builds a request map with `fill` (which writes key/value pairs). */
std::unique_ptr<Data> request(const std::function<void(pn_data_t *)> &fill)
{
    auto data = std::make_unique<Data>();
    pn_data_put_map(data->d);
    pn_data_enter(data->d);
    fill(data->d);
    pn_data_exit(data->d);
    pn_data_rewind(data->d);
    return data;
}

/** Decodes a response body and positions on the value of `key` (nullptr when absent). */
std::unique_ptr<Data> responseValue(const ManagementResponse &r, const char *key)
{
    auto data = std::make_unique<Data>();
    if (r.body.empty() || pn_data_decode(data->d, r.body.data(), r.body.size()) <= 0)
        return nullptr;
    pn_data_rewind(data->d);
    pn_data_next(data->d);
    pn_data_enter(data->d);
    while (pn_data_next(data->d)) {
        const pn_bytes_t k = pn_data_get_string(data->d);
        pn_data_next(data->d);
        if (std::string(k.start, k.size) == key)
            return data;
    }
    return nullptr;
}

} // namespace

class TestManagementNode : public QObject
{
    Q_OBJECT

    core::VirtualClock m_clock;
    std::unique_ptr<broker::Engine> m_engine;
    std::unique_ptr<ManagementNode> m_node;

    ManagementResponse call(const std::string &address, const char *operation,
                            const std::function<void(pn_data_t *)> &fill = [](pn_data_t *) {},
                            ManagementNode::Authorizer authorize = nullptr)
    {
        auto body = request(fill);
        auto parsed = broker::EntityAddress::parse(address);
        if (!parsed)
            return ManagementResponse{-1, "bad address", {}, {}};
        return m_node->handle(*parsed, operation, body->d, authorize);
    }

    void send(const std::string &queue, int count, std::optional<std::string> session = std::nullopt)
    {
        std::vector<core::Message> batch;
        for (int i = 0; i < count; ++i) {
            core::Message m;
            m.messageId = core::Value::string("m" + std::to_string(i));
            m.sessionId = session;
            m.body = "x";
            batch.push_back(m);
        }
        QVERIFY(m_engine->send(broker::EntityAddress::queue(queue), batch).ok());
    }

private Q_SLOTS:
    void init()
    {
        m_engine = std::make_unique<broker::Engine>(m_clock);
        m_node = std::make_unique<ManagementNode>(*m_engine);
        broker::QueueDescription q;
        q.name = "q1";
        QVERIFY(m_engine->createQueue(q).ok());
        broker::QueueDescription s;
        s.name = "sq";
        s.requiresSession = true;
        QVERIFY(m_engine->createQueue(s).ok());
        broker::TopicDescription t;
        t.name = "t1";
        QVERIFY(m_engine->createTopic(t).ok());
        broker::SubscriptionDescription sub;
        sub.topicName = "t1";
        sub.name = "s1";
        QVERIFY(m_engine->createSubscription(sub).ok());
    }

    void peekEmptyIsNoContent()
    {
        const auto r = call("q1/$management", "com.microsoft:peek-message", [](pn_data_t *d) {
            putKey(d, "from-sequence-number");
            pn_data_put_long(d, 1);
            putKey(d, "message-count");
            pn_data_put_int(d, 10);
        });
        QCOMPARE(r.status, 204);
        QVERIFY(r.body.empty());
    }

    void peekReturnsEncodedMessages()
    {
        send("q1", 3);
        const auto r = call("q1/$management", "com.microsoft:peek-message", [](pn_data_t *d) {
            putKey(d, "from-sequence-number");
            pn_data_put_uint(d, 2); // any integer width is accepted
            putKey(d, "message-count");
            pn_data_put_long(d, 10);
        });
        QCOMPARE(r.status, 200);
        auto messages = responseValue(r, "messages");
        QVERIFY(messages);
        QCOMPARE(pn_data_type(messages->d), PN_LIST);
        QCOMPARE(int(pn_data_get_list(messages->d)), 2);
        pn_data_enter(messages->d);
        pn_data_next(messages->d); // first map
        pn_data_enter(messages->d);
        pn_data_next(messages->d); // key "message"
        pn_data_next(messages->d);
        QCOMPARE(pn_data_type(messages->d), PN_BINARY);
        const pn_bytes_t bytes = pn_data_get_binary(messages->d);
        auto decoded = decodeMessage(std::string_view(bytes.start, bytes.size), DecodeMode::BrokerEncoded);
        QVERIFY(decoded.ok());
        QCOMPARE(decoded->sequenceNumber, 2);
        QCOMPARE(decoded->messageId, core::Value::string("m1"));
    }

    void errors_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("operation");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("condition");
        QTest::newRow("unknown operation") << "q1/$management" << "com.microsoft:frobnicate" << 501 << "amqp:not-implemented";
        QTest::newRow("rules on a queue") << "q1/$management" << "com.microsoft:enumerate-rules" << 400 << "amqp:not-allowed";
        QTest::newRow("missing entity") << "nope/$management" << "com.microsoft:peek-message" << 404 << "amqp:not-found";
        QTest::newRow("bad disposition") << "q1/$management" << "com.microsoft:update-disposition" << 400
                                         << "com.microsoft:argument-error";
        QTest::newRow("renew unknown lock") << "q1/$management" << "com.microsoft:renew-lock" << 410
                                            << "com.microsoft:message-lock-lost";
        QTest::newRow("renew unheld session") << "sq/$management" << "com.microsoft:renew-session-lock" << 410
                                              << "com.microsoft:session-lock-lost";
        QTest::newRow("deferred not found") << "q1/$management" << "com.microsoft:receive-by-sequence-number" << 404
                                            << "com.microsoft:message-not-found";
    }

    void errors()
    {
        QFETCH(QString, address);
        QFETCH(QString, operation);
        QFETCH(int, status);
        QFETCH(QString, condition);
        const auto r = call(address.toStdString(), operation.toLatin1().constData(), [](pn_data_t *d) {
            putKey(d, "from-sequence-number");
            pn_data_put_long(d, 1);
            putKey(d, "message-count");
            pn_data_put_int(d, 1);
            putKey(d, "disposition-status");
            pn_data_put_string(d, pn_bytes(5, "bogus"));
            putKey(d, "lock-tokens");
            pn_data_put_array(d, false, PN_UUID);
            pn_data_enter(d);
            pn_uuid_t u{};
            u.bytes[0] = 1;
            pn_data_put_uuid(d, u);
            pn_data_exit(d);
            putKey(d, "session-id");
            pn_data_put_string(d, pn_bytes(2, "s1"));
            putKey(d, "sequence-numbers");
            pn_data_put_array(d, false, PN_LONG);
            pn_data_enter(d);
            pn_data_put_long(d, 42);
            pn_data_exit(d);
            putKey(d, "receiver-settle-mode");
            pn_data_put_uint(d, 1);
        });
        QCOMPARE(r.status, status);
        QCOMPARE(QString::fromStdString(r.condition), condition);
        QVERIFY(!r.description.empty());
    }

    void unauthorizedWithoutClaim()
    {
        const auto r = call("q1/$management", "com.microsoft:peek-message", [](pn_data_t *) {},
                            [](core::AccessRight) { return false; });
        QCOMPARE(r.status, 401);
        QCOMPARE(r.condition, std::string("amqp:unauthorized-access"));
    }

    void scheduleAndCancel()
    {
        core::Message m;
        m.messageId = core::Value::string("s-1");
        m.scheduledEnqueueTime = m_clock.now() + std::chrono::hours(1);
        m.body = "later";
        const std::string encoded = encodeMessage(m);
        const auto r = call("q1/$management", "com.microsoft:schedule-message", [&](pn_data_t *d) {
            putKey(d, "messages");
            pn_data_put_list(d);
            pn_data_enter(d);
            pn_data_put_map(d);
            pn_data_enter(d);
            putKey(d, "message");
            pn_data_put_binary(d, pn_bytes(encoded.size(), encoded.data()));
            putKey(d, "message-id");
            pn_data_put_string(d, pn_bytes(3, "s-1"));
            pn_data_exit(d);
            pn_data_exit(d);
        });
        QCOMPARE(r.status, 200);
        auto numbers = responseValue(r, "sequence-numbers");
        QVERIFY(numbers);
        QCOMPARE(pn_data_type(numbers->d), PN_ARRAY);
        QCOMPARE(pn_data_get_array_type(numbers->d), PN_LONG);
        pn_data_enter(numbers->d);
        pn_data_next(numbers->d);
        const std::int64_t sequence = pn_data_get_long(numbers->d);
        QCOMPARE(m_engine->runtimeCounts("q1")->scheduled, 1);

        const auto cancel = call("q1/$management", "com.microsoft:cancel-scheduled-message", [&](pn_data_t *d) {
            putKey(d, "sequence-numbers");
            pn_data_put_array(d, false, PN_LONG);
            pn_data_enter(d);
            pn_data_put_long(d, sequence);
            pn_data_exit(d);
        });
        QCOMPARE(cancel.status, 200);
        QCOMPARE(m_engine->runtimeCounts("q1")->scheduled, 0);
    }

    void rulesRoundTrip()
    {
        auto addRule = [&] {
            return call("t1/Subscriptions/s1/$management", "com.microsoft:add-rule", [](pn_data_t *d) {
                putKey(d, "rule-name");
                pn_data_put_string(d, pn_bytes(3, "red"));
                putKey(d, "rule-description");
                pn_data_put_map(d);
                pn_data_enter(d);
                putKey(d, "sql-filter");
                pn_data_put_map(d);
                pn_data_enter(d);
                putKey(d, "expression");
                pn_data_put_string(d, pn_bytes(13, "color = 'red'"));
                pn_data_exit(d);
                pn_data_exit(d);
            });
        };
        QCOMPARE(addRule().status, 200);
        const auto duplicate = addRule();
        QCOMPARE(duplicate.status, 409);
        QCOMPARE(duplicate.condition, std::string("com.microsoft:entity-already-exists"));

        const auto list = call("t1/Subscriptions/s1/$management", "com.microsoft:enumerate-rules", [](pn_data_t *d) {
            putKey(d, "top");
            pn_data_put_int(d, 100);
            putKey(d, "skip");
            pn_data_put_int(d, 0);
        });
        QCOMPARE(list.status, 200);
        auto rules = responseValue(list, "rules");
        QVERIFY(rules);
        QCOMPARE(int(pn_data_get_list(rules->d)), 2); // $Default and red
        pn_data_enter(rules->d);
        std::vector<std::string> names;
        while (pn_data_next(rules->d)) {
            pn_handle_t p = pn_data_point(rules->d);
            pn_data_enter(rules->d); // {rule-description: described}
            pn_data_next(rules->d);
            pn_data_next(rules->d);
            QCOMPARE(pn_data_type(rules->d), PN_DESCRIBED);
            pn_data_enter(rules->d);
            pn_data_next(rules->d);
            QCOMPARE(pn_data_get_ulong(rules->d), ManagementNode::kRuleDescriptionCode);
            pn_data_next(rules->d); // list
            pn_data_enter(rules->d);
            pn_data_next(rules->d); // filter
            pn_data_enter(rules->d);
            pn_data_next(rules->d);
            const std::uint64_t filterCode = pn_data_get_ulong(rules->d);
            pn_data_exit(rules->d);
            pn_data_next(rules->d); // action
            pn_data_next(rules->d); // name
            const pn_bytes_t name = pn_data_get_string(rules->d);
            names.emplace_back(name.start, name.size);
            QCOMPARE(filterCode, names.back() == "red" ? ManagementNode::kSqlFilterCode : ManagementNode::kTrueFilterCode);
            pn_data_restore(rules->d, p);
        }
        std::sort(names.begin(), names.end());
        QCOMPARE(names, (std::vector<std::string>{"$Default", "red"}));

        const auto removed = call("t1/Subscriptions/s1/$management", "com.microsoft:remove-rule", [](pn_data_t *d) {
            putKey(d, "rule-name");
            pn_data_put_string(d, pn_bytes(3, "red"));
        });
        QCOMPARE(removed.status, 200);
        QCOMPARE(int(m_engine->listRules("t1", "s1")->size()), 1);
    }

    void sessionState()
    {
        send("sq", 1, std::string("a"));
        auto opened = m_engine->openReceiver(broker::EntityAddress::queue("sq"), broker::ReceiveMode::PeekLock,
                                             broker::SessionSpec::named("a"), {});
        QVERIFY(opened.ok());
        const auto set = call("sq/$management", "com.microsoft:set-session-state", [](pn_data_t *d) {
            putKey(d, "session-id");
            pn_data_put_string(d, pn_bytes(1, "a"));
            putKey(d, "session-state");
            pn_data_put_binary(d, pn_bytes(3, "abc"));
        });
        QCOMPARE(set.status, 200);
        const auto get = call("sq/$management", "com.microsoft:get-session-state", [](pn_data_t *d) {
            putKey(d, "session-id");
            pn_data_put_string(d, pn_bytes(1, "a"));
        });
        QCOMPARE(get.status, 200);
        auto state = responseValue(get, "session-state");
        QVERIFY(state);
        const pn_bytes_t bytes = pn_data_get_binary(state->d);
        QCOMPARE(std::string(bytes.start, bytes.size), std::string("abc"));
        const auto renew = call("sq/$management", "com.microsoft:renew-session-lock", [](pn_data_t *d) {
            putKey(d, "session-id");
            pn_data_put_string(d, pn_bytes(1, "a"));
        });
        QCOMPARE(renew.status, 200);
        auto expiration = responseValue(renew, "expiration");
        QVERIFY(expiration);
        QCOMPARE(pn_data_type(expiration->d), PN_TIMESTAMP);
        m_engine->closeReceiver(opened->id);
    }
};

QTEST_GUILESS_MAIN(TestManagementNode)
#include "tst_managementnode.moc"
