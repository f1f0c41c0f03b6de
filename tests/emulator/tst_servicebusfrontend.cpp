// End-to-end over loopback: a real Proton C++ client against AmqpServer + ServiceBusFrontend + Engine.
#include "emulator/amqp/amqpserver.h"
#include "emulator/amqp/servicebusfrontend.h"

#include "core/auth/sastoken.h"
#include "core/broker/engine.h"

#include <QElapsedTimer>
#include <QScopeGuard>
#include <QTest>

#include <proton/codec/map.hpp>
#include <proton/codec/vector.hpp>
#include <proton/connection.hpp>
#include <proton/connection_options.hpp>
#include <proton/container.hpp>
#include <proton/delivery.hpp>
#include <proton/error_condition.hpp>
#include <proton/message.hpp>
#include <proton/message_id.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver.hpp>
#include <proton/receiver_options.hpp>
#include <proton/sender.hpp>
#include <proton/sender_options.hpp>
#include <proton/target_options.hpp>
#include <proton/source_options.hpp>
#include <proton/tracker.hpp>
#include <proton/transport.hpp>
#include <proton/types.hpp>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

using namespace busyard;
using namespace busyard::emulator::amqp;
namespace broker = busyard::core::broker;

namespace {

/**
 * Scripted Proton C++ client. Runs on its own thread; results are read by the test after the
 * container stopped (the join orders the memory accesses).
 */
class Client : public proton::messaging_handler
{
public:
    std::string url;
    std::string token;          ///< put on $cbs first when not empty
    std::string audience;
    std::string queue = "orders";
    int sendCount = 0;
    bool receive = false;
    bool peek = false;

    // results
    int cbsStatus = 0;
    std::string cbsDescription;
    int accepted = 0;
    int rejected = 0;
    std::string rejectCondition;
    std::vector<proton::message> received;
    std::vector<proton::binary> tags;
    int peekStatus = 0;
    int peekedMessages = 0;
    std::string linkError;
    std::string error;
    bool done = false;

    void on_container_start(proton::container &c) override
    {
        proton::connection_options options;
        options.sasl_enabled(true).sasl_allowed_mechs("ANONYMOUS");
        c.connect(url, options);
    }

    void on_connection_open(proton::connection &c) override
    {
        if (!token.empty()) {
            m_cbsSender = c.open_sender("$cbs");
            m_cbsReceiver = c.open_receiver("$cbs", proton::receiver_options().name("cbs-reply").target(
                                                        proton::target_options().address("cbs-reply")));
        } else {
            start(c);
        }
    }

    void on_sendable(proton::sender &s) override
    {
        if (s == m_cbsSender && !m_cbsSent) {
            m_cbsSent = true;
            proton::message m;
            m.id(proton::message_id("cbs-req-1"));
            m.reply_to("cbs-reply");
            m.to("$cbs");
            m.properties().put("operation", "put-token");
            m.properties().put("name", audience);
            m.properties().put("type", "servicebus.windows.net:sastoken");
            m.body(token);
            s.send(m);
        } else if (s == m_sender) {
            while (s.credit() > 0 && m_sent < sendCount) {
                proton::message m;
                m.id(proton::message_id("msg-" + std::to_string(m_sent)));
                m.subject("order");
                m.properties().put("n", std::int32_t(m_sent));
                m.inferred(true);
                m.body(proton::binary(std::string("payload-") + std::to_string(m_sent)));
                s.send(m);
                ++m_sent;
            }
        } else if (s == m_mgmtSender && !m_peekSent) {
            m_peekSent = true;
            proton::message m;
            m.id(proton::message_id(std::uint64_t(0))); // uamqp style: ulong ids, reply-to = node
            m.reply_to(queue + "/$management");
            m.properties().put("operation", "com.microsoft:peek-message");
            std::map<std::string, proton::value> body;
            body["from-sequence-number"] = std::int64_t(1);
            body["message-count"] = std::int32_t(10);
            m.body(body);
            s.send(m);
        }
    }

    void on_message(proton::delivery &d, proton::message &m) override
    {
        proton::receiver r = d.receiver();
        if (r == m_cbsReceiver) {
            cbsStatus = proton::get<std::int32_t>(m.properties().get("status-code"));
            cbsDescription = proton::get<std::string>(m.properties().get("status-description"));
            if (proton::get<std::string>(m.correlation_id()) != "cbs-req-1")
                error = "CBS correlation-id mismatch";
            if (cbsStatus >= 200 && cbsStatus < 300)
                start(d.connection());
            else
                d.connection().close();
        } else if (r == m_mgmtReceiver) {
            peekStatus = proton::get<std::int32_t>(m.properties().get("statusCode"));
            if (m.correlation_id().type() != proton::ULONG)
                error = "management correlation-id is not a ulong";
            if (peekStatus == 200) {
                std::map<std::string, proton::value> body;
                proton::get(m.body(), body);
                std::vector<proton::value> messages;
                proton::get(body["messages"], messages);
                peekedMessages = int(messages.size());
            }
            d.connection().close();
        } else {
            received.push_back(m);
            tags.push_back(proton::binary(d.tag()));
            d.accept(); // settled disposition (uamqp style)
            if (int(received.size()) == sendCount)
                afterReceive(d.connection());
        }
    }

    void on_tracker_accept(proton::tracker &t) override
    {
        if (t.sender() != m_sender)
            return; // the CBS and management requests are accepted too
        if (++accepted == sendCount)
            afterSend(t.connection());
    }
    void on_tracker_reject(proton::tracker &t) override
    {
        ++rejected;
        rejectCondition = t.sender().error().name();
        t.connection().close();
    }
    void on_sender_error(proton::sender &s) override
    {
        linkError = s.error().name();
        s.connection().close();
    }
    void on_receiver_error(proton::receiver &r) override
    {
        linkError = r.error().name();
        r.connection().close();
    }
    void on_transport_error(proton::transport &t) override { error = t.error().what(); }
    void on_connection_close(proton::connection &) override { done = true; }

private:
    void start(proton::connection c)
    {
        if (sendCount > 0)
            m_sender = c.open_sender(queue);
        else
            afterSend(c);
    }
    void afterSend(proton::connection c)
    {
        if (receive)
            m_receiver = c.open_receiver(queue, proton::receiver_options().credit_window(10).auto_accept(false));
        else
            afterReceive(c);
    }
    void afterReceive(proton::connection c)
    {
        if (peek) {
            m_mgmtSender = c.open_sender(queue + "/$management");
            m_mgmtReceiver = c.open_receiver(queue + "/$management");
        } else {
            c.close();
        }
    }

    proton::sender m_cbsSender, m_sender, m_mgmtSender;
    proton::receiver m_cbsReceiver, m_receiver, m_mgmtReceiver;
    bool m_cbsSent = false;
    bool m_peekSent = false;
    int m_sent = 0;
};

} // namespace

class TestServiceBusFrontend : public QObject
{
    Q_OBJECT

private:
    void runClient(Client &client)
    {
        proton::container container(client);
        std::atomic<bool> finished{false};
        std::thread thread([&] {
            try {
                container.run();
            } catch (const std::exception &e) {
                client.error = e.what();
            }
            finished = true;
        });
        auto joiner = qScopeGuard([&] {
            container.stop();
            thread.join();
        });
        QTRY_VERIFY_WITH_TIMEOUT(finished.load(), 20000);
    }

    std::string tokenFor(const std::string &audience, std::string_view key = core::kDevelopmentKey,
                         core::Duration lifetime = std::chrono::hours(1))
    {
        return core::createSasToken(audience, core::kDevelopmentKeyName, key, m_clock.now() + lifetime);
    }

    core::SystemClock m_clock;

private Q_SLOTS:
    void sendAndPeek()
    {
        broker::Engine engine(m_clock);
        broker::QueueDescription queue;
        queue.name = "orders";
        QVERIFY(engine.createQueue(queue).ok());
        ServiceBusFrontend frontend(engine, {core::developmentPolicy()});
        AmqpServer server(&frontend);
        auto port = server.listen(QHostAddress::LocalHost, 0);
        QVERIFY(port.ok());
        const std::string host = "127.0.0.1:" + std::to_string(*port);

        // 1: send three messages with a namespace token.
        {
            Client client;
            client.url = host;
            client.audience = "sb://localhost/orders";
            client.token = tokenFor(client.audience);
            client.sendCount = 3;
            runClient(client);
            QVERIFY2(client.error.empty(), client.error.c_str());
            QCOMPARE(client.cbsStatus, 202);
            QCOMPARE(client.accepted, 3);
        }
        auto counts = engine.runtimeCounts("orders");
        QVERIFY(counts.ok());
        QCOMPARE(counts->active, 3);

        // 2: peek over $management (uamqp-style ulong message-id and reply-to = node).
        {
            Client client;
            client.url = host;
            client.audience = "sb://localhost/orders";
            client.token = tokenFor(client.audience);
            client.peek = true;
            runClient(client);
            QVERIFY2(client.error.empty(), client.error.c_str());
            QCOMPARE(client.peekStatus, 200);
            QCOMPARE(client.peekedMessages, 3);
        }

    }

    void receiveLocksAndCompletes()
    {
        broker::Engine engine(m_clock);
        broker::QueueDescription queue;
        queue.name = "orders";
        QVERIFY(engine.createQueue(queue).ok());
        ServiceBusFrontend frontend(engine, {core::developmentPolicy()});
        AmqpServer server(&frontend);
        auto port = server.listen(QHostAddress::LocalHost, 0);
        QVERIFY(port.ok());

        Client client;
        client.url = "127.0.0.1:" + std::to_string(*port);
        client.audience = "sb://localhost/";
        client.token = tokenFor(client.audience);
        client.sendCount = 4;
        client.receive = true;
        runClient(client);
        QVERIFY2(client.error.empty(), client.error.c_str());
        QVERIFY2(client.linkError.empty(), client.linkError.c_str());
        QCOMPARE(client.accepted, 4);
        QCOMPARE(int(client.received.size()), 4);
        for (int i = 0; i < 4; ++i) {
            const proton::message &m = client.received[std::size_t(i)];
            QCOMPARE(proton::get<std::string>(m.id()), "msg-" + std::to_string(i));
            QCOMPARE(proton::get<std::int32_t>(m.properties().get("n")), i);
            QCOMPARE(m.subject(), std::string("order"));
            QCOMPARE(proton::get<std::int64_t>(m.message_annotations().get(proton::symbol("x-opt-sequence-number"))),
                     std::int64_t(i + 1));
            QCOMPARE(m.message_annotations().get(proton::symbol("x-opt-locked-until")).type(), proton::TIMESTAMP);
            QCOMPARE(m.delivery_count(), 0u);
            QCOMPARE(client.tags[std::size_t(i)].size(), std::size_t(16)); // lock token tag
        }
        // The accepted (settled) dispositions completed every message.
        QTRY_COMPARE(engine.runtimeCounts("orders")->active, 0);
    }

    void expiredTokenDetachesOpenLinks()
    {
        broker::Engine engine(m_clock);
        broker::QueueDescription queue;
        queue.name = "orders";
        QVERIFY(engine.createQueue(queue).ok());
        ServiceBusFrontend frontend(engine, {core::developmentPolicy()});
        AmqpServer server(&frontend);
        auto port = server.listen(QHostAddress::LocalHost, 0);
        QVERIFY(port.ok());

        Client client;
        client.url = "127.0.0.1:" + std::to_string(*port);
        client.audience = "sb://localhost/orders";
        client.token = tokenFor(client.audience, core::kDevelopmentKey, std::chrono::milliseconds(2500));
        client.receive = true; // opens a receiver and waits: nothing to receive
        QElapsedTimer timer;
        timer.start();
        runClient(client);
        QCOMPARE(client.cbsStatus, 202);
        QCOMPARE(client.linkError, std::string("amqp:unauthorized-access"));
        QVERIFY(timer.elapsed() >= 1000); // detached at expiry, not at attach
    }

    void cbsRefusesWrongKeyAndUnauthorizedLinks()
    {
        broker::Engine engine(m_clock);
        broker::QueueDescription queue;
        queue.name = "orders";
        QVERIFY(engine.createQueue(queue).ok());
        ServiceBusFrontend frontend(engine, {core::developmentPolicy()});
        AmqpServer server(&frontend);
        auto port = server.listen(QHostAddress::LocalHost, 0);
        QVERIFY(port.ok());
        const std::string host = "127.0.0.1:" + std::to_string(*port);

        {
            Client client;
            client.url = host;
            client.audience = "sb://localhost/orders";
            client.token = tokenFor(client.audience, "wrong-key");
            client.sendCount = 1;
            runClient(client);
            QCOMPARE(client.cbsStatus, 401);
            QCOMPARE(client.accepted, 0);
        }
        {
            // Token for another entity: the put-token succeeds, the sender link is refused.
            Client client;
            client.url = host;
            client.audience = "sb://localhost/other";
            client.token = tokenFor(client.audience);
            client.sendCount = 1;
            runClient(client);
            QCOMPARE(client.cbsStatus, 202);
            QCOMPARE(client.linkError, std::string("amqp:unauthorized-access"));
        }
        {
            // No token at all.
            Client client;
            client.url = host;
            client.sendCount = 1;
            runClient(client);
            QCOMPARE(client.linkError, std::string("amqp:unauthorized-access"));
        }
        {
            // Unknown entity with a namespace token: amqp:not-found on attach.
            Client client;
            client.url = host;
            client.audience = "sb://localhost/";
            client.token = tokenFor(client.audience);
            client.queue = "missing";
            client.sendCount = 1;
            runClient(client);
            QCOMPARE(client.linkError, std::string("amqp:not-found"));
        }
        QCOMPARE(engine.runtimeCounts("orders")->active, 0);
    }
};

QTEST_GUILESS_MAIN(TestServiceBusFrontend)
#include "tst_servicebusfrontend.moc"
