// The ATOM management plane of NamespaceConnection against the emulator's management API (engine +
// ManagementApi + HttpServer in this process, loopback HTTP on a free port, SAS authorization on).
#include "core/client/clienterror.h"
#include "core/client/managementclient.h"
#include "core/client/namespaceconnection.h"

#include "core/broker/engine.h"
#include "emulator/http/httpserver.h"
#include "emulator/http/managementapi.h"

#include <QTest>

#include <memory>
#include <optional>

using namespace busyard;
using namespace std::chrono_literals;
using client::NamespaceConnection;
using core::ErrorCode;
namespace broker = core::broker;

class TestManagementClient : public QObject
{
    Q_OBJECT

private:
    core::SystemClock m_clock;
    std::unique_ptr<broker::Engine> m_engine;
    std::unique_ptr<emulator::http::ManagementApi> m_api;
    std::unique_ptr<emulator::http::HttpServer> m_server;
    std::unique_ptr<NamespaceConnection> m_connection;

    template<typename T, typename Start>
    core::Result<T> await(Start start, int timeoutMs = 20000)
    {
        auto result = std::make_shared<std::optional<core::Result<T>>>();
        start([result](core::Result<T> r) { result->emplace(std::move(r)); });
        if (!QTest::qWaitFor([&] { return result->has_value(); }, timeoutMs))
            return core::Error{ErrorCode::Internal, "test: no callback within the time limit"};
        return std::move(**result);
    }

    std::unique_ptr<NamespaceConnection> connect(const char *key)
    {
        client::ConnectionOptions options;
        options.operationTimeout = 10s;
        options.managementUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server->serverPort()));
        auto c = NamespaceConnection::create(std::string("Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;"
                                                         "SharedAccessKey=")
                                                 + key + ";UseDevelopmentEmulator=true",
                                             options);
        return c ? std::move(c.value()) : nullptr;
    }

    NamespaceConnection &c() { return *m_connection; }

private Q_SLOTS:
    void init()
    {
        m_engine = std::make_unique<broker::Engine>(m_clock);
        QVERIFY(m_engine->loadResult().ok());
        m_api = std::make_unique<emulator::http::ManagementApi>(*m_engine);
        m_server = std::make_unique<emulator::http::HttpServer>();
        m_api->attach(*m_server);
        QVERIFY(m_server->listen(QHostAddress::LocalHost, 0).ok());
        m_connection = connect("SAS_KEY_VALUE");
        QVERIFY(m_connection);
    }

    void cleanup()
    {
        m_connection.reset();
        m_server.reset();
        m_api.reset();
        m_engine.reset();
    }

    void queues()
    {
        broker::QueueDescription q;
        q.name = "invoices";
        q.lockDuration = 30s;
        q.maxDeliveryCount = 7;
        q.requiresSession = true;
        auto created = await<client::QueueInfo>([&](auto cb) { c().createQueue(q, this, std::move(cb)); });
        QVERIFY2(created.ok(), created.ok() ? "" : created.error().message.c_str());
        QCOMPARE(created->description.name, std::string("invoices"));
        QCOMPARE(created->description.lockDuration, core::Duration(30s));
        QCOMPARE(created->description.maxDeliveryCount, 7);
        QVERIFY(created->description.requiresSession);
        QVERIFY(created->description.createdAt.time_since_epoch().count() > 0);

        auto duplicate = await<client::QueueInfo>([&](auto cb) { c().createQueue(q, this, std::move(cb)); });
        QVERIFY(!duplicate.ok());
        QCOMPARE(duplicate.error().code, ErrorCode::EntityAlreadyExists);

        q.maxDeliveryCount = 3;
        auto updated = await<client::QueueInfo>([&](auto cb) { c().updateQueue(q, this, std::move(cb)); });
        QVERIFY2(updated.ok(), updated.ok() ? "" : updated.error().message.c_str());
        QCOMPARE(updated->description.maxDeliveryCount, 3);

        // Runtime counts come with get.
        core::Message m;
        m.body = "hello";
        m.sessionId = "s";
        QVERIFY(m_engine->send(broker::EntityAddress::parse("invoices").value(), {m}).ok());
        auto got = await<client::QueueInfo>([&](auto cb) { c().getQueue("invoices", this, std::move(cb)); });
        QVERIFY2(got.ok(), got.ok() ? "" : got.error().message.c_str());
        QCOMPARE(got->counts.active, std::int64_t(1));
        QVERIFY(got->counts.sizeInBytes > 0);

        broker::QueueDescription second;
        second.name = "alerts";
        QVERIFY(await<client::QueueInfo>([&](auto cb) { c().createQueue(second, this, std::move(cb)); }).ok());
        auto list = await<std::vector<client::QueueInfo>>([&](auto cb) { c().listQueues(this, std::move(cb)); });
        QVERIFY2(list.ok(), list.ok() ? "" : list.error().message.c_str());
        QCOMPARE(list->size(), std::size_t(2));

        QVERIFY(await<void>([&](auto cb) { c().deleteQueue("invoices", this, std::move(cb)); }).ok());
        auto missing = await<client::QueueInfo>([&](auto cb) { c().getQueue("invoices", this, std::move(cb)); });
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, ErrorCode::EntityNotFound);
        auto deleteMissing = await<void>([&](auto cb) { c().deleteQueue("invoices", this, std::move(cb)); });
        QCOMPARE(deleteMissing.error().code, ErrorCode::EntityNotFound);
    }

    void topicsSubscriptionsRules()
    {
        broker::TopicDescription t;
        t.name = "orders";
        t.requiresDuplicateDetection = true;
        auto topic = await<client::TopicInfo>([&](auto cb) { c().createTopic(t, this, std::move(cb)); });
        QVERIFY2(topic.ok(), topic.ok() ? "" : topic.error().message.c_str());
        QVERIFY(topic->description.requiresDuplicateDetection);
        t.userMetadata = "meta";
        auto topicUpdated = await<client::TopicInfo>([&](auto cb) { c().updateTopic(t, this, std::move(cb)); });
        QVERIFY2(topicUpdated.ok(), topicUpdated.ok() ? "" : topicUpdated.error().message.c_str());
        QCOMPARE(topicUpdated->description.userMetadata, std::string("meta"));

        broker::SubscriptionDescription s;
        s.topicName = "orders";
        s.name = "eu";
        s.maxDeliveryCount = 4;
        auto sub = await<client::SubscriptionInfo>([&](auto cb) { c().createSubscription(s, this, std::move(cb)); });
        QVERIFY2(sub.ok(), sub.ok() ? "" : sub.error().message.c_str());
        QCOMPARE(sub->description.name, std::string("eu"));
        QCOMPARE(sub->description.topicName, std::string("orders"));
        s.maxDeliveryCount = 9;
        auto subUpdated = await<client::SubscriptionInfo>([&](auto cb) { c().updateSubscription(s, this, std::move(cb)); });
        QVERIFY(subUpdated.ok());
        QCOMPARE(subUpdated->description.maxDeliveryCount, 9);
        auto subs = await<std::vector<client::SubscriptionInfo>>(
            [&](auto cb) { c().listSubscriptions("orders", this, std::move(cb)); });
        QVERIFY(subs.ok());
        QCOMPARE(subs->size(), std::size_t(1));
        auto gotSub = await<client::SubscriptionInfo>([&](auto cb) { c().getSubscription("orders", "eu", this, std::move(cb)); });
        QVERIFY(gotSub.ok());

        auto topics = await<std::vector<client::TopicInfo>>([&](auto cb) { c().listTopics(this, std::move(cb)); });
        QVERIFY(topics.ok());
        QCOMPARE(topics->size(), std::size_t(1));
        QCOMPARE(topics->front().counts.subscriptionCount, std::int64_t(1));

        // Rules: the default one, then a SQL rule with an action, and a correlation rule.
        auto rules = await<std::vector<broker::RuleDescription>>(
            [&](auto cb) { c().listRules("orders", "eu", this, std::move(cb)); });
        QVERIFY2(rules.ok(), rules.ok() ? "" : rules.error().message.c_str());
        QCOMPARE(rules->size(), std::size_t(1));
        QCOMPARE(rules->front().name, std::string("$Default"));

        broker::RuleDescription sql;
        sql.name = "big";
        sql.filter = broker::SqlFilter{"amount > 100", {}};
        sql.action = broker::SqlRuleAction{"SET tier = 'gold'", {}};
        auto createdRule = await<broker::RuleDescription>([&](auto cb) { c().createRule("orders", "eu", sql, this, std::move(cb)); });
        QVERIFY2(createdRule.ok(), createdRule.ok() ? "" : createdRule.error().message.c_str());
        QCOMPARE(createdRule->name, std::string("big"));
        QVERIFY(std::holds_alternative<broker::SqlFilter>(createdRule->filter));
        QCOMPARE(std::get<broker::SqlFilter>(createdRule->filter).expression, std::string("amount > 100"));
        QVERIFY(createdRule->action.has_value());

        broker::RuleDescription corr;
        corr.name = "eu-only";
        broker::CorrelationFilter f;
        f.subject = "eu";
        f.properties.set("region", core::Value::string("eu"));
        corr.filter = f;
        QVERIFY(await<broker::RuleDescription>([&](auto cb) { c().createRule("orders", "eu", corr, this, std::move(cb)); }).ok());
        auto gotRule = await<broker::RuleDescription>([&](auto cb) { c().getRule("orders", "eu", "eu-only", this, std::move(cb)); });
        QVERIFY2(gotRule.ok(), gotRule.ok() ? "" : gotRule.error().message.c_str());
        QVERIFY(std::holds_alternative<broker::CorrelationFilter>(gotRule->filter));
        QCOMPARE(std::get<broker::CorrelationFilter>(gotRule->filter).subject, std::optional<std::string>("eu"));

        sql.filter = broker::SqlFilter{"amount > 500", {}};
        auto updatedRule = await<broker::RuleDescription>([&](auto cb) { c().updateRule("orders", "eu", sql, this, std::move(cb)); });
        QVERIFY2(updatedRule.ok(), updatedRule.ok() ? "" : updatedRule.error().message.c_str());
        QCOMPARE(std::get<broker::SqlFilter>(updatedRule->filter).expression, std::string("amount > 500"));

        QVERIFY(await<void>([&](auto cb) { c().deleteRule("orders", "eu", "$Default", this, std::move(cb)); }).ok());
        rules = await<std::vector<broker::RuleDescription>>([&](auto cb) { c().listRules("orders", "eu", this, std::move(cb)); });
        QVERIFY(rules.ok());
        QCOMPARE(rules->size(), std::size_t(2));

        QVERIFY(await<void>([&](auto cb) { c().deleteSubscription("orders", "eu", this, std::move(cb)); }).ok());
        QVERIFY(await<void>([&](auto cb) { c().deleteTopic("orders", this, std::move(cb)); }).ok());
        auto gone = await<client::TopicInfo>([&](auto cb) { c().getTopic("orders", this, std::move(cb)); });
        QCOMPARE(gone.error().code, ErrorCode::EntityNotFound);
    }

    void wrongKeyRefused()
    {
        auto wrong = connect("not-the-key");
        QVERIFY(wrong);
        auto list = await<std::vector<client::QueueInfo>>([&](auto cb) { wrong->listQueues(this, std::move(cb)); });
        QVERIFY(!list.ok());
        QCOMPARE(list.error().code, ErrorCode::Unauthorized);
    }

    void splitFeed()
    {
        const QByteArray feed = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Queues</title>"
                                "<entry><title type=\"text\">a</title></entry>"
                                "<entry><title type=\"text\">b</title></entry></feed>";
        auto entries = client::ManagementClient::splitFeed(feed);
        QVERIFY(entries.ok());
        QCOMPARE(entries->size(), std::size_t(2));
        QVERIFY(entries->at(1).contains("<title type=\"text\">b</title>"));
        QVERIFY(entries->at(0).contains("http://www.w3.org/2005/Atom"));
        QVERIFY(!client::ManagementClient::splitFeed("<feed><entry>").ok());
    }
};

QTEST_GUILESS_MAIN(TestManagementClient)
#include "tst_managementclient.moc"
