#include "managementclient.h"

#include "clienterror.h"

#include "core/auth/sastoken.h"
#include "core/logging.h"

// The ATOM codec shared with the emulator; moves to core/client with the lead (see the header).
#include "core/client/atom.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <QUrlQuery>
#include <QXmlStreamReader>
#include <QXmlStreamWriter>

namespace busyard::client {

namespace broker = core::broker;
using core::ErrorCode;
using core::Result;

namespace {

auto log() { return core::logger("client"); }

constexpr int kPageSize = 100;

QString q(const std::string &s) { return QString::fromStdString(s); }

/** Percent-encodes each '/'-separated segment of an entity path. */
QString encodePath(const QString &path)
{
    QStringList segments = path.split(QLatin1Char('/'));
    for (QString &s : segments)
        s = QString::fromLatin1(QUrl::toPercentEncoding(s));
    return segments.join(QLatin1Char('/'));
}

/** Read-only parts of a response entry that atom::parse*Description() leave alone. */
struct EntryFacts
{
    QString title;
    bool hasContent = false;
    core::TimePoint createdAt{};
    core::TimePoint updatedAt{};
    core::TimePoint accessedAt{};
    broker::RuntimeCounts counts;
    std::optional<std::int64_t> messageCount;
};

EntryFacts readFacts(const QByteArray &entry)
{
    EntryFacts facts;
    QXmlStreamReader xml(entry);
    int depth = 0;
    int contentDepth = -1;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isEndElement()) {
            --depth;
            continue;
        }
        if (!xml.isStartElement())
            continue;
        ++depth;
        const QStringView name = xml.name();
        if (depth == 2 && name == QLatin1String("title")) {
            facts.title = xml.readElementText();
            --depth;
        } else if (depth == 2 && name == QLatin1String("content")) {
            contentDepth = depth;
        } else if (contentDepth > 0 && depth == contentDepth + 1) {
            facts.hasContent = true;
        } else if (contentDepth > 0 && depth >= contentDepth + 2) {
            auto integer = [&] { return xml.readElementText().trimmed().toLongLong(); };
            auto time = [&] {
                auto t = atom::parseDateTime(xml.readElementText().trimmed());
                return t ? *t : core::TimePoint{};
            };
            bool consumed = true;
            if (name == QLatin1String("CreatedAt"))
                facts.createdAt = time();
            else if (name == QLatin1String("UpdatedAt"))
                facts.updatedAt = time();
            else if (name == QLatin1String("AccessedAt"))
                facts.accessedAt = time();
            else if (name == QLatin1String("SizeInBytes"))
                facts.counts.sizeInBytes = integer();
            else if (name == QLatin1String("MessageCount"))
                facts.messageCount = integer();
            else if (name == QLatin1String("SubscriptionCount"))
                facts.counts.subscriptionCount = integer();
            else if (name == QLatin1String("ActiveMessageCount"))
                facts.counts.active = integer();
            else if (name == QLatin1String("DeadLetterMessageCount"))
                facts.counts.deadLetter = integer();
            else if (name == QLatin1String("ScheduledMessageCount"))
                facts.counts.scheduled = integer();
            else if (name == QLatin1String("TransferMessageCount"))
                facts.counts.transfer = integer();
            else if (name == QLatin1String("TransferDeadLetterMessageCount"))
                facts.counts.transferDeadLetter = integer();
            else
                consumed = false;
            if (consumed)
                --depth; // readElementText() consumed the end element
        }
    }
    return facts;
}

bool isFeed(const QByteArray &xml)
{
    QXmlStreamReader reader(xml);
    while (!reader.atEnd()) {
        reader.readNext();
        if (reader.isStartElement())
            return reader.name() == QLatin1String("feed");
    }
    return false;
}

/** The detail of an `<Error><Code/><Detail/></Error>` body, or the body's text. */
std::string errorDetail(const QByteArray &body)
{
    QXmlStreamReader xml(body);
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement() && xml.name() == QLatin1String("Detail"))
            return xml.readElementText().toStdString();
    }
    return body.left(300).toStdString();
}

Result<QueueInfo> toQueue(const QByteArray &entry)
{
    QueueInfo info;
    if (auto r = atom::parseQueueDescription(entry, info.description); !r)
        return r.error();
    const EntryFacts facts = readFacts(entry);
    info.description.name = facts.title.toStdString();
    info.description.createdAt = facts.createdAt;
    info.description.updatedAt = facts.updatedAt;
    info.description.accessedAt = facts.accessedAt;
    info.counts = facts.counts;
    return info;
}

Result<TopicInfo> toTopic(const QByteArray &entry)
{
    TopicInfo info;
    if (auto r = atom::parseTopicDescription(entry, info.description); !r)
        return r.error();
    const EntryFacts facts = readFacts(entry);
    info.description.name = facts.title.toStdString();
    info.description.createdAt = facts.createdAt;
    info.description.updatedAt = facts.updatedAt;
    info.description.accessedAt = facts.accessedAt;
    info.counts = facts.counts;
    return info;
}

Result<SubscriptionInfo> toSubscription(const std::string &topic, const QByteArray &entry)
{
    SubscriptionInfo info;
    auto parsed = atom::parseSubscriptionDescription(entry, info.description);
    if (!parsed)
        return parsed.error();
    const EntryFacts facts = readFacts(entry);
    info.description.topicName = topic;
    info.description.name = facts.title.toStdString();
    info.description.createdAt = facts.createdAt;
    info.description.updatedAt = facts.updatedAt;
    info.description.accessedAt = facts.accessedAt;
    info.counts = facts.counts;
    return info;
}

Result<broker::RuleDescription> toRule(const QByteArray &entry)
{
    broker::RuleDescription rule;
    if (auto r = atom::parseRuleDescription(entry, rule); !r)
        return r.error();
    const EntryFacts facts = readFacts(entry);
    if (!facts.title.isEmpty())
        rule.name = facts.title.toStdString();
    rule.createdAt = facts.createdAt;
    return rule;
}

template<typename T, typename F>
Result<std::vector<T>> convertAll(const std::vector<QByteArray> &entries, F convert)
{
    std::vector<T> out;
    out.reserve(entries.size());
    for (const QByteArray &e : entries) {
        auto item = convert(e);
        if (!item)
            return item.error();
        out.push_back(std::move(item.value()));
    }
    return out;
}

/** A single entry response: not found when it is an (empty) feed or has no content. */
template<typename T, typename F>
void single(Result<QByteArray> reply, const std::string &what, Callback<T> &done, F convert)
{
    if (!reply) {
        done(reply.error());
        return;
    }
    if (isFeed(*reply) || !readFacts(*reply).hasContent) {
        done(httpError(404, "The messaging entity '" + what + "' could not be found."));
        return;
    }
    done(convert(*reply));
}

} // namespace

ManagementClient::ManagementClient(core::ConnectionString connectionString, ConnectionOptions options, QObject *parent)
    : QObject(parent)
    , m_cs(std::move(connectionString))
    , m_options(std::move(options))
    , m_network(new QNetworkAccessManager(this))
{
    m_base = m_options.managementUrl;
    if (m_base.isEmpty()) {
        m_base.setHost(q(m_cs.host));
        if (m_cs.useDevelopmentEmulator) {
            m_base.setScheme(QStringLiteral("http"));
            m_base.setPort(5300);
        } else {
            m_base.setScheme(QStringLiteral("https"));
            if (m_cs.port)
                m_base.setPort(*m_cs.port);
        }
    }
    m_network->setAutoDeleteReplies(true);
    m_network->setTransferTimeout(int(m_options.operationTimeout.count()));
}

ManagementClient::~ManagementClient() = default;

QByteArray ManagementClient::authorization() const
{
    if (!m_cs.usesSharedKey())
        return QByteArray::fromStdString(m_cs.sharedAccessSignature);
    // Signed for the namespace root of the host we talk to: the service compares host and path only
    // (scheme and port are ignored), and a namespace-wide token covers every entity path.
    const std::string audience = "https://" + m_base.host().toStdString() + "/";
    const auto now = std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now());
    return QByteArray::fromStdString(
        core::createSasToken(audience, m_cs.sharedAccessKeyName, m_cs.sharedAccessKey, now + m_options.tokenLifetime));
}

void ManagementClient::send(const QByteArray &verb, const QString &path, const QByteArray &body, bool ifMatch, Reply done,
                            const QString &extraQuery)
{
    QUrl url = m_base;
    QString base = url.path();
    if (!base.endsWith(QLatin1Char('/')))
        base += QLatin1Char('/');
    url.setPath(base + path, QUrl::TolerantMode);
    QUrlQuery query(extraQuery);
    query.addQueryItem(QStringLiteral("api-version"), QString::fromLatin1(atom::kDefaultApiVersion));
    url.setQuery(query);

    QNetworkRequest request(url);
    request.setRawHeader("Authorization", authorization());
    request.setRawHeader("Accept", "application/xml");
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/atom+xml;type=entry;charset=utf-8"));
    if (ifMatch)
        request.setRawHeader("If-Match", "*");
    if (!m_options.caCertificates.isEmpty()) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.addCaCertificates(m_options.caCertificates);
        request.setSslConfiguration(tls);
    }
    request.setTransferTimeout(int(m_options.operationTimeout.count()));
    QNetworkReply *reply = m_network->sendCustomRequest(request, verb, body);
    log()->debug("client: {} {}", verb.toStdString(), url.path().toStdString());
    connect(reply, &QNetworkReply::finished, this, [reply, done = std::move(done), verb] {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray data = reply->readAll();
        if (status == 0) {
            const bool timedOut = reply->error() == QNetworkReply::OperationCanceledError
                                  || reply->error() == QNetworkReply::TimeoutError;
            if (timedOut)
                done(timeoutError("HTTP " + verb.toStdString(), 0));
            else
                done(brokerError(kConditionConnectFailed, reply->errorString().toStdString()));
            return;
        }
        if (status < 200 || status >= 300) {
            done(httpError(status, errorDetail(data)));
            return;
        }
        done(data);
    });
}

Result<std::vector<QByteArray>> ManagementClient::splitFeed(const QByteArray &xml)
{
    std::vector<QByteArray> entries;
    QXmlStreamReader reader(xml);
    QByteArray current;
    std::unique_ptr<QXmlStreamWriter> writer;
    int depth = 0;
    while (!reader.atEnd()) {
        reader.readNext();
        if (reader.hasError())
            break;
        if (reader.isStartElement()) {
            ++depth;
            if (depth == 2 && reader.name() == QLatin1String("entry")) {
                current.clear();
                writer = std::make_unique<QXmlStreamWriter>(&current);
                writer->writeStartDocument();
                writer->writeDefaultNamespace(QString::fromLatin1(atom::kAtomNamespace));
                writer->writeStartElement(QString::fromLatin1(atom::kAtomNamespace), QStringLiteral("entry"));
                continue;
            }
        }
        if (reader.isEndElement()) {
            --depth;
            if (depth == 1 && writer) {
                writer->writeEndElement();
                writer->writeEndDocument();
                writer.reset();
                entries.push_back(current);
                continue;
            }
        }
        if (writer && !reader.isStartDocument() && !reader.isEndDocument())
            writer->writeCurrentToken(reader);
    }
    if (reader.hasError())
        return core::makeError(ErrorCode::InvalidArgument, "malformed ATOM feed: " + reader.errorString().toStdString());
    return entries;
}

void ManagementClient::getAll(const QString &path, std::vector<QByteArray> collected, int skip,
                              std::function<void(Result<std::vector<QByteArray>>)> done)
{
    send("GET", path, {}, false,
         [this, path, collected = std::move(collected), skip, done = std::move(done)](Result<QByteArray> reply) mutable {
             if (!reply) {
                 done(reply.error());
                 return;
             }
             auto entries = splitFeed(*reply);
             if (!entries) {
                 done(entries.error());
                 return;
             }
             const int got = int(entries->size());
             for (auto &e : *entries)
                 collected.push_back(std::move(e));
             if (got < kPageSize || skip > 100000) {
                 done(std::move(collected));
                 return;
             }
             getAll(path, std::move(collected), skip + got, std::move(done));
         },
         QStringLiteral("$skip=%1&$top=%2").arg(skip).arg(kPageSize));
}

// ---- queues ---------------------------------------------------------------------------------------------

void ManagementClient::listQueues(Callback<std::vector<QueueInfo>> done)
{
    getAll(QStringLiteral("$Resources/Queues"), {}, 0, [done = std::move(done)](Result<std::vector<QByteArray>> r) {
        if (!r)
            done(r.error());
        else
            done(convertAll<QueueInfo>(*r, toQueue));
    });
}

void ManagementClient::getQueue(const std::string &name, Callback<QueueInfo> done)
{
    send("GET", encodePath(q(name)), {}, false, [name, done = std::move(done)](Result<QByteArray> r) mutable {
        single<QueueInfo>(std::move(r), name, done, toQueue);
    });
}

void ManagementClient::putQueue(const broker::QueueDescription &queue, bool update, Callback<QueueInfo> done)
{
    atom::AtomContext context;
    context.baseUrl = m_base.toString(QUrl::RemovePath | QUrl::StripTrailingSlash);
    const QByteArray body = atom::queueEntry(atom::QueueItem{queue, {}}, context);
    send("PUT", encodePath(q(queue.name)), body, update, [name = queue.name, done = std::move(done)](Result<QByteArray> r) mutable {
        single<QueueInfo>(std::move(r), name, done, toQueue);
    });
}

// ---- topics ---------------------------------------------------------------------------------------------

void ManagementClient::listTopics(Callback<std::vector<TopicInfo>> done)
{
    getAll(QStringLiteral("$Resources/Topics"), {}, 0, [done = std::move(done)](Result<std::vector<QByteArray>> r) {
        if (!r)
            done(r.error());
        else
            done(convertAll<TopicInfo>(*r, toTopic));
    });
}

void ManagementClient::getTopic(const std::string &name, Callback<TopicInfo> done)
{
    send("GET", encodePath(q(name)), {}, false, [name, done = std::move(done)](Result<QByteArray> r) mutable {
        single<TopicInfo>(std::move(r), name, done, toTopic);
    });
}

void ManagementClient::putTopic(const broker::TopicDescription &topic, bool update, Callback<TopicInfo> done)
{
    atom::AtomContext context;
    context.baseUrl = m_base.toString(QUrl::RemovePath | QUrl::StripTrailingSlash);
    const QByteArray body = atom::topicEntry(atom::TopicItem{topic, {}}, context);
    send("PUT", encodePath(q(topic.name)), body, update, [name = topic.name, done = std::move(done)](Result<QByteArray> r) mutable {
        single<TopicInfo>(std::move(r), name, done, toTopic);
    });
}

// ---- subscriptions --------------------------------------------------------------------------------------

void ManagementClient::listSubscriptions(const std::string &topic, Callback<std::vector<SubscriptionInfo>> done)
{
    getAll(encodePath(q(topic)) + QStringLiteral("/Subscriptions"), {}, 0,
           [topic, done = std::move(done)](Result<std::vector<QByteArray>> r) {
               if (!r)
                   done(r.error());
               else
                   done(convertAll<SubscriptionInfo>(*r, [&](const QByteArray &e) { return toSubscription(topic, e); }));
           });
}

void ManagementClient::getSubscription(const std::string &topic, const std::string &name, Callback<SubscriptionInfo> done)
{
    send("GET", encodePath(q(topic)) + QStringLiteral("/Subscriptions/") + encodePath(q(name)), {}, false,
         [topic, name, done = std::move(done)](Result<QByteArray> r) mutable {
             single<SubscriptionInfo>(std::move(r), topic + "/Subscriptions/" + name, done,
                                      [&](const QByteArray &e) { return toSubscription(topic, e); });
         });
}

void ManagementClient::putSubscription(const broker::SubscriptionDescription &subscription, bool update,
                                       Callback<SubscriptionInfo> done)
{
    atom::AtomContext context;
    context.baseUrl = m_base.toString(QUrl::RemovePath | QUrl::StripTrailingSlash);
    const QByteArray body = atom::subscriptionEntry(atom::SubscriptionItem{subscription, {}}, context);
    const std::string topic = subscription.topicName;
    const std::string name = subscription.name;
    send("PUT", encodePath(q(topic)) + QStringLiteral("/Subscriptions/") + encodePath(q(name)), body, update,
         [topic, name, done = std::move(done)](Result<QByteArray> r) mutable {
             single<SubscriptionInfo>(std::move(r), topic + "/Subscriptions/" + name, done,
                                      [&](const QByteArray &e) { return toSubscription(topic, e); });
         });
}

// ---- rules ----------------------------------------------------------------------------------------------

void ManagementClient::listRules(const std::string &topic, const std::string &subscription,
                                 Callback<std::vector<broker::RuleDescription>> done)
{
    getAll(encodePath(q(topic)) + QStringLiteral("/Subscriptions/") + encodePath(q(subscription)) + QStringLiteral("/Rules"),
           {}, 0, [done = std::move(done)](Result<std::vector<QByteArray>> r) {
               if (!r)
                   done(r.error());
               else
                   done(convertAll<broker::RuleDescription>(*r, toRule));
           });
}

void ManagementClient::getRule(const std::string &topic, const std::string &subscription, const std::string &name,
                               Callback<broker::RuleDescription> done)
{
    const QString path = encodePath(q(topic)) + QStringLiteral("/Subscriptions/") + encodePath(q(subscription))
                         + QStringLiteral("/Rules/") + encodePath(q(name));
    send("GET", path, {}, false, [name, done = std::move(done)](Result<QByteArray> r) mutable {
        single<broker::RuleDescription>(std::move(r), name, done, toRule);
    });
}

void ManagementClient::putRule(const std::string &topic, const std::string &subscription,
                               const broker::RuleDescription &rule, bool update, Callback<broker::RuleDescription> done)
{
    atom::AtomContext context;
    context.baseUrl = m_base.toString(QUrl::RemovePath | QUrl::StripTrailingSlash);
    const QByteArray body = atom::ruleEntry(atom::RuleItem{q(topic), q(subscription), rule}, context);
    const QString path = encodePath(q(topic)) + QStringLiteral("/Subscriptions/") + encodePath(q(subscription))
                         + QStringLiteral("/Rules/") + encodePath(q(rule.name));
    send("PUT", path, body, update, [name = rule.name, done = std::move(done)](Result<QByteArray> r) mutable {
        single<broker::RuleDescription>(std::move(r), name, done, toRule);
    });
}

void ManagementClient::deleteEntity(const std::string &path, Callback<void> done)
{
    send("DELETE", encodePath(q(path)), {}, false, [done = std::move(done)](Result<QByteArray> r) {
        if (!r)
            done(r.error());
        else
            done({});
    });
}

} // namespace busyard::client
