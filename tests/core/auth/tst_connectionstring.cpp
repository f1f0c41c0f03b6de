#include "core/auth/connectionstring.h"
#include "core/auth/sastoken.h"

#include <QtTest>

using namespace busyard::core;

namespace {

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

QStringList qList(const std::vector<std::string> &v)
{
    QStringList out;
    for (const auto &s : v)
        out << q(s);
    return out;
}

/** A syntactically valid token whose signature is not checked by the connection-string parser. */
std::string sampleToken()
{
    return createSasToken("sb://contoso.servicebus.windows.net/", "sendonly", "c2VjcmV0LWtleS12YWx1ZQ==",
                          fromMillisSinceEpoch(1'700'003'600'000LL));
}

} // namespace

class TestConnectionString : public QObject
{
    Q_OBJECT

private slots:
    void parsesValid_data();
    void parsesValid();
    void rejectsInvalid_data();
    void rejectsInvalid();
    void acceptsSharedAccessSignature();
    void roundTripsThroughToString_data();
    void roundTripsThroughToString();
    void redactsSecrets();
    void loopbackHosts_data();
    void loopbackHosts();
    void audienceFor();
};

void TestConnectionString::parsesValid_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("endpoint");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");   // -1: none given
    QTest::addColumn<QString>("keyName");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("entityPath");
    QTest::addColumn<bool>("emulatorFlag");
    QTest::addColumn<bool>("isEmulator");
    QTest::addColumn<int>("amqpPort");
    QTest::addColumn<QStringList>("unknownKeys");
    QTest::addColumn<int>("warnings");

    const QString key = QStringLiteral("kT0jeNwO0yLkhsbeNyQ+oIZ4zD0b6ZfBNm4rFOx1uDU=");

    QTest::newRow("portal namespace string")
        << QStringLiteral("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;"
                          "SharedAccessKey=") + key
        << "sb://contoso.servicebus.windows.net/" << "contoso.servicebus.windows.net" << -1
        << "RootManageSharedAccessKey" << key << "" << false << false << 5671 << QStringList() << 0;
    QTest::newRow("portal entity string")
        << QStringLiteral("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=")
            + key + QStringLiteral(";EntityPath=orders")
        << "sb://contoso.servicebus.windows.net/" << "contoso.servicebus.windows.net" << -1
        << "send" << key << "orders" << false << false << 5671 << QStringList() << 0;
    QTest::newRow("official emulator string")
        << QString::fromLatin1(kDevelopmentConnectionString.data(), int(kDevelopmentConnectionString.size()))
        << "sb://localhost/" << "localhost" << -1 << "RootManageSharedAccessKey" << "SAS_KEY_VALUE" << ""
        << true << true << 5672 << QStringList() << 0;
    QTest::newRow("emulator with container alias and port")
        << "Endpoint=sb://servicebus-emulator:5300;SharedAccessKeyName=RootManageSharedAccessKey;"
           "SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true"
        << "sb://servicebus-emulator:5300/" << "servicebus-emulator" << 5300 << "RootManageSharedAccessKey"
        << "SAS_KEY_VALUE" << "" << true << true << 5300 << QStringList() << 0;
    QTest::newRow("emulator flag false keeps TLS port")
        << "Endpoint=sb://localhost;SharedAccessKeyName=a;SharedAccessKey=b;UseDevelopmentEmulator=FALSE"
        << "sb://localhost/" << "localhost" << -1 << "a" << "b" << "" << false << true << 5671 << QStringList() << 0;
    QTest::newRow("flag value case-insensitive")
        << "Endpoint=sb://127.0.0.1;SharedAccessKeyName=a;SharedAccessKey=b;UseDevelopmentEmulator=True"
        << "sb://127.0.0.1/" << "127.0.0.1" << -1 << "a" << "b" << "" << true << true << 5672 << QStringList() << 0;
    QTest::newRow("keys case-insensitive")
        << "endpoint=sb://ns.servicebus.windows.net/;sharedaccesskeyname=Root;SHAREDACCESSKEY=abc=;entitypath=q1;"
           "usedevelopmentemulator=true"
        << "sb://ns.servicebus.windows.net/" << "ns.servicebus.windows.net" << -1 << "Root" << "abc=" << "q1"
        << true << true << 5672 << QStringList() << 0;
    QTest::newRow("whitespace around keys, values and segments")
        << "  Endpoint = sb://ns.servicebus.windows.net/ ;\n SharedAccessKeyName=\tRoot ; SharedAccessKey = x==  ;  "
        << "sb://ns.servicebus.windows.net/" << "ns.servicebus.windows.net" << -1 << "Root" << "x==" << ""
        << false << false << 5671 << QStringList() << 0;
    QTest::newRow("value keeps inner '=' and order does not matter")
        << "SharedAccessKey=a=b==;SharedAccessKeyName=n;Endpoint=sb://ns/"
        << "sb://ns/" << "ns" << -1 << "n" << "a=b==" << "" << false << false << 5671 << QStringList() << 0;
    QTest::newRow("empty segments and trailing ';;'")
        << ";;Endpoint=sb://ns/;;SharedAccessKeyName=n;SharedAccessKey=k;;"
        << "sb://ns/" << "ns" << -1 << "n" << "k" << "" << false << false << 5671 << QStringList() << 0;
    QTest::newRow("host upper case is lowered")
        << "Endpoint=sb://Contoso.ServiceBus.Windows.NET;SharedAccessKeyName=n;SharedAccessKey=k"
        << "sb://contoso.servicebus.windows.net/" << "contoso.servicebus.windows.net" << -1 << "n" << "k" << ""
        << false << false << 5671 << QStringList() << 0;
    QTest::newRow("amqps scheme is rewritten to sb")
        << "Endpoint=amqps://ns.servicebus.windows.net:5671/;SharedAccessKeyName=n;SharedAccessKey=k"
        << "sb://ns.servicebus.windows.net:5671/" << "ns.servicebus.windows.net" << 5671 << "n" << "k" << ""
        << false << false << 5671 << QStringList() << 0;
    QTest::newRow("https scheme is rewritten to sb")
        << "Endpoint=HTTPS://ns.servicebus.windows.net;SharedAccessKeyName=n;SharedAccessKey=k"
        << "sb://ns.servicebus.windows.net/" << "ns.servicebus.windows.net" << -1 << "n" << "k" << ""
        << false << false << 5671 << QStringList() << 0;
    QTest::newRow("bracketed IPv6 with port")
        << "Endpoint=sb://[::1]:5672;SharedAccessKeyName=n;SharedAccessKey=k"
        << "sb://[::1]:5672/" << "::1" << 5672 << "n" << "k" << "" << false << true << 5672 << QStringList() << 0;
    QTest::newRow("unbracketed IPv6 loopback as core-amqp allows")
        << "Endpoint=sb://::1:5673/;SharedAccessKeyName=n;SharedAccessKey=k;UseDevelopmentEmulator=true"
        << "sb://[::1]:5673/" << "::1" << 5673 << "n" << "k" << "" << true << true << 5673 << QStringList() << 0;
    QTest::newRow("unknown keys are collected")
        << "Endpoint=sb://ns/;SharedAccessKeyName=n;SharedAccessKey=k;TransportType=AmqpWebSockets;Foo=;Bar=baz"
        << "sb://ns/" << "ns" << -1 << "n" << "k" << "" << false << false << 5671
        << QStringList{QStringLiteral("TransportType"), QStringLiteral("Foo"), QStringLiteral("Bar")} << 0;
    QTest::newRow("endpoint path is ignored with a warning")
        << "Endpoint=sb://ns.servicebus.windows.net/queue1;SharedAccessKeyName=n;SharedAccessKey=k"
        << "sb://ns.servicebus.windows.net/" << "ns.servicebus.windows.net" << -1 << "n" << "k" << ""
        << false << false << 5671 << QStringList() << 1;
}

void TestConnectionString::parsesValid()
{
    QFETCH(QString, input);
    QFETCH(QString, endpoint);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(QString, keyName);
    QFETCH(QString, key);
    QFETCH(QString, entityPath);
    QFETCH(bool, emulatorFlag);
    QFETCH(bool, isEmulator);
    QFETCH(int, amqpPort);
    QFETCH(QStringList, unknownKeys);
    QFETCH(int, warnings);

    const auto cs = parseConnectionString(input.toStdString());
    QVERIFY2(cs.ok(), cs.ok() ? "" : cs.error().message.c_str());
    QCOMPARE(q(cs->endpoint), endpoint);
    QCOMPARE(q(cs->host), host);
    QCOMPARE(cs->port.value_or(-1), port);
    QCOMPARE(q(cs->sharedAccessKeyName), keyName);
    QCOMPARE(q(cs->sharedAccessKey), key);
    QVERIFY(cs->sharedAccessSignature.empty());
    QVERIFY(cs->usesSharedKey());
    QCOMPARE(q(cs->entityPath), entityPath);
    QCOMPARE(cs->useDevelopmentEmulator, emulatorFlag);
    QCOMPARE(cs->useTls(), !emulatorFlag);
    QCOMPARE(cs->isEmulator(), isEmulator);
    QCOMPARE(cs->amqpPort(), amqpPort);
    QCOMPARE(qList(cs->unknownKeys), unknownKeys);
    QCOMPARE(int(cs->warnings.size()), warnings);
}

void TestConnectionString::rejectsInvalid_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");   // fragment of the error message
    QTest::addColumn<QString>("secret");     // must not appear in the message ("" = nothing to check)

    const QString key = QStringLiteral("Zm9vYmFyYmF6c2VjcmV0a2V5dmFsdWUxMjM0NTY3OA==");
    const QString token = q(sampleToken());

    QTest::newRow("empty") << "" << "Endpoint is missing" << "";
    QTest::newRow("only separators") << " ; ;; " << "Endpoint is missing" << "";
    QTest::newRow("missing endpoint") << QStringLiteral("SharedAccessKeyName=n;SharedAccessKey=") + key << "Endpoint is missing" << key;
    QTest::newRow("segment without '='")
        << "Endpoint=sb://ns/;foo;SharedAccessKeyName=n;SharedAccessKey=k" << "segment 2 'foo' has no '='" << "";
    QTest::newRow("long segment without '=' is cut")
        << "Endpoint=sb://ns/;SharedAccessKeyName=n;SharedAccessKey=k;Zm9vYmFyYmF6c2VjcmV0a2V5dmFsdWUxMjM0NTY3OA"
        << "segment 4 'Zm9vYmFy' (42 characters) has no '='" << "Zm9vYmFyYmF6c2VjcmV0";
    QTest::newRow("empty key") << QStringLiteral("Endpoint=sb://ns/;=") + key << "segment 2 has no key before '='" << key;
    QTest::newRow("duplicate key, any case")
        << QStringLiteral("Endpoint=sb://ns/;SharedAccessKeyName=n;SharedAccessKey=") + key + QLatin1String(";sharedaccesskey=") + key
        << "SharedAccessKey is given twice (segments 3 and 4)" << key;
    QTest::newRow("duplicate endpoint")
        << "Endpoint=sb://a/;Endpoint=sb://b/;SharedAccessKeyName=n;SharedAccessKey=k"
        << "Endpoint is given twice (segments 1 and 2)" << "";
    QTest::newRow("empty key value") << "Endpoint=sb://ns/;SharedAccessKeyName=n;SharedAccessKey= ;"
                                     << "SharedAccessKey has no value (segment 3)" << "";
    QTest::newRow("empty entity path") << "Endpoint=sb://ns/;SharedAccessKeyName=n;SharedAccessKey=k;EntityPath="
                                       << "EntityPath has no value (segment 4)" << "";
    QTest::newRow("key name without key") << "Endpoint=sb://ns/;SharedAccessKeyName=n"
                                          << "SharedAccessKey is missing (needed with SharedAccessKeyName)" << "";
    QTest::newRow("key without key name") << QStringLiteral("Endpoint=sb://ns/;SharedAccessKey=") + key
                                          << "SharedAccessKeyName is missing (needed with SharedAccessKey)" << key;
    QTest::newRow("no credentials") << "Endpoint=sb://ns/;EntityPath=q" << "credentials are missing" << "";
    QTest::newRow("key and signature")
        << QStringLiteral("Endpoint=sb://ns/;SharedAccessKeyName=n;SharedAccessKey=") + key + QLatin1String(";SharedAccessSignature=") + token
        << "SharedAccessSignature cannot be combined" << key;
    QTest::newRow("signature and key name only")
        << QStringLiteral("Endpoint=sb://ns/;SharedAccessKeyName=n;SharedAccessSignature=") + token
        << "SharedAccessSignature cannot be combined" << token.mid(token.indexOf(QLatin1String("sig=")) + 4, 20);
    QTest::newRow("malformed signature")
        << "Endpoint=sb://ns/;SharedAccessSignature=sr=x&sig=c2VjcmV0c2lnbmF0dXJl&se=1&skn=n"
        << "SharedAccessSignature (segment 2) is not a valid token" << "c2VjcmV0c2lnbmF0dXJl";
    QTest::newRow("endpoint without scheme")
        << "Endpoint=ns.servicebus.windows.net;SharedAccessKeyName=n;SharedAccessKey=k"
        << "Endpoint 'ns.servicebus.windows.net' must start with sb://" << "";
    QTest::newRow("unsupported scheme") << "Endpoint=ftp://x;SharedAccessKeyName=n;SharedAccessKey=k"
                                        << "Endpoint 'ftp://x' has scheme 'ftp': use sb://" << "";
    QTest::newRow("no host") << "Endpoint=sb:///;SharedAccessKeyName=n;SharedAccessKey=k" << "has no host name" << "";
    QTest::newRow("bad host char") << "Endpoint=sb://ns$bus/;SharedAccessKeyName=n;SharedAccessKey=k"
                                   << "contains the character '$'" << "";
    QTest::newRow("port zero") << "Endpoint=sb://ns:0/;SharedAccessKeyName=n;SharedAccessKey=k"
                               << "has port '0', which is not a number from 1 to 65535" << "";
    QTest::newRow("port too big") << "Endpoint=sb://ns:65536;SharedAccessKeyName=n;SharedAccessKey=k"
                                  << "has port '65536'" << "";
    QTest::newRow("port not a number") << "Endpoint=sb://ns:abc;SharedAccessKeyName=n;SharedAccessKey=k"
                                       << "has port 'abc'" << "";
    QTest::newRow("empty port") << "Endpoint=sb://ns:/;SharedAccessKeyName=n;SharedAccessKey=k" << "has port ''" << "";
    QTest::newRow("unbracketed IPv6") << "Endpoint=sb://fe80::1:5672;SharedAccessKeyName=n;SharedAccessKey=k"
                                      << "write it in brackets" << "";
    QTest::newRow("unclosed IPv6") << "Endpoint=sb://[::1;SharedAccessKeyName=n;SharedAccessKey=k"
                                   << "without the closing ']'" << "";
    QTest::newRow("user information is not echoed")
        << "Endpoint=sb://user:hunter2pass@ns/;SharedAccessKeyName=n;SharedAccessKey=k"
        << "must not contain user information" << "hunter2pass";
    QTest::newRow("bad emulator flag")
        << "Endpoint=sb://localhost;SharedAccessKeyName=n;SharedAccessKey=k;UseDevelopmentEmulator=yes"
        << "UseDevelopmentEmulator is 'yes' but must be true or false (segment 4)" << "";
}

void TestConnectionString::rejectsInvalid()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QFETCH(QString, secret);

    const auto cs = parseConnectionString(input.toStdString());
    QVERIFY(!cs.ok());
    QCOMPARE(cs.error().code, ErrorCode::InvalidArgument);
    const QString message = q(cs.error().message);
    QVERIFY2(message.contains(expected), qPrintable(message));
    if (!secret.isEmpty())
        QVERIFY2(!message.contains(secret), qPrintable(message));
}

void TestConnectionString::acceptsSharedAccessSignature()
{
    const std::string token = sampleToken();
    const auto cs = parseConnectionString("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessSignature="
                                          + token + ";EntityPath=orders");
    QVERIFY2(cs.ok(), cs.ok() ? "" : cs.error().message.c_str());
    QCOMPARE(cs->sharedAccessSignature, token);
    QVERIFY(!cs->usesSharedKey());
    QVERIFY(cs->sharedAccessKeyName.empty());
    QVERIFY(cs->sharedAccessKey.empty());
    QCOMPARE(cs->entityPath, std::string("orders"));
    // The token itself is still usable: it parses to the audience it was made for.
    const auto parsed = parseSasToken(cs->sharedAccessSignature);
    QVERIFY(parsed.ok());
    QCOMPARE(parsed->resource, std::string("sb://contoso.servicebus.windows.net/"));
}

void TestConnectionString::roundTripsThroughToString_data()
{
    QTest::addColumn<QString>("input");
    QTest::newRow("key") << "Endpoint=amqps://NS.example:5671/x;SharedAccessKeyName=n;SharedAccessKey=a=b;EntityPath=t/Subscriptions/s";
    QTest::newRow("emulator") << QString::fromLatin1(kDevelopmentConnectionString.data(),
                                                     int(kDevelopmentConnectionString.size()));
    QTest::newRow("ipv6") << "Endpoint=sb://[::1]:5672;SharedAccessKeyName=n;SharedAccessKey=k;UseDevelopmentEmulator=true";
    QTest::newRow("signature") << QStringLiteral("Endpoint=sb://contoso.servicebus.windows.net;SharedAccessSignature=") + q(sampleToken());
}

void TestConnectionString::roundTripsThroughToString()
{
    QFETCH(QString, input);
    const auto first = parseConnectionString(input.toStdString());
    QVERIFY2(first.ok(), first.ok() ? "" : first.error().message.c_str());
    const std::string text = toString(*first, false);
    const auto second = parseConnectionString(text);
    QVERIFY2(second.ok(), text.c_str());
    QCOMPARE(second->endpoint, first->endpoint);
    QCOMPARE(second->host, first->host);
    QCOMPARE(second->port, first->port);
    QCOMPARE(second->sharedAccessKeyName, first->sharedAccessKeyName);
    QCOMPARE(second->sharedAccessKey, first->sharedAccessKey);
    QCOMPARE(second->sharedAccessSignature, first->sharedAccessSignature);
    QCOMPARE(second->entityPath, first->entityPath);
    QCOMPARE(second->useDevelopmentEmulator, first->useDevelopmentEmulator);
    QCOMPARE(toString(*second, false), text);   // canonical form is a fixed point
}

void TestConnectionString::redactsSecrets()
{
    const std::string key = "Zm9vYmFyYmF6c2VjcmV0a2V5dmFsdWUxMjM0NTY3OA==";
    auto cs = parseConnectionString("Endpoint=sb://ns/;SharedAccessKeyName=Root;SharedAccessKey=" + key);
    QVERIFY(cs.ok());
    QCOMPARE(toString(*cs, true), std::string("Endpoint=sb://ns/;SharedAccessKeyName=Root;SharedAccessKey=***;"));
    QVERIFY(toString(*cs, false).find(key) != std::string::npos);

    const std::string token = sampleToken();
    auto sas = parseConnectionString("Endpoint=sb://ns/;SharedAccessSignature=" + token);
    QVERIFY(sas.ok());
    QCOMPARE(toString(*sas, true), std::string("Endpoint=sb://ns/;SharedAccessSignature=***;"));
}

void TestConnectionString::loopbackHosts_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<bool>("loopback");
    QTest::newRow("localhost") << "localhost" << true;
    QTest::newRow("LOCALHOST") << "LOCALHOST" << true;
    QTest::newRow("127.0.0.1") << "127.0.0.1" << true;
    QTest::newRow("127.1.2.3") << "127.1.2.3" << true;
    QTest::newRow("::1") << "::1" << true;
    QTest::newRow("[::1]") << "[::1]" << true;
    QTest::newRow("long ::1") << "0:0:0:0:0:0:0:1" << true;
    QTest::newRow("127.0.0") << "127.0.0" << false;
    QTest::newRow("127.0.0.256") << "127.0.0.256" << false;
    QTest::newRow("127.example.com") << "127.example.com" << false;
    QTest::newRow("localhost.example.com") << "localhost.example.com" << false;
    QTest::newRow("10.0.0.1") << "10.0.0.1" << false;
    QTest::newRow("empty") << "" << false;
}

void TestConnectionString::loopbackHosts()
{
    QFETCH(QString, host);
    QFETCH(bool, loopback);
    QCOMPARE(isLoopbackHost(host.toStdString()), loopback);
}

void TestConnectionString::audienceFor()
{
    auto cs = parseConnectionString("Endpoint=sb://localhost:5672;SharedAccessKeyName=n;SharedAccessKey=k");
    QVERIFY(cs.ok());
    QCOMPARE(cs->audienceFor("topic1/Subscriptions/s1"), std::string("sb://localhost:5672/topic1/Subscriptions/s1"));
    QCOMPARE(cs->audienceFor("/queue1"), std::string("sb://localhost:5672/queue1"));
}

QTEST_GUILESS_MAIN(TestConnectionString)
#include "tst_connectionstring.moc"
