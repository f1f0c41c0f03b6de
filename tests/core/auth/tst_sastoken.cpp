#include "core/auth/connectionstring.h"
#include "core/auth/encoding.h"
#include "core/auth/sastoken.h"

#include <QMessageAuthenticationCode>
#include <QUrl>
#include <QtTest>

using namespace busyard::core;

namespace {

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

std::string bytes(const QByteArray &b)
{
    return std::string(b.constData(), std::size_t(b.size()));
}

QByteArray qbytes(const std::string &s)
{
    return QByteArray(s.data(), qsizetype(s.size()));
}

/** The raw (still URL-encoded) value of one field of a token, split independently of parseSasToken. */
QByteArray rawField(const std::string &token, const QByteArray &name)
{
    const QByteArray text = qbytes(token).mid(qbytes(token).indexOf(' ') + 1);
    for (const QByteArray &field : text.split('&')) {
        if (field.startsWith(QByteArray(name + '=')))
            return field.mid(name.size() + 1);
    }
    return {};
}

/** Azure's encodeURIComponent, computed with Qt: RFC 3986 unreserved plus !*'() stay literal. */
QByteArray encodeUriComponent(const QByteArray &text)
{
    return QUrl::toPercentEncoding(QString::fromUtf8(text), "!*'()");
}

const TimePoint kExpiry = fromMillisSinceEpoch(1'700'003'600'000LL);   // 2023-11-14T23:13:20Z
const std::string kKey = "kT0jeNwO0yLkhsbeNyQ+oIZ4zD0b6ZfBNm4rFOx1uDU=";
const std::string kSecondary = "c2Vjb25kYXJ5LWtleS0xMjM0NTY3ODkwYWJjZGVmZ2g=";

SharedAccessPolicy policy(std::string name, AccessRights rights, std::string entity = {})
{
    return SharedAccessPolicy{std::move(name), kKey, kSecondary, rights, std::move(entity)};
}

SasToken parsed(const std::string &text)
{
    auto token = parseSasToken(text);
    if (!token) {
        qWarning("unexpected parse failure: %s", token.error().message.c_str());
        return {};
    }
    return std::move(token).value();
}

} // namespace

class TestSasToken : public QObject
{
    Q_OBJECT

private slots:
    void base64KnownAnswers_data();
    void base64KnownAnswers();
    void base64RejectsMalformed_data();
    void base64RejectsMalformed();
    void urlEncodingMatchesQt_data();
    void urlEncodingMatchesQt();
    void urlDecodeRejectsBadEscapes();
    void hmacKnownAnswers();
    void tokenMatchesAzureSdk_data();
    void tokenMatchesAzureSdk();
    void signatureMatchesQt_data();
    void signatureMatchesQt();
    void parsesPythonStyleToken();
    void parsesFieldsInAnyOrder();
    void rejectsMalformed_data();
    void rejectsMalformed();
    void expiry();
    void wrongKeyAndTampering();
    void secondaryKey();
    void unknownKeyName();
    void audienceScope_data();
    void audienceScope();
    void validateChecksAudience();
    void claims_data();
    void claims();
    void entityPolicy();
    void developmentDefaults();
};

void TestSasToken::base64KnownAnswers_data()
{
    QTest::addColumn<QByteArray>("plain");
    QTest::addColumn<QByteArray>("encoded");
    // RFC 4648 section 10.
    QTest::newRow("empty") << QByteArray() << QByteArray();
    QTest::newRow("f") << QByteArray("f") << QByteArray("Zg==");
    QTest::newRow("fo") << QByteArray("fo") << QByteArray("Zm8=");
    QTest::newRow("foo") << QByteArray("foo") << QByteArray("Zm9v");
    QTest::newRow("foob") << QByteArray("foob") << QByteArray("Zm9vYg==");
    QTest::newRow("fooba") << QByteArray("fooba") << QByteArray("Zm9vYmE=");
    QTest::newRow("foobar") << QByteArray("foobar") << QByteArray("Zm9vYmFy");
    QTest::newRow("binary") << QByteArray::fromHex("00ff10fbef7f80") << QByteArray::fromHex("00ff10fbef7f80").toBase64();
}

void TestSasToken::base64KnownAnswers()
{
    QFETCH(QByteArray, plain);
    QFETCH(QByteArray, encoded);
    QCOMPARE(qbytes(base64Encode(bytes(plain))), encoded);
    const auto decoded = base64Decode(bytes(encoded));
    QVERIFY(decoded.ok());
    QCOMPARE(qbytes(*decoded), plain);
}

void TestSasToken::base64RejectsMalformed_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("length") << QByteArray("Zm9");
    QTest::newRow("bad char") << QByteArray("Zm9*");
    QTest::newRow("url-safe alphabet") << QByteArray("ab-_");
    QTest::newRow("padding in middle") << QByteArray("Zg==Zm8=");
    QTest::newRow("data after padding") << QByteArray("Zm=v");
    QTest::newRow("three pads") << QByteArray("Z===");
    QTest::newRow("space") << QByteArray("Zm 9");
}

void TestSasToken::base64RejectsMalformed()
{
    QFETCH(QByteArray, text);
    const auto decoded = base64Decode(bytes(text));
    QVERIFY(!decoded.ok());
    QCOMPARE(decoded.error().code, ErrorCode::InvalidArgument);
}

void TestSasToken::urlEncodingMatchesQt_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("audience") << QByteArray("sb://ns.servicebus.windows.net:5672/topic/Subscriptions/s1");
    QTest::newRow("base64") << QByteArray("ab+/cd==");
    QTest::newRow("marks") << QByteArray("-_.!~*'() &=?#%;,:@$");
    QTest::newRow("utf-8") << QByteArray("caf\xc3\xa9/\xe2\x82\xac");
    QTest::newRow("controls") << QByteArray("a\nb\tc\x7f", 6);
}

void TestSasToken::urlEncodingMatchesQt()
{
    QFETCH(QByteArray, text);
    const std::string encoded = urlEncode(bytes(text));
    QCOMPARE(qbytes(encoded), encodeUriComponent(text));
    const auto decoded = urlDecode(encoded);
    QVERIFY(decoded.ok());
    QCOMPARE(qbytes(*decoded), text);
}

void TestSasToken::urlDecodeRejectsBadEscapes()
{
    QCOMPARE(urlDecode("a+b%2fc%2F").value(), std::string("a b/c/"));
    for (const char *bad : {"%", "%2", "%zz", "abc%g0", "%%41"}) {
        const auto decoded = urlDecode(bad);
        QVERIFY2(!decoded.ok(), bad);
        QVERIFY(q(decoded.error().message).contains(QLatin1String("position")));
    }
}

void TestSasToken::hmacKnownAnswers()
{
    // RFC 4231 test cases 1 and 2.
    QCOMPARE(qbytes(hmacSha256(std::string(20, '\x0b'), "Hi There")).toHex(),
             QByteArray("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
    QCOMPARE(qbytes(hmacSha256("Jefe", "what do ya want for nothing?")).toHex(),
             QByteArray("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
    // Empty key and data are valid HMAC inputs.
    QCOMPARE(qbytes(hmacSha256("", "")),
             QMessageAuthenticationCode::hash(QByteArray(), QByteArray(), QCryptographicHash::Sha256));
}

void TestSasToken::tokenMatchesAzureSdk_data()
{
    QTest::addColumn<QString>("audience");
    QTest::addColumn<QString>("keyName");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("expected");
    // Produced by @azure/core-amqp 4.4.2 createSasTokenProvider(...).getToken(audience) with
    // Date.now() fixed at 1700000000000 (so se = 1700003600).
    QTest::newRow("emulator queue")
        << "sb://localhost/queue.1" << "RootManageSharedAccessKey" << "SAS_KEY_VALUE"
        << "SharedAccessSignature sr=sb%3A%2F%2Flocalhost%2Fqueue.1&sig=vuRGlUwIpKCNI3NFUn2oYIq8OVoEpVLpoz98avwhZhY%3D"
           "&se=1700003600&skn=RootManageSharedAccessKey";
    QTest::newRow("port, marks, utf-8 key name")
        << QString::fromUtf8("sb://contoso.servicebus.windows.net:5672/topic1/Subscriptions/sub 1(x)!*'~")
        << QString::fromUtf8("my policy/\xc3\xbc") << q(kKey)
        << "SharedAccessSignature sr=sb%3A%2F%2Fcontoso.servicebus.windows.net%3A5672%2Ftopic1%2FSubscriptions%2F"
           "sub%201(x)!*'~&sig=Knz86ydXH0wTLu8Xq46s9k2bObE0UNOLz8L0V0MEvgc%3D&se=1700003600&skn=my%20policy%2F%C3%BC";
}

void TestSasToken::tokenMatchesAzureSdk()
{
    QFETCH(QString, audience);
    QFETCH(QString, keyName);
    QFETCH(QString, key);
    QFETCH(QString, expected);
    const std::string token = createSasToken(audience.toStdString(), keyName.toStdString(), key.toStdString(), kExpiry);
    QCOMPARE(q(token), expected);

    const auto back = parseSasToken(token);
    QVERIFY(back.ok());
    QCOMPARE(q(back->resource), audience);
    QCOMPARE(q(back->keyName), keyName);
    QCOMPARE(back->expiry, kExpiry);
    const SharedAccessPolicy p{keyName.toStdString(), key.toStdString(), {}, AccessRights{AccessRight::Send}, {}};
    QVERIFY(verifySasToken(*back, {p}, kExpiry - Duration{1}).ok());
}

void TestSasToken::signatureMatchesQt_data()
{
    QTest::addColumn<QString>("audience");
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<qint64>("expiryMs");
    QTest::newRow("namespace") << "sb://ns.servicebus.windows.net/" << QByteArray("SAS_KEY_VALUE") << qint64(1'700'000'000'999);
    QTest::newRow("dlq") << "amqps://ns/q/$DeadLetterQueue" << QByteArray(kKey.c_str()) << qint64(4'102'444'800'000);
    QTest::newRow("utf-8 key") << QString::fromUtf8("sb://h/\xe6\x97\xa5") << QByteArray("k\xc3\xa9y") << qint64(1000);
    QTest::newRow("empty audience") << "" << QByteArray("x") << qint64(0);
}

void TestSasToken::signatureMatchesQt()
{
    QFETCH(QString, audience);
    QFETCH(QByteArray, key);
    QFETCH(qint64, expiryMs);
    const std::string token = createSasToken(audience.toStdString(), "policy", bytes(key), fromMillisSinceEpoch(expiryMs));

    // Rebuild every field with Qt and compare.
    const QByteArray sr = encodeUriComponent(audience.toUtf8());
    const QByteArray se = QByteArray::number(expiryMs / 1000);
    const QByteArray mac = QMessageAuthenticationCode::hash(sr + '\n' + se, key, QCryptographicHash::Sha256);
    QCOMPARE(rawField(token, "sr"), sr);
    QCOMPARE(rawField(token, "se"), se);
    QCOMPARE(rawField(token, "sig"), encodeUriComponent(mac.toBase64()));
    QCOMPARE(rawField(token, "skn"), QByteArray("policy"));
    QVERIFY(token.rfind("SharedAccessSignature sr=", 0) == 0);

    if (!audience.isEmpty()) {
        const auto back = parseSasToken(token);
        QVERIFY(back.ok());
        QCOMPARE(qbytes(back->signature), mac);
        QCOMPARE(qbytes(back->stringToSign), sr + '\n' + se);
    }
}

void TestSasToken::parsesPythonStyleToken()
{
    // Made with Python: urllib.parse.quote_plus for sr and sig (spaces as '+'), hmac/hashlib for sig.
    const std::string token =
        "SharedAccessSignature sr=sb%3A%2F%2Flocalhost%3A5672%2Fqueue+1%2F%24management"
        "&sig=6g%2Fj3OVrgA5xwU9QNjHKUQAw2EWuzckVueiWR29PeBU%3D&se=1700003600&skn=RootManageSharedAccessKey";
    const auto back = parseSasToken(token);
    QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
    QCOMPARE(back->resource, std::string("sb://localhost:5672/queue 1/$management"));
    const auto grant = validateSasToken(*back, {developmentPolicy()}, "amqp://localhost/queue 1/$management",
                                        AccessRight::Listen, kExpiry - Duration{1000});
    QVERIFY2(grant.ok(), grant.ok() ? "" : grant.error().message.c_str());
    QCOMPARE(grant->rights.bits(), AccessRights::all().bits());
    QCOMPARE(grant->expiry, kExpiry);
}

void TestSasToken::parsesFieldsInAnyOrder()
{
    const std::string token = createSasToken("sb://ns/q", "p", kKey, kExpiry);
    const QByteArray sr = rawField(token, "sr"), sig = rawField(token, "sig"), se = rawField(token, "se");
    const QByteArray reordered = "  SharedAccessSignature  skn=p&se=" + se + "&extra=1&&sig=" + sig + "&SR=" + sr + " \n";
    const auto back = parseSasToken(bytes(reordered));
    QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
    QCOMPARE(back->resource, std::string("sb://ns/q"));
    QVERIFY(verifySasToken(*back, {policy("p", {AccessRight::Send})}, kExpiry - Duration{1}).ok());
}

void TestSasToken::rejectsMalformed_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<QString>("expected");

    const std::string good = createSasToken("sb://ns/q", "p", kKey, kExpiry);
    const QByteArray sig = rawField(good, "sig");
    const QByteArray tail = "&se=1700003600&skn=p";

    QTest::newRow("empty") << QByteArray() << "must start with 'SharedAccessSignature '";
    QTest::newRow("no prefix") << "sr=sb%3A%2F%2Fns&sig=" + sig + tail << "must start with 'SharedAccessSignature '";
    QTest::newRow("prefix glued") << "SharedAccessSignaturesr=x&sig=" + sig + tail << "must start with";
    QTest::newRow("prefix only") << QByteArray("SharedAccessSignature ") << "must start with";
    QTest::newRow("field without '='") << "SharedAccessSignature sr=x&sig=" + sig + "&junk" + tail
                                       << "field 3 has no '='";
    QTest::newRow("missing sr") << "SharedAccessSignature sig=" + sig + tail << "has no sr";
    QTest::newRow("empty sr") << "SharedAccessSignature sr=&sig=" + sig + tail << "has no sr";
    QTest::newRow("missing sig") << QByteArray("SharedAccessSignature sr=x") + tail << "has no sig";
    QTest::newRow("missing se") << "SharedAccessSignature sr=x&sig=" + sig + "&skn=p" << "has no se";
    QTest::newRow("missing skn") << "SharedAccessSignature sr=x&sig=" + sig + "&se=1" << "has no skn";
    QTest::newRow("duplicate sr") << "SharedAccessSignature sr=x&sr=y&sig=" + sig + tail << "'sr' appears more than once";
    QTest::newRow("se not a number") << "SharedAccessSignature sr=x&sig=" + sig + "&se=12ab&skn=p"
                                     << "se '12ab' is not a whole number";
    QTest::newRow("se negative") << "SharedAccessSignature sr=x&sig=" + sig + "&se=-5&skn=p" << "se '-5'";
    QTest::newRow("se fractional") << "SharedAccessSignature sr=x&sig=" + sig + "&se=1.5&skn=p" << "se '1.5'";
    QTest::newRow("se too long") << "SharedAccessSignature sr=x&sig=" + sig + "&se=123456789012345678901&skn=p"
                                 << "is not a whole number";
    QTest::newRow("bad escape in sr") << "SharedAccessSignature sr=sb%3&sig=" + sig + tail
                                      << "sr is not valid URL encoding: bad '%' escape at position 2";
    QTest::newRow("bad escape in sig") << "SharedAccessSignature sr=x&sig=%ZZ" + sig + tail << "sig is not valid URL";
    QTest::newRow("sig not base64") << "SharedAccessSignature sr=x&sig=***notbase64***" + tail << "sig is not valid base64";
    QTest::newRow("raw '+' in sig")
        << "SharedAccessSignature sr=x&sig=kT0jeNwO0yLkhsbeNyQ+oIZ4zD0b6ZfBNm4rFOx1uDU=" + tail << "must be URL-encoded as %2B";
    QTest::newRow("sig wrong length") << "SharedAccessSignature sr=x&sig=Zm9vYmFy" + tail << "6 bytes, not a 32-byte";
}

void TestSasToken::rejectsMalformed()
{
    QFETCH(QByteArray, token);
    QFETCH(QString, expected);
    const auto result = parseSasToken(bytes(token));
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, ErrorCode::Unauthorized);
    const QString message = q(result.error().message);
    QVERIFY2(message.contains(expected), qPrintable(message));
    QVERIFY2(!message.contains(QLatin1String("sig=")), qPrintable(message));
}

void TestSasToken::expiry()
{
    VirtualClock clock(kExpiry - Duration{2000});
    const SasToken token = parsed(createSasToken("sb://ns/q", "p", kKey, kExpiry));
    const std::vector<SharedAccessPolicy> policies{policy("p", {AccessRight::Send})};

    auto grant = validateSasToken(token, policies, "sb://ns/q", AccessRight::Send, clock.now());
    QVERIFY(grant.ok());
    QCOMPARE(grant->expiry, kExpiry);

    clock.advance(Duration{1999});   // 1 ms before se: still valid
    QVERIFY(validateSasToken(token, policies, "sb://ns/q", AccessRight::Send, clock.now()).ok());

    clock.advance(Duration{1});      // at se: expired
    const auto expired = validateSasToken(token, policies, "sb://ns/q", AccessRight::Send, clock.now());
    QVERIFY(!expired.ok());
    QCOMPARE(expired.error().code, ErrorCode::Unauthorized);
    QVERIFY2(q(expired.error().message).contains(QLatin1String("expired at 2023-11-14T23:13:20.000Z")),
             expired.error().message.c_str());

    // Expiry is whole seconds: a sub-second TimePoint is rounded down.
    const SasToken rounded = parsed(createSasToken("sb://ns/q", "p", kKey, kExpiry + Duration{999}));
    QCOMPARE(rounded.expiry, kExpiry);

    // se beyond DateTime.MaxValue is capped rather than overflowing.
    const SasToken far = parsed(createSasToken("sb://ns/q", "p", kKey, kMaxTime));
    QVERIFY(far.expiry <= kMaxTime);
    QVERIFY(far.expiry > fromMillisSinceEpoch(253402300000000LL));
}

void TestSasToken::wrongKeyAndTampering()
{
    const std::vector<SharedAccessPolicy> policies{policy("p", AccessRights::all())};
    const TimePoint now = kExpiry - Duration{60'000};

    const std::string wrongKey = "d3Jvbmcta2V5LXZhbHVlLTEyMzQ1Njc4OTBhYmNkZWY=";
    const auto wrong = verifySasToken(parsed(createSasToken("sb://ns/q", "p", wrongKey, kExpiry)), policies, now);
    QVERIFY(!wrong.ok());
    QCOMPARE(wrong.error().code, ErrorCode::Unauthorized);
    QVERIFY(q(wrong.error().message).contains(QLatin1String("signature does not match the keys of policy 'p'")));
    for (const std::string &secret : {wrongKey, kKey, kSecondary})
        QVERIFY(wrong.error().message.find(secret) == std::string::npos);

    // Changing any signed field breaks the signature.
    const std::string good = createSasToken("sb://ns/q", "p", kKey, kExpiry);
    QVERIFY(verifySasToken(parsed(good), policies, now).ok());
    std::string longer = good;
    longer.replace(longer.find("se=1700003600"), 13, "se=1800003600");
    QVERIFY(!verifySasToken(parsed(longer), policies, now).ok());
    std::string otherQueue = good;
    otherQueue.replace(otherQueue.find("%2Fq&"), 5, "%2Fr&");
    QVERIFY(!verifySasToken(parsed(otherQueue), policies, now).ok());
}

void TestSasToken::secondaryKey()
{
    const TimePoint now = kExpiry - Duration{60'000};
    const SasToken bySecondary = parsed(createSasToken("sb://ns/q", "p", kSecondary, kExpiry));
    QVERIFY(verifySasToken(bySecondary, {policy("p", {AccessRight::Listen})}, now).ok());

    // An empty key never matches, even a token signed with the empty key.
    SharedAccessPolicy noSecondary = policy("p", {AccessRight::Listen});
    noSecondary.secondaryKey.clear();
    QVERIFY(!verifySasToken(bySecondary, {noSecondary}, now).ok());
    const SasToken byEmpty = parsed(createSasToken("sb://ns/q", "p", "", kExpiry));
    QVERIFY(!verifySasToken(byEmpty, {noSecondary}, now).ok());
}

void TestSasToken::unknownKeyName()
{
    const SasToken token = parsed(createSasToken("sb://ns/q", "Other", kKey, kExpiry));
    const auto result = verifySasToken(token, {policy("p", AccessRights::all())}, kExpiry - Duration{1});
    QVERIFY(!result.ok());
    QVERIFY(q(result.error().message).contains(QLatin1String("no shared access policy named 'Other'")));
}

void TestSasToken::audienceScope_data()
{
    QTest::addColumn<QString>("token");
    QTest::addColumn<QString>("target");
    QTest::addColumn<bool>("covers");
    QTest::newRow("same") << "sb://ns/queue1" << "sb://ns/queue1" << true;
    QTest::newRow("prefix boundary") << "sb://ns/queue1" << "sb://ns/queue10" << false;
    QTest::newRow("sub path") << "sb://ns/queue1" << "sb://ns/queue1/$management" << true;
    QTest::newRow("trailing slash on token") << "sb://ns/queue1/" << "sb://ns/queue1/$DeadLetterQueue" << true;
    QTest::newRow("narrower token") << "sb://ns/queue1/$management" << "sb://ns/queue1" << false;
    QTest::newRow("namespace token") << "sb://ns/" << "sb://ns/topic/Subscriptions/s1" << true;
    QTest::newRow("namespace without slash") << "sb://ns" << "sb://ns/q" << true;
    QTest::newRow("case-insensitive") << "SB://NS.ServiceBus.Windows.Net/Topic1" << "sb://ns.servicebus.windows.net/topic1/subscriptions/S1" << true;
    QTest::newRow("scheme amqps vs sb") << "sb://ns/q" << "amqps://ns/q" << true;
    QTest::newRow("scheme https vs sb") << "https://ns/q" << "sb://ns/q" << true;
    QTest::newRow("port ignored") << "sb://localhost:5672/q" << "amqp://localhost/q" << true;
    QTest::newRow("other host") << "sb://ns1/q" << "sb://ns2/q" << false;
    QTest::newRow("host is not a path prefix") << "sb://ns/" << "sb://ns2/" << false;
    QTest::newRow("bare target path") << "sb://localhost/q" << "q/$management" << true;
    QTest::newRow("bare path other entity") << "sb://localhost/q" << "/q2" << false;
    QTest::newRow("duplicate slashes") << "sb://ns//t1/" << "sb://ns/t1//subscriptions/s" << true;
    QTest::newRow("query ignored") << "sb://ns/q?x=1" << "sb://ns/q" << true;
    QTest::newRow("ipv6 port") << "sb://[::1]:5672/q" << "sb://[::1]/q" << true;
    QTest::newRow("sibling topic") << "sb://ns/topic/Subscriptions/s1" << "sb://ns/topic/Subscriptions/s2" << false;
}

void TestSasToken::audienceScope()
{
    QFETCH(QString, token);
    QFETCH(QString, target);
    QFETCH(bool, covers);
    QCOMPARE(sasAudienceCovers(token.toStdString(), target.toStdString()), covers);
}

void TestSasToken::validateChecksAudience()
{
    const std::vector<SharedAccessPolicy> policies{policy("p", AccessRights::all())};
    const TimePoint now = kExpiry - Duration{1};
    const SasToken token = parsed(createSasToken("sb://ns/queue1", "p", kKey, kExpiry));
    QVERIFY(validateSasToken(token, policies, "sb://ns/queue1/$management", AccessRight::Listen, now).ok());
    const auto other = validateSasToken(token, policies, "sb://ns/queue10", AccessRight::Listen, now);
    QVERIFY(!other.ok());
    QCOMPARE(other.error().code, ErrorCode::Unauthorized);
    QVERIFY2(q(other.error().message).contains(QLatin1String("'sb://ns/queue1' does not cover 'sb://ns/queue10'")),
             other.error().message.c_str());
}

void TestSasToken::claims_data()
{
    QTest::addColumn<int>("policyRights");
    QTest::addColumn<int>("required");
    QTest::addColumn<bool>("ok");
    const auto bits = [](AccessRights r) { return int(r.bits()); };
    QTest::newRow("send has send") << bits({AccessRight::Send}) << int(AccessRight::Send) << true;
    QTest::newRow("send lacks listen") << bits({AccessRight::Send}) << int(AccessRight::Listen) << false;
    QTest::newRow("send lacks manage") << bits({AccessRight::Send}) << int(AccessRight::Manage) << false;
    QTest::newRow("listen lacks send") << bits({AccessRight::Listen}) << int(AccessRight::Send) << false;
    QTest::newRow("manage implies send") << bits({AccessRight::Manage}) << int(AccessRight::Send) << true;
    QTest::newRow("manage implies listen") << bits({AccessRight::Manage}) << int(AccessRight::Listen) << true;
    QTest::newRow("send+listen lacks manage") << bits({AccessRight::Send, AccessRight::Listen})
                                              << int(AccessRight::Manage) << false;
    QTest::newRow("none") << 0 << int(AccessRight::Listen) << false;
}

void TestSasToken::claims()
{
    QFETCH(int, policyRights);
    QFETCH(int, required);
    QFETCH(bool, ok);
    AccessRights rights;
    for (const AccessRight r : {AccessRight::Listen, AccessRight::Send, AccessRight::Manage}) {
        if (policyRights & int(r))
            rights.insert(r);
    }
    const SasToken token = parsed(createSasToken("sb://ns/", "p", kKey, kExpiry));
    const auto result = validateSasToken(token, {policy("p", rights)}, "sb://ns/q", AccessRight(required),
                                         kExpiry - Duration{1});
    QCOMPARE(result.ok(), ok);
    if (ok) {
        QCOMPARE(result->rights.bits(), rights.effective().bits());
        QVERIFY(result->rights.grants(AccessRight(required)));
    } else {
        QCOMPARE(result.error().code, ErrorCode::Unauthorized);
        const QString expected = QStringLiteral("lacks the claim ") + QLatin1String(accessRightName(AccessRight(required)));
        QVERIFY2(q(result.error().message).contains(expected), result.error().message.c_str());
    }
}

void TestSasToken::entityPolicy()
{
    const std::vector<SharedAccessPolicy> policies{policy("orders-send", {AccessRight::Send}, "orders")};
    const TimePoint now = kExpiry - Duration{1};
    // Even a namespace-wide token signed with an entity rule only reaches that entity.
    const SasToken token = parsed(createSasToken("sb://ns/", "orders-send", kKey, kExpiry));
    QVERIFY(validateSasToken(token, policies, "sb://ns/orders", AccessRight::Send, now).ok());
    QVERIFY(validateSasToken(token, policies, "sb://ns/Orders/$management", AccessRight::Send, now).ok());
    const auto other = validateSasToken(token, policies, "sb://ns/orders2", AccessRight::Send, now);
    QVERIFY(!other.ok());
    QVERIFY2(q(other.error().message).contains(QLatin1String("belongs to entity 'orders'")), other.error().message.c_str());
}

void TestSasToken::developmentDefaults()
{
    QCOMPARE(kDevelopmentKeyName, std::string_view("RootManageSharedAccessKey"));
    QCOMPARE(kDevelopmentKey, std::string_view("SAS_KEY_VALUE"));
    const SharedAccessPolicy dev = developmentPolicy();
    QCOMPARE(dev.rights.bits(), AccessRights::all().bits());
    QVERIFY(dev.entityPath.empty());
    QCOMPARE(toString(dev.rights), std::string("Manage, Send, Listen"));
    QCOMPARE(toString(AccessRights{}), std::string("none"));

    // A client configured with the documented string signs tokens the emulator accepts.
    const auto cs = parseConnectionString(kDevelopmentConnectionString);
    QVERIFY(cs.ok());
    const std::string token = createSasToken(cs->audienceFor("topic.1/Subscriptions/subscription.1"),
                                             cs->sharedAccessKeyName, cs->sharedAccessKey, kExpiry);
    const auto grant = validateSasToken(parsed(token), {dev}, "amqp://localhost/topic.1/Subscriptions/subscription.1",
                                        AccessRight::Listen, kExpiry - Duration{1});
    QVERIFY2(grant.ok(), grant.ok() ? "" : grant.error().message.c_str());
    QCOMPARE(grant->keyName, std::string(kDevelopmentKeyName));
}

QTEST_GUILESS_MAIN(TestSasToken)
#include "tst_sastoken.moc"
