#include "tst_managementapi.h"

#include "core/auth/sastoken.h"
#include "core/broker/engine.h"
#include "core/client/atom.h"
#include "emulator/http/httpserver.h"
#include "emulator/http/managementapi.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTest>
#include <QXmlStreamReader>

#include <memory>

using namespace std::chrono_literals;
using namespace busyard;
using namespace busyard::emulator::http;
namespace broker = busyard::core::broker;

namespace {

struct Reply
{
    int status = 0;
    QByteArray body;
    QByteArray contentType;
};

/** The running emulator pieces: engine on a virtual clock, the HTTP server, the API and a client. */
struct Env
{
    core::VirtualClock clock;
    std::unique_ptr<broker::Engine> engine;
    std::unique_ptr<ManagementApi> api;
    std::unique_ptr<HttpServer> server;
    QNetworkAccessManager nam;

    QString base() const { return QStringLiteral("http://127.0.0.1:%1").arg(server->serverPort()); }
};

std::unique_ptr<Env> env;

/** A namespace-wide token (what the Python SDK sends), valid for an hour of wall-clock time. */
QByteArray token(const std::string &audience = {}, std::string_view key = core::kDevelopmentKey,
                 core::Duration lifetime = 1h, std::string_view keyName = core::kDevelopmentKeyName)
{
    const std::string aud = audience.empty() ? env->base().toStdString() + "/" : audience;
    return QByteArray::fromStdString(
        core::createSasToken(aud, keyName, key, core::SystemClock().now() + lifetime));
}

using Headers = QList<QPair<QByteArray, QByteArray>>;

Reply call(const QByteArray &method, const QString &pathAndQuery, const QByteArray &body = {},
           Headers headers = {}, bool authorize = true)
{
    QString url = env->base() + QLatin1Char('/') + pathAndQuery;
    url += pathAndQuery.contains(QLatin1Char('?')) ? QStringLiteral("&") : QStringLiteral("?");
    url += QStringLiteral("api-version=2021-05");
    QNetworkRequest request{QUrl(url)};
    if (authorize)
        request.setRawHeader("Authorization", token());
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/atom+xml;type=entry;charset=utf-8"));
    for (const auto &h : headers)
        request.setRawHeader(h.first, h.second);
    std::unique_ptr<QNetworkReply> reply(env->nam.sendCustomRequest(request, method, body));
    if (!QTest::qWaitFor([&] { return reply->isFinished(); }, 10000))
        return {};
    Reply r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.body = reply->readAll();
    r.contentType = reply->rawHeader("Content-Type");
    return r;
}

QString text(const QByteArray &xml, const QString &name)
{
    QXmlStreamReader r(xml);
    while (!r.atEnd()) {
        r.readNext();
        if (r.isStartElement() && r.name() == name)
            return r.readElementText(QXmlStreamReader::IncludeChildElements);
    }
    return QStringLiteral("<missing>");
}

int count(const QByteArray &xml, const QString &name)
{
    QXmlStreamReader r(xml);
    int n = 0;
    while (!r.atEnd()) {
        r.readNext();
        if (r.isStartElement() && r.name() == name)
            ++n;
    }
    return n;
}

QByteArray entry(const QByteArray &description)
{
    return R"(<?xml version="1.0" encoding="utf-8"?><entry xmlns="http://www.w3.org/2005/Atom"><updated>2024-01-01T00:00:00Z</updated><content type="application/xml">)"
        + description + "</content></entry>";
}

QByteArray queueBody(const QByteArray &elements = {})
{
    return entry(R"(<QueueDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">)"
                 + elements + "</QueueDescription>");
}

QByteArray topicBody(const QByteArray &elements = {})
{
    return entry(R"(<TopicDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">)"
                 + elements + "</TopicDescription>");
}

QByteArray subscriptionBody(const QByteArray &elements = {})
{
    return entry(R"(<SubscriptionDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">)"
                 + elements + "</SubscriptionDescription>");
}

QByteArray ruleBody(const QByteArray &elements)
{
    return entry(R"(<RuleDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">)"
                 + elements + "</RuleDescription>");
}

QByteArray sqlFilter(const QByteArray &expression)
{
    return R"(<Filter i:type="SqlFilter"><SqlExpression>)" + expression + "</SqlExpression></Filter>";
}

bool contains(const QByteArray &haystack, const char *needle)
{
    if (haystack.contains(needle))
        return true;
    qWarning("missing %s in %s", needle, haystack.constData());
    return false;
}

} // namespace

void TestManagementApi::init()
{
    env = std::make_unique<Env>();
    env->engine = std::make_unique<broker::Engine>(env->clock);
    QVERIFY(env->engine->loadResult().ok());
    env->api = std::make_unique<ManagementApi>(*env->engine);
    env->server = std::make_unique<HttpServer>();
    env->api->attach(*env->server);
    QVERIFY(env->server->listen().ok());
}

void TestManagementApi::cleanup()
{
    env.reset();
}

void TestManagementApi::healthNeedsNoAuthorization()
{
    const Reply r = call("GET", QStringLiteral("health"), {}, {}, false);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray(R"({"status":"healthy","message":"Service is healthy."})"));
    QVERIFY(r.contentType.startsWith("application/json"));
}

void TestManagementApi::createAndGetQueue()
{
    Reply r = call("PUT", QStringLiteral("orders"),
                   queueBody("<LockDuration>PT30S</LockDuration><MaxDeliveryCount>5</MaxDeliveryCount>"));
    QCOMPARE(r.status, 201);
    QVERIFY(r.contentType.startsWith("application/atom+xml"));
    QCOMPARE(text(r.body, QStringLiteral("title")), QStringLiteral("orders"));
    QCOMPARE(text(r.body, QStringLiteral("LockDuration")), QStringLiteral("PT30S"));
    QCOMPARE(text(r.body, QStringLiteral("MaxDeliveryCount")), QStringLiteral("5"));
    QVERIFY(text(r.body, QStringLiteral("id")).endsWith(QStringLiteral("/orders?api-version=2021-05")));

    const auto stored = env->engine->getQueue("orders");
    QVERIFY(stored.ok());
    QCOMPARE(stored->lockDuration, core::Duration{30s});
    QCOMPARE(stored->maxDeliveryCount, 5);

    core::Message m;
    m.messageId = core::Value::string("m1");
    m.body = "hello";
    QVERIFY(env->engine->send(broker::EntityAddress::queue("orders"), {m, m}).ok());

    r = call("GET", QStringLiteral("orders"));
    QCOMPARE(r.status, 200);
    QVERIFY(contains(r.body, "<d2p1:ActiveMessageCount>2</d2p1:ActiveMessageCount>"));
    QCOMPARE(text(r.body, QStringLiteral("MessageCount")), QStringLiteral("2"));
    QVERIFY(text(r.body, QStringLiteral("SizeInBytes")).toLongLong() > 0);
    QCOMPARE(count(r.body, QStringLiteral("QueueDescription")), 1);

    // Names are case-insensitive; the spelling at creation is reported.
    r = call("GET", QStringLiteral("ORDERS"));
    QCOMPARE(r.status, 200);
    QCOMPARE(text(r.body, QStringLiteral("title")), QStringLiteral("orders"));
}

void TestManagementApi::createExistingIsConflict()
{
    QCOMPARE(call("PUT", QStringLiteral("dup"), queueBody()).status, 201);
    Reply r = call("PUT", QStringLiteral("dup"), queueBody());
    QCOMPARE(r.status, 409);
    QCOMPARE(text(r.body, QStringLiteral("Code")), QStringLiteral("409"));
    // Queues and topics share one name space, any casing.
    QCOMPARE(call("PUT", QStringLiteral("DUP"), topicBody()).status, 409);
}

void TestManagementApi::getMissingIs404()
{
    const Reply r = call("GET", QStringLiteral("nothing-here"));
    QCOMPARE(r.status, 404);
    QCOMPARE(text(r.body, QStringLiteral("Code")), QStringLiteral("404"));
    QVERIFY(text(r.body, QStringLiteral("Detail")).contains(QStringLiteral("TrackingId:")));
    QCOMPARE(call("GET", QStringLiteral("t/Subscriptions/s")).status, 404);
    QCOMPARE(call("GET", QStringLiteral("t/Subscriptions/s/Rules/r")).status, 404);
}

void TestManagementApi::updateQueue()
{
    QCOMPARE(call("PUT", QStringLiteral("upd"), queueBody("<LockDuration>PT30S</LockDuration>")).status, 201);
    Reply r = call("PUT", QStringLiteral("upd"), queueBody("<MaxDeliveryCount>9</MaxDeliveryCount><Status>ReceiveDisabled</Status>"),
                   {{"If-Match", "*"}});
    QCOMPARE(r.status, 200);
    QCOMPARE(text(r.body, QStringLiteral("MaxDeliveryCount")), QStringLiteral("9"));
    const auto stored = env->engine->getQueue("upd");
    QCOMPARE(stored->maxDeliveryCount, 9);
    QCOMPARE(stored->status, broker::EntityStatus::ReceiveDisabled);
    QCOMPARE(stored->lockDuration, core::Duration{30s}); // not in the body: kept

    // Immutable property change -> 400; update of a missing queue -> 404.
    QCOMPARE(call("PUT", QStringLiteral("upd"), queueBody("<RequiresSession>true</RequiresSession>"), {{"If-Match", "*"}}).status,
             400);
    QCOMPARE(call("PUT", QStringLiteral("absent"), queueBody(), {{"If-Match", "*"}}).status, 404);
}

void TestManagementApi::deleteQueue()
{
    QCOMPARE(call("PUT", QStringLiteral("gone"), queueBody()).status, 201);
    const Reply r = call("DELETE", QStringLiteral("gone"));
    QCOMPARE(r.status, 200);
    QVERIFY(r.body.isEmpty());
    QVERIFY(!env->engine->getQueue("gone").ok());
    QCOMPARE(call("GET", QStringLiteral("gone")).status, 404);
    QCOMPARE(call("DELETE", QStringLiteral("gone")).status, 404);
    // Topics are deleted through the same path.
    QCOMPARE(call("PUT", QStringLiteral("gone-topic"), topicBody()).status, 201);
    QCOMPARE(call("DELETE", QStringLiteral("gone-topic")).status, 200);
    QVERIFY(!env->engine->getTopic("gone-topic").ok());
}

void TestManagementApi::listQueuesWithPaging()
{
    for (const char *name : {"q-c", "q-a", "q-b"})
        QCOMPARE(call("PUT", QString::fromLatin1(name), queueBody()).status, 201);
    QCOMPARE(call("PUT", QStringLiteral("a-topic"), topicBody()).status, 201);

    Reply r = call("GET", QStringLiteral("$Resources/Queues?$top=2"));
    QCOMPARE(r.status, 200);
    QVERIFY(r.contentType.contains("type=feed"));
    QCOMPARE(count(r.body, QStringLiteral("entry")), 2);
    QCOMPARE(count(r.body, QStringLiteral("link")), 2 + 2); // feed self + next, one self per entry
    QVERIFY(contains(r.body, "%24skip=2&amp;%24top=2&amp;api-version=2021-05"));
    QVERIFY(contains(r.body, "<title type=\"text\">q-a</title>"));
    QVERIFY(contains(r.body, "<title type=\"text\">q-b</title>"));

    r = call("GET", QStringLiteral("$resources/queues?%24skip=2&%24top=2"));
    QCOMPARE(r.status, 200);
    QCOMPARE(count(r.body, QStringLiteral("entry")), 1);
    QVERIFY(contains(r.body, "<title type=\"text\">q-c</title>"));
    QVERIFY(!r.body.contains("rel=\"next\""));

    r = call("GET", QStringLiteral("$Resources/Topics"));
    QCOMPARE(count(r.body, QStringLiteral("entry")), 1);
    QCOMPARE(count(r.body, QStringLiteral("TopicDescription")), 1);

    QCOMPARE(call("GET", QStringLiteral("$Resources/Queues?$top=0")).status, 400);
    QCOMPARE(call("GET", QStringLiteral("$Resources/Queues?$skip=-1")).status, 400);
    QCOMPARE(call("GET", QStringLiteral("$Resources/Queues?$skip=x")).status, 400);
}

void TestManagementApi::unauthorized_data()
{
    QTest::addColumn<int>("variant");
    QTest::newRow("no header") << 0;
    QTest::newRow("wrong key") << 1;
    QTest::newRow("expired") << 2;
    QTest::newRow("unknown key name") << 3;
    QTest::newRow("other entity's audience") << 4;
    QTest::newRow("bearer") << 5;
    QTest::newRow("garbage") << 6;
}

void TestManagementApi::unauthorized()
{
    QFETCH(int, variant);
    QByteArray authorization;
    switch (variant) {
    case 0: break;
    case 1: authorization = token({}, "not-the-key"); break;
    case 2: authorization = token({}, core::kDevelopmentKey, -1min); break;
    case 3: authorization = token({}, core::kDevelopmentKey, 1h, "SomeoneElse"); break;
    case 4: authorization = token(env->base().toStdString() + "/other-queue"); break;
    case 5: authorization = "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"; break;
    case 6: authorization = "SharedAccessSignature nonsense"; break;
    }
    Headers headers;
    if (!authorization.isEmpty())
        headers.append({"Authorization", authorization});
    const Reply r = call("PUT", QStringLiteral("secured"), queueBody(), headers, false);
    QCOMPARE(r.status, 401);
    QCOMPARE(text(r.body, QStringLiteral("Code")), QStringLiteral("401"));
    QVERIFY(!env->engine->getQueue("secured").ok());
    // The detail never echoes the token (its signature part).
    if (authorization.size() > 60)
        QVERIFY(!r.body.contains(authorization.mid(30, 20)));

    // An entity-scoped token (what the JS SDK sends: the request URL) works for that entity only.
    const QByteArray scoped = token(env->base().toStdString() + "/secured?api-version=2021-05");
    QCOMPARE(call("PUT", QStringLiteral("secured"), queueBody(), {{"Authorization", scoped}}, false).status, 201);
}

void TestManagementApi::supplementaryAuthorization()
{
    QCOMPARE(call("PUT", QStringLiteral("target"), queueBody()).status, 201);
    const QByteArray body = queueBody("<ForwardTo>sb://127.0.0.1/target</ForwardTo>");
    // The JS SDK signs the supplementary token for the bare host name; only key, signature and expiry count.
    const QByteArray good = token("127.0.0.1");
    const QByteArray bad = token("127.0.0.1", "wrong");
    QCOMPARE(call("PUT", QStringLiteral("fwd-bad"), body, {{"ServiceBusSupplementaryAuthorization", bad}}).status, 401);
    QVERIFY(!env->engine->getQueue("fwd-bad").ok());
    const Reply r = call("PUT", QStringLiteral("fwd"), body, {{"ServiceBusSupplementaryAuthorization", good}});
    QCOMPARE(r.status, 201);
    QCOMPARE(env->engine->getQueue("fwd")->forwardTo, std::string("target"));
    QVERIFY(text(r.body, QStringLiteral("ForwardTo")).endsWith(QStringLiteral("/target")));

    // A missing destination is a 400 with SubCode=40400, not a 404 (that would read as "queue not found").
    const Reply missing = call("PUT", QStringLiteral("fwd-missing"), queueBody("<ForwardTo>sb://127.0.0.1/nowhere</ForwardTo>"),
                               {{"ServiceBusSupplementaryAuthorization", good}});
    QCOMPARE(missing.status, 400);
    QVERIFY(text(missing.body, QStringLiteral("Detail")).contains(QStringLiteral("SubCode=40400")));
}

void TestManagementApi::badRequests_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("malformed xml") << QStringLiteral("bad1") << QByteArray("<entry><content>") << QStringLiteral("well-formed");
    QTest::newRow("empty body") << QStringLiteral("bad2") << QByteArray() << QStringLiteral("empty");
    QTest::newRow("bad value") << QStringLiteral("bad3") << queueBody("<MaxDeliveryCount>many</MaxDeliveryCount>")
                               << QStringLiteral("MaxDeliveryCount");
    QTest::newRow("out of range") << QStringLiteral("bad4") << queueBody("<LockDuration>PT10M</LockDuration>")
                                  << QStringLiteral("LockDuration");
    QTest::newRow("rule at a queue path") << QStringLiteral("bad5") << ruleBody(sqlFilter("1=1"))
                                          << QStringLiteral("QueueDescription");
    QTest::newRow("invalid name") << QStringLiteral("bad*name") << queueBody() << QStringLiteral("not allowed");
}

void TestManagementApi::badRequests()
{
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(QString, mentions);
    const Reply r = call("PUT", path, body);
    QCOMPARE(r.status, 400);
    QCOMPARE(text(r.body, QStringLiteral("Code")), QStringLiteral("400"));
    const QString detail = text(r.body, QStringLiteral("Detail"));
    QVERIFY2(detail.contains(QStringLiteral("SubCode=40000")), qPrintable(detail));
    QVERIFY2(detail.contains(mentions), qPrintable(detail));
    QVERIFY(env->engine->listQueues().empty());
}

void TestManagementApi::topicsSubscriptionsAndRules()
{
    Reply r = call("PUT", QStringLiteral("events"), topicBody("<DefaultMessageTimeToLive>PT1H</DefaultMessageTimeToLive>"));
    QCOMPARE(r.status, 201);
    QCOMPARE(count(r.body, QStringLiteral("TopicDescription")), 1);
    QCOMPARE(text(r.body, QStringLiteral("DefaultMessageTimeToLive")), QStringLiteral("PT1H"));

    r = call("PUT", QStringLiteral("events/Subscriptions/audit"), subscriptionBody("<MaxDeliveryCount>3</MaxDeliveryCount>"));
    QCOMPARE(r.status, 201);
    QCOMPARE(text(r.body, QStringLiteral("id")),
             env->base() + QStringLiteral("/events/Subscriptions/audit?api-version=2021-05"));
    QCOMPARE(text(r.body, QStringLiteral("MaxDeliveryCount")), QStringLiteral("3"));
    QCOMPARE(call("PUT", QStringLiteral("events/subscriptions/AUDIT"), subscriptionBody()).status, 409);

    r = call("GET", QStringLiteral("events"));
    QCOMPARE(text(r.body, QStringLiteral("SubscriptionCount")), QStringLiteral("1"));

    // Lower-case segments (the Python spelling) and a trailing slash (the JS spelling of lists).
    r = call("GET", QStringLiteral("events/subscriptions/"));
    QCOMPARE(r.status, 200);
    QCOMPARE(count(r.body, QStringLiteral("entry")), 1);
    QCOMPARE(text(r.body, QStringLiteral("title")), QStringLiteral("Subscriptions"));

    // Every subscription starts with $Default (TrueFilter).
    r = call("GET", QStringLiteral("events/Subscriptions/audit/Rules/"));
    QCOMPARE(r.status, 200);
    QCOMPARE(count(r.body, QStringLiteral("entry")), 1);
    QVERIFY(contains(r.body, "<Name>$Default</Name>"));
    QVERIFY(contains(r.body, "i:type=\"TrueFilter\""));
    QVERIFY(contains(r.body, "/events/Subscriptions/audit/Rules/$Default?api-version=2021-05</id>"));

    r = call("PUT", QStringLiteral("events/Subscriptions/audit/Rules/red"),
             ruleBody(sqlFilter("color = 'red'") + R"(<Action i:type="SqlRuleAction"><SqlExpression>SET seen = true</SqlExpression></Action>)"));
    QCOMPARE(r.status, 201);
    QCOMPARE(text(r.body, QStringLiteral("Name")), QStringLiteral("red"));
    QCOMPARE(text(r.body, QStringLiteral("SqlExpression")), QStringLiteral("color = 'red'"));
    QCOMPARE(call("PUT", QStringLiteral("events/Subscriptions/audit/Rules/red"), ruleBody(sqlFilter("1=1"))).status, 409);
    // SQL that does not parse.
    r = call("PUT", QStringLiteral("events/Subscriptions/audit/Rules/broken"), ruleBody(sqlFilter("color = = 'red'")));
    QCOMPARE(r.status, 400);

    r = call("GET", QStringLiteral("events/subscriptions/audit/rules/RED"));
    QCOMPARE(r.status, 200);
    QCOMPARE(text(r.body, QStringLiteral("title")), QStringLiteral("red"));

    // Update the rule's filter with If-Match.
    r = call("PUT", QStringLiteral("events/Subscriptions/audit/Rules/red"), ruleBody(sqlFilter("color = 'blue'")),
             {{"If-Match", "*"}});
    QCOMPARE(r.status, 200);
    const auto rule = env->engine->getRule("events", "audit", "red");
    QVERIFY(rule.ok());
    QCOMPARE(std::get<broker::SqlFilter>(rule->filter).expression, std::string("color = 'blue'"));

    r = call("GET", QStringLiteral("events/Subscriptions/audit/Rules"));
    QCOMPARE(count(r.body, QStringLiteral("entry")), 2);

    QCOMPARE(call("DELETE", QStringLiteral("events/Subscriptions/audit/Rules/red")).status, 200);
    QCOMPARE(call("GET", QStringLiteral("events/Subscriptions/audit/Rules/red")).status, 404);

    // Update, then delete, the subscription; deleting the topic removes the rest.
    r = call("PUT", QStringLiteral("events/Subscriptions/audit"), subscriptionBody("<Status>ReceiveDisabled</Status>"),
             {{"If-Match", "*"}});
    QCOMPARE(r.status, 200);
    QCOMPARE(text(r.body, QStringLiteral("Status")), QStringLiteral("ReceiveDisabled"));
    QCOMPARE(call("PUT", QStringLiteral("events/Subscriptions/second"), subscriptionBody()).status, 201);
    QCOMPARE(call("DELETE", QStringLiteral("events/Subscriptions/audit")).status, 200);
    QCOMPARE(call("GET", QStringLiteral("events/Subscriptions/audit")).status, 404);
    QCOMPARE(call("DELETE", QStringLiteral("events")).status, 200);
    QCOMPARE(call("GET", QStringLiteral("events/Subscriptions/second")).status, 404);
    QCOMPARE(call("GET", QStringLiteral("events/Subscriptions")).status, 404);
}

void TestManagementApi::subscriptionWithDefaultRule()
{
    QCOMPARE(call("PUT", QStringLiteral("t"), topicBody()).status, 201);
    const QByteArray body = subscriptionBody(
        R"(<DefaultRuleDescription><Filter i:type="CorrelationFilter"><Label>invoice</Label></Filter><Action i:type="EmptyRuleAction"/><Name>invoices</Name></DefaultRuleDescription>)");
    QCOMPARE(call("PUT", QStringLiteral("t/Subscriptions/s"), body).status, 201);
    const Reply r = call("GET", QStringLiteral("t/Subscriptions/s/Rules"));
    QCOMPARE(count(r.body, QStringLiteral("entry")), 1);
    QVERIFY(contains(r.body, "<Name>invoices</Name>"));
    QVERIFY(contains(r.body, "<Label>invoice</Label>"));
}

void TestManagementApi::namespaceInfo()
{
    const Reply r = call("GET", QStringLiteral("$namespaceinfo"));
    QCOMPARE(r.status, 200);
    QCOMPARE(text(r.body, QStringLiteral("Name")), QStringLiteral("sbemulatorns"));
    QCOMPARE(text(r.body, QStringLiteral("MessagingSKU")), QStringLiteral("Standard"));
    QCOMPARE(text(r.body, QStringLiteral("NamespaceType")), QStringLiteral("Messaging"));
    QCOMPARE(call("GET", QStringLiteral("$namespaceinfo"), {}, {}, false).status, 401);

    // The SKU follows the engine's tier unless configured.
    broker::EngineOptions premium;
    premium.tier = broker::Tier::Premium;
    env->server.reset();
    env->api.reset();
    env->engine = std::make_unique<broker::Engine>(env->clock, nullptr, premium);
    env->api = std::make_unique<ManagementApi>(*env->engine);
    env->server = std::make_unique<HttpServer>();
    env->api->attach(*env->server);
    QVERIFY(env->server->listen().ok());
    const Reply p = call("GET", QStringLiteral("$namespaceinfo"));
    QCOMPARE(text(p.body, QStringLiteral("MessagingSKU")), QStringLiteral("Premium"));
    QCOMPARE(text(p.body, QStringLiteral("MessagingUnits")), QStringLiteral("1"));
}

void TestManagementApi::methodNotAllowed()
{
    QCOMPARE(call("POST", QStringLiteral("x"), queueBody()).status, 405);
    QCOMPARE(call("DELETE", QStringLiteral("$Resources/Queues")).status, 405);
    QCOMPARE(call("GET", QStringLiteral("$Resources/Nothing")).status, 404);
}

QTEST_GUILESS_MAIN(TestManagementApi)
