#include "atom.h"

#include "core/duration.h"

#include <QDateTime>
#include <QTimeZone>
#include <QUrl>
#include <QXmlStreamReader>
#include <QXmlStreamWriter>

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

namespace busyard::client::atom {

using core::Duration;
using core::Error;
using core::ErrorCode;
using core::Result;
using core::TimePoint;
using core::Value;
namespace broker = core::broker;

namespace {

constexpr std::int64_t kMsPerSecond = 1000;
constexpr std::int64_t kMsPerMinute = 60 * kMsPerSecond;
constexpr std::int64_t kMsPerHour = 60 * kMsPerMinute;
constexpr std::int64_t kMsPerDay = 24 * kMsPerHour;
constexpr const char *kSerializationNamespace = "http://schemas.microsoft.com/2003/10/Serialization/";
// .NET DateTime.MinValue in Unix milliseconds (0001-01-01T00:00:00Z).
constexpr std::int64_t kDotNetMinValueMs = -62135596800000LL;

constexpr int kMaxXmlDepth = 64;
constexpr int kMaxXmlElements = 20000;

Error invalid(const QString &message)
{
    return core::makeError(ErrorCode::InvalidArgument, message.toStdString());
}

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

std::string s(const QString &q)
{
    return q.toStdString();
}

} // namespace

// ---- durations and times ------------------------------------------------------------------------

QString formatDuration(Duration d)
{
    return QString::fromStdString(core::formatIsoDuration(d));
}

Result<Duration> parseDuration(QStringView input)
{
    // XML allows whitespace around element text; the grammar itself is core's (one parser for ATOM,
    // Config.json and the dialogs).
    return core::parseIsoDuration(input.trimmed().toString().toStdString());
}

QString formatDateTime(TimePoint t)
{
    std::int64_t ms = core::toMillisSinceEpoch(t);
    if (ms == 0 || ms < kDotNetMinValueMs)
        return QStringLiteral("0001-01-01T00:00:00Z");
    const QDateTime dt = QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc());
    QString text = dt.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss"));
    if (const int millis = dt.time().msec()) {
        QString frac = QStringLiteral("%1").arg(millis, 3, 10, QLatin1Char('0'));
        while (frac.endsWith(QLatin1Char('0')))
            frac.chop(1);
        text += QLatin1Char('.') + frac;
    }
    return text + QLatin1Char('Z');
}

Result<TimePoint> parseDateTime(QStringView input)
{
    QString text = input.trimmed().toString();
    // Qt's ISO parser wants at most milliseconds: cut longer fractions (.NET writes 7 digits).
    const qsizetype dot = text.indexOf(QLatin1Char('.'), 17);
    if (dot >= 0) {
        qsizetype end = dot + 1;
        while (end < text.size() && text[end].isDigit())
            ++end;
        if (end - dot - 1 > 3)
            text.remove(dot + 4, end - dot - 4);
    }
    if (text.startsWith(QLatin1String("0001-01-01T00:00:00")))
        return TimePoint{};
    QDateTime dt = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!dt.isValid() || text.size() < 19 || text[10] != u'T')
        return invalid(QStringLiteral("'%1' is not a valid ISO 8601 date-time").arg(input));
    if (dt.timeSpec() == Qt::LocalTime)
        dt.setTimeZone(QTimeZone::utc());
    return core::fromMillisSinceEpoch(dt.toMSecsSinceEpoch());
}

// ---- writing ------------------------------------------------------------------------------------

namespace {

QString boolText(bool b)
{
    return b ? QStringLiteral("true") : QStringLiteral("false");
}

QString encodePath(const QString &path)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(path, "/$"));
}

QString entryUrl(const AtomContext &ctx, const QString &path)
{
    return ctx.baseUrl + QLatin1Char('/') + encodePath(path) + QStringLiteral("?api-version=") + ctx.apiVersion;
}

/** "sb://authority/" for absolute ForwardTo values, derived from the base URL. */
QString forwardBase(const AtomContext &ctx)
{
    QString authority = ctx.baseUrl;
    const qsizetype scheme = authority.indexOf(QLatin1String("://"));
    if (scheme >= 0)
        authority = authority.mid(scheme + 3);
    return QStringLiteral("sb://") + authority + QLatin1Char('/');
}

class Writer
{
public:
    Writer() : m_w(&m_buffer) { m_w.writeStartDocument(); }

    QXmlStreamWriter &w() { return m_w; }

    QByteArray finish()
    {
        m_w.writeEndDocument();
        return m_buffer;
    }

    void text(const char *name, const QString &value) { m_w.writeTextElement(QLatin1String(name), value); }
    void boolean(const char *name, bool value) { text(name, boolText(value)); }
    void number(const char *name, std::int64_t value) { text(name, QString::number(value)); }
    void duration(const char *name, Duration value) { text(name, formatDuration(value)); }
    void time(const char *name, TimePoint value) { text(name, formatDateTime(value)); }

    void startDescription(const char *name)
    {
        m_w.writeStartElement(QLatin1String(name));
        m_w.writeAttribute(QStringLiteral("xmlns"), QLatin1String(kServiceBusNamespace));
        m_w.writeAttribute(QStringLiteral("xmlns:i"), QLatin1String(kSchemaInstanceNamespace));
    }

    void countDetails(const broker::RuntimeCounts &c)
    {
        m_w.writeStartElement(QStringLiteral("CountDetails"));
        // Exactly one attribute, the prefix declaration: the JS SDK derives the prefix from it.
        m_w.writeAttribute(QStringLiteral("xmlns:d2p1"), QLatin1String(kCountDetailsNamespace));
        number("d2p1:ActiveMessageCount", c.active);
        number("d2p1:DeadLetterMessageCount", c.deadLetter);
        number("d2p1:ScheduledMessageCount", c.scheduled);
        number("d2p1:TransferMessageCount", c.transfer);
        number("d2p1:TransferDeadLetterMessageCount", c.transferDeadLetter);
        m_w.writeEndElement();
    }

    void emptyElement(const char *name) { m_w.writeEmptyElement(QLatin1String(name)); }

    void startEntry(const AtomContext &ctx, const QString &path, const QString &title, TimePoint published,
                    TimePoint updated, bool declareNamespace)
    {
        const QString url = entryUrl(ctx, path);
        m_w.writeStartElement(QStringLiteral("entry"));
        if (declareNamespace)
            m_w.writeAttribute(QStringLiteral("xmlns"), QLatin1String(kAtomNamespace));
        text("id", url);
        m_w.writeStartElement(QStringLiteral("title"));
        m_w.writeAttribute(QStringLiteral("type"), QStringLiteral("text"));
        m_w.writeCharacters(title);
        m_w.writeEndElement();
        time("published", published);
        time("updated", updated);
        m_w.writeStartElement(QStringLiteral("author"));
        text("name", ctx.namespaceName);
        m_w.writeEndElement();
        m_w.writeEmptyElement(QStringLiteral("link"));
        m_w.writeAttribute(QStringLiteral("rel"), QStringLiteral("self"));
        m_w.writeAttribute(QStringLiteral("href"), url);
        m_w.writeStartElement(QStringLiteral("content"));
        m_w.writeAttribute(QStringLiteral("type"), QStringLiteral("application/xml"));
    }

    void endEntry()
    {
        m_w.writeEndElement(); // content
        m_w.writeEndElement(); // entry
    }

    void startFeed(const FeedPage &page, const AtomContext &ctx)
    {
        const QString self = entryUrl(ctx, page.path);
        m_w.writeStartElement(QStringLiteral("feed"));
        m_w.writeAttribute(QStringLiteral("xmlns"), QLatin1String(kAtomNamespace));
        m_w.writeStartElement(QStringLiteral("title"));
        m_w.writeAttribute(QStringLiteral("type"), QStringLiteral("text"));
        m_w.writeCharacters(page.title);
        m_w.writeEndElement();
        text("id", self);
        time("updated", ctx.now);
        m_w.writeEmptyElement(QStringLiteral("link"));
        m_w.writeAttribute(QStringLiteral("rel"), QStringLiteral("self"));
        m_w.writeAttribute(QStringLiteral("href"), self);
    }

    void nextLink(const FeedPage &page, qsizetype count, const AtomContext &ctx)
    {
        if (!page.hasMore)
            return;
        // The Python SDK needs exactly two links and reads $skip, $top and api-version from this one.
        const QString href = ctx.baseUrl + QLatin1Char('/') + encodePath(page.path)
            + QStringLiteral("?%24skip=%1&%24top=%2&api-version=%3").arg(page.skip + count).arg(page.top).arg(ctx.apiVersion);
        m_w.writeEmptyElement(QStringLiteral("link"));
        m_w.writeAttribute(QStringLiteral("rel"), QStringLiteral("next"));
        m_w.writeAttribute(QStringLiteral("href"), href);
    }

    void typedValue(const Value &value)
    {
        m_w.writeStartElement(QStringLiteral("Value"));
        m_w.writeAttribute(QStringLiteral("xmlns:d6p1"), QLatin1String(kSchemaNamespace));
        m_w.writeAttribute(QStringLiteral("i:type"), QStringLiteral("d6p1:") + xsdTypeName(value));
        m_w.writeCharacters(valueText(value));
        m_w.writeEndElement();
    }

    template<typename Pairs>
    void keyValues(const char *collection, const Pairs &pairs)
    {
        m_w.writeStartElement(QLatin1String(collection));
        for (const auto &[key, value] : pairs) {
            m_w.writeStartElement(QStringLiteral("KeyValueOfstringanyType"));
            text("Key", q(key));
            typedValue(value);
            m_w.writeEndElement();
        }
        m_w.writeEndElement();
    }

    static QString valueText(const Value &v)
    {
        switch (v.type()) {
        case Value::Type::Null: return {};
        case Value::Type::Bool: return boolText(v.toBool());
        case Value::Type::UByte:
        case Value::Type::UShort:
        case Value::Type::UInt:
        case Value::Type::ULong: return QString::number(v.toUInt64());
        case Value::Type::Byte:
        case Value::Type::Short:
        case Value::Type::Int:
        case Value::Type::Long: return QString::number(v.toInt64());
        case Value::Type::Float:
        case Value::Type::Double: {
            const double d = v.toDouble();
            if (std::isnan(d))
                return QStringLiteral("NaN");
            if (std::isinf(d))
                return d > 0 ? QStringLiteral("INF") : QStringLiteral("-INF");
            return QString::number(d, 'g', QLocale::FloatingPointShortest);
        }
        case Value::Type::Timestamp: return formatDateTime(v.toTimestamp());
        case Value::Type::TimeSpan: return formatDuration(Duration{v.toInt64() / 10000});
        case Value::Type::Uuid: return q(v.toUuid().toString());
        case Value::Type::String:
        case Value::Type::Symbol:
        case Value::Type::Uri: return q(v.bytes());
        default: return q(v.toDisplayString());
        }
    }

private:
    QByteArray m_buffer;
    QXmlStreamWriter m_w;
};

void writeQueue(Writer &out, const QueueItem &item, const AtomContext &ctx)
{
    const auto &d = item.description;
    const auto &c = item.counts;
    out.startDescription("QueueDescription");
    out.duration("LockDuration", d.lockDuration);
    out.number("MaxSizeInMegabytes", d.maxSizeInMegabytes);
    out.boolean("RequiresDuplicateDetection", d.requiresDuplicateDetection);
    out.boolean("RequiresSession", d.requiresSession);
    out.duration("DefaultMessageTimeToLive", d.defaultMessageTimeToLive);
    out.boolean("DeadLetteringOnMessageExpiration", d.deadLetteringOnMessageExpiration);
    out.duration("DuplicateDetectionHistoryTimeWindow", d.duplicateDetectionHistoryTimeWindow);
    out.number("MaxDeliveryCount", d.maxDeliveryCount);
    out.boolean("EnableBatchedOperations", d.enableBatchedOperations);
    out.number("SizeInBytes", c.sizeInBytes);
    out.number("MessageCount", c.messageCount());
    out.boolean("IsAnonymousAccessible", false);
    out.emptyElement("AuthorizationRules");
    out.text("Status", QString::fromLatin1(broker::entityStatusName(d.status)));
    if (!d.forwardTo.empty())
        out.text("ForwardTo", forwardBase(ctx) + q(d.forwardTo));
    if (!d.userMetadata.empty())
        out.text("UserMetadata", q(d.userMetadata));
    out.time("CreatedAt", d.createdAt);
    out.time("UpdatedAt", d.updatedAt);
    out.time("AccessedAt", d.accessedAt);
    out.boolean("SupportOrdering", d.supportOrdering);
    out.countDetails(c);
    out.duration("AutoDeleteOnIdle", d.autoDeleteOnIdle);
    out.boolean("EnablePartitioning", d.enablePartitioning);
    out.text("EntityAvailabilityStatus", QStringLiteral("Available"));
    if (!d.forwardDeadLetteredMessagesTo.empty())
        out.text("ForwardDeadLetteredMessagesTo", forwardBase(ctx) + q(d.forwardDeadLetteredMessagesTo));
    out.boolean("EnableExpress", d.enableExpress);
    out.number("MaxMessageSizeInKilobytes", d.maxMessageSizeInKilobytes);
    out.w().writeEndElement();
}

void writeTopic(Writer &out, const TopicItem &item)
{
    const auto &d = item.description;
    const auto &c = item.counts;
    out.startDescription("TopicDescription");
    out.duration("DefaultMessageTimeToLive", d.defaultMessageTimeToLive);
    out.number("MaxSizeInMegabytes", d.maxSizeInMegabytes);
    out.boolean("RequiresDuplicateDetection", d.requiresDuplicateDetection);
    out.duration("DuplicateDetectionHistoryTimeWindow", d.duplicateDetectionHistoryTimeWindow);
    out.boolean("EnableBatchedOperations", d.enableBatchedOperations);
    out.number("SizeInBytes", c.sizeInBytes);
    out.boolean("FilteringMessagesBeforePublishing", false);
    out.boolean("IsAnonymousAccessible", false);
    out.emptyElement("AuthorizationRules");
    out.text("Status", QString::fromLatin1(broker::entityStatusName(d.status)));
    out.time("CreatedAt", d.createdAt);
    out.time("UpdatedAt", d.updatedAt);
    out.time("AccessedAt", d.accessedAt);
    out.boolean("SupportOrdering", d.supportOrdering);
    out.countDetails(c);
    out.number("SubscriptionCount", c.subscriptionCount);
    out.duration("AutoDeleteOnIdle", d.autoDeleteOnIdle);
    out.boolean("EnablePartitioning", d.enablePartitioning);
    out.text("EntityAvailabilityStatus", QStringLiteral("Available"));
    out.boolean("EnableSubscriptionPartitioning", false);
    out.boolean("EnableExpress", d.enableExpress);
    if (!d.userMetadata.empty())
        out.text("UserMetadata", q(d.userMetadata));
    out.number("MaxMessageSizeInKilobytes", d.maxMessageSizeInKilobytes);
    out.w().writeEndElement();
}

void writeSubscription(Writer &out, const SubscriptionItem &item, const AtomContext &ctx)
{
    const auto &d = item.description;
    const auto &c = item.counts;
    out.startDescription("SubscriptionDescription");
    out.duration("LockDuration", d.lockDuration);
    out.boolean("RequiresSession", d.requiresSession);
    out.duration("DefaultMessageTimeToLive", d.defaultMessageTimeToLive);
    out.boolean("DeadLetteringOnMessageExpiration", d.deadLetteringOnMessageExpiration);
    out.boolean("DeadLetteringOnFilterEvaluationExceptions", d.deadLetteringOnFilterEvaluationExceptions);
    out.number("MessageCount", c.messageCount());
    out.number("MaxDeliveryCount", d.maxDeliveryCount);
    out.boolean("EnableBatchedOperations", d.enableBatchedOperations);
    out.text("Status", QString::fromLatin1(broker::entityStatusName(d.status)));
    if (!d.forwardTo.empty())
        out.text("ForwardTo", forwardBase(ctx) + q(d.forwardTo));
    out.time("CreatedAt", d.createdAt);
    out.time("UpdatedAt", d.updatedAt);
    out.time("AccessedAt", d.accessedAt);
    out.countDetails(c);
    if (!d.userMetadata.empty())
        out.text("UserMetadata", q(d.userMetadata));
    if (!d.forwardDeadLetteredMessagesTo.empty())
        out.text("ForwardDeadLetteredMessagesTo", forwardBase(ctx) + q(d.forwardDeadLetteredMessagesTo));
    out.duration("AutoDeleteOnIdle", d.autoDeleteOnIdle);
    out.text("EntityAvailabilityStatus", QStringLiteral("Available"));
    out.w().writeEndElement();
}

void writeSqlBody(Writer &out, const std::string &expression, const broker::SqlParameters &parameters)
{
    out.text("SqlExpression", q(expression));
    if (!parameters.empty())
        out.keyValues("Parameters", parameters);
    out.number("CompatibilityLevel", 20);
}

void writeTypedStart(Writer &out, const char *element, const char *type)
{
    out.w().writeStartElement(QLatin1String(element));
    out.w().writeAttribute(QStringLiteral("i:type"), QLatin1String(type));
}

void writeRule(Writer &out, const RuleItem &item)
{
    const auto &d = item.description;
    out.startDescription("RuleDescription");
    std::visit(
        [&](const auto &filter) {
            using T = std::decay_t<decltype(filter)>;
            if constexpr (std::is_same_v<T, broker::SqlFilter>) {
                writeTypedStart(out, "Filter", "SqlFilter");
                writeSqlBody(out, filter.expression, filter.parameters);
            } else if constexpr (std::is_same_v<T, broker::TrueFilter>) {
                // The JS SDK treats any filter with SqlExpression as SQL: true/false filters carry it.
                writeTypedStart(out, "Filter", "TrueFilter");
                writeSqlBody(out, "1=1", {});
            } else if constexpr (std::is_same_v<T, broker::FalseFilter>) {
                writeTypedStart(out, "Filter", "FalseFilter");
                writeSqlBody(out, "1=0", {});
            } else {
                writeTypedStart(out, "Filter", "CorrelationFilter");
                const auto optional = [&](const char *name, const std::optional<std::string> &v) {
                    if (v)
                        out.text(name, q(*v));
                };
                optional("CorrelationId", filter.correlationId);
                optional("MessageId", filter.messageId);
                optional("To", filter.to);
                optional("ReplyTo", filter.replyTo);
                optional("Label", filter.subject);
                optional("SessionId", filter.sessionId);
                optional("ReplyToSessionId", filter.replyToSessionId);
                optional("ContentType", filter.contentType);
                out.keyValues("Properties", filter.properties.entries());
            }
            out.w().writeEndElement();
        },
        d.filter);
    if (d.action) {
        writeTypedStart(out, "Action", "SqlRuleAction");
        writeSqlBody(out, d.action->expression, d.action->parameters);
        out.w().writeEndElement();
    } else {
        out.w().writeEmptyElement(QStringLiteral("Action"));
        out.w().writeAttribute(QStringLiteral("i:type"), QStringLiteral("EmptyRuleAction"));
    }
    out.time("CreatedAt", d.createdAt);
    out.text("Name", q(d.name));
    out.w().writeEndElement();
}

QString subscriptionPath(const std::string &topic, const std::string &name)
{
    return q(topic) + QStringLiteral("/Subscriptions/") + q(name);
}

QString rulePath(const RuleItem &item)
{
    return item.topicName + QStringLiteral("/Subscriptions/") + item.subscriptionName + QStringLiteral("/Rules/")
        + q(item.description.name);
}

void queueEntryInto(Writer &out, const QueueItem &item, const AtomContext &ctx, bool root)
{
    const auto &d = item.description;
    out.startEntry(ctx, q(d.name), q(d.name), d.createdAt, d.updatedAt, root);
    writeQueue(out, item, ctx);
    out.endEntry();
}

void topicEntryInto(Writer &out, const TopicItem &item, const AtomContext &ctx, bool root)
{
    const auto &d = item.description;
    out.startEntry(ctx, q(d.name), q(d.name), d.createdAt, d.updatedAt, root);
    writeTopic(out, item);
    out.endEntry();
}

void subscriptionEntryInto(Writer &out, const SubscriptionItem &item, const AtomContext &ctx, bool root)
{
    const auto &d = item.description;
    out.startEntry(ctx, subscriptionPath(d.topicName, d.name), q(d.name), d.createdAt, d.updatedAt, root);
    writeSubscription(out, item, ctx);
    out.endEntry();
}

void ruleEntryInto(Writer &out, const RuleItem &item, const AtomContext &ctx, bool root)
{
    const auto &d = item.description;
    out.startEntry(ctx, rulePath(item), q(d.name), d.createdAt, d.createdAt, root);
    writeRule(out, item);
    out.endEntry();
}

template<typename Item, typename Fn>
QByteArray feed(std::span<const Item> items, const FeedPage &page, const AtomContext &ctx, Fn entryInto)
{
    Writer out;
    out.startFeed(page, ctx);
    out.nextLink(page, qsizetype(items.size()), ctx);
    for (const Item &item : items)
        entryInto(out, item, ctx, false);
    out.w().writeEndElement();
    return out.finish();
}

} // namespace

QString xsdTypeName(const Value &value)
{
    switch (value.type()) {
    case Value::Type::Bool: return QStringLiteral("boolean");
    case Value::Type::Byte:
    case Value::Type::Short:
    case Value::Type::Int:
    case Value::Type::UByte:
    case Value::Type::UShort: return QStringLiteral("int");
    case Value::Type::UInt:
    case Value::Type::Long:
        // The JS SDK understands "int" but not "long": use "long" only where "int" cannot hold the value.
        return value.toInt64() >= std::numeric_limits<std::int32_t>::min()
                && value.toInt64() <= std::numeric_limits<std::int32_t>::max()
            ? QStringLiteral("int")
            : QStringLiteral("long");
    case Value::Type::ULong:
        return value.toUInt64() <= std::uint64_t(std::numeric_limits<std::int32_t>::max()) ? QStringLiteral("int")
                                                                                          : QStringLiteral("long");
    case Value::Type::Float:
    case Value::Type::Double: return QStringLiteral("double");
    case Value::Type::Timestamp: return QStringLiteral("dateTime");
    case Value::Type::TimeSpan: return QStringLiteral("duration");
    default: return QStringLiteral("string");
    }
}

QByteArray queueEntry(const QueueItem &item, const AtomContext &context)
{
    Writer out;
    queueEntryInto(out, item, context, true);
    return out.finish();
}

QByteArray topicEntry(const TopicItem &item, const AtomContext &context)
{
    Writer out;
    topicEntryInto(out, item, context, true);
    return out.finish();
}

QByteArray subscriptionEntry(const SubscriptionItem &item, const AtomContext &context)
{
    Writer out;
    subscriptionEntryInto(out, item, context, true);
    return out.finish();
}

QByteArray ruleEntry(const RuleItem &item, const AtomContext &context)
{
    Writer out;
    ruleEntryInto(out, item, context, true);
    return out.finish();
}

QByteArray namespaceInfoEntry(const NamespaceInfo &info, const AtomContext &context)
{
    Writer out;
    out.startEntry(context, QStringLiteral("$namespaceinfo"), info.name, info.createdTime, info.modifiedTime, true);
    out.startDescription("NamespaceInfo");
    out.time("CreatedTime", info.createdTime);
    out.text("MessagingSKU", info.messagingSku);
    if (info.messagingSku == QLatin1String("Premium"))
        out.number("MessagingUnits", info.messagingUnits);
    out.time("ModifiedTime", info.modifiedTime);
    out.text("Name", info.name);
    out.text("NamespaceType", QStringLiteral("Messaging"));
    out.w().writeEndElement();
    out.endEntry();
    return out.finish();
}

QByteArray queueFeed(std::span<const QueueItem> items, const FeedPage &page, const AtomContext &context)
{
    return feed(items, page, context, &queueEntryInto);
}

QByteArray topicFeed(std::span<const TopicItem> items, const FeedPage &page, const AtomContext &context)
{
    return feed(items, page, context, &topicEntryInto);
}

QByteArray subscriptionFeed(std::span<const SubscriptionItem> items, const FeedPage &page, const AtomContext &context)
{
    return feed(items, page, context, &subscriptionEntryInto);
}

QByteArray ruleFeed(std::span<const RuleItem> items, const FeedPage &page, const AtomContext &context)
{
    return feed(items, page, context, &ruleEntryInto);
}

QByteArray emptyFeed(const QString &title, const QString &path, const AtomContext &context)
{
    FeedPage page;
    page.title = title;
    page.path = path;
    return feed(std::span<const QueueItem>(), page, context, &queueEntryInto);
}

QByteArray errorBody(int status, const QString &detail)
{
    QByteArray buffer;
    QXmlStreamWriter w(&buffer);
    w.writeStartElement(QStringLiteral("Error"));
    w.writeTextElement(QStringLiteral("Code"), QString::number(status));
    w.writeTextElement(QStringLiteral("Detail"), detail);
    w.writeEndElement();
    return buffer;
}

// ---- reading ------------------------------------------------------------------------------------

namespace {

/** A small read-only DOM, enough for request bodies: namespaces resolved, text concatenated. */
struct XmlNode
{
    QString ns;
    QString name;
    QXmlStreamAttributes attributes;
    QXmlStreamNamespaceDeclarations declarations;
    QString text;
    XmlNode *parent = nullptr;
    std::vector<std::unique_ptr<XmlNode>> children;

    /** First child element with this local name in `namespace` (or in no namespace, for lenient input). */
    const XmlNode *child(QLatin1String local, const char *namespaceUri = kServiceBusNamespace) const
    {
        for (const auto &c : children) {
            if (c->name == local && (c->ns == QLatin1String(namespaceUri) || c->ns.isEmpty()))
                return c.get();
        }
        return nullptr;
    }

    /** First child with this local name in any namespace. */
    const XmlNode *anyChild(QLatin1String local) const
    {
        for (const auto &c : children) {
            if (c->name == local)
                return c.get();
        }
        return nullptr;
    }

    QStringView attribute(const char *namespaceUri, QLatin1String local) const
    {
        for (const auto &a : attributes) {
            if (a.name() == local && a.namespaceUri() == QLatin1String(namespaceUri))
                return a.value();
        }
        return {};
    }

    bool isNil() const { return attribute(kSchemaInstanceNamespace, QLatin1String("nil")).trimmed() == u"true"; }

    /** The local part of the xsi:type attribute ("d6p1:string" -> "string"); empty when absent. */
    QString xsiType() const
    {
        const QStringView type = attribute(kSchemaInstanceNamespace, QLatin1String("type")).trimmed();
        const qsizetype colon = type.indexOf(u':');
        return (colon >= 0 ? type.sliced(colon + 1) : type).toString();
    }
};

Result<std::unique_ptr<XmlNode>> parseXml(QByteArrayView xml)
{
    if (xml.trimmed().isEmpty())
        return invalid(QStringLiteral("The request body is empty; an Atom entry with a description was expected."));
    QXmlStreamReader reader(xml.toByteArray());
    reader.setNamespaceProcessing(true);
    std::unique_ptr<XmlNode> root;
    XmlNode *current = nullptr;
    int depth = 0;
    int elements = 0;
    // Bounded by the input size: every iteration consumes a token.
    while (!reader.atEnd()) {
        const auto token = reader.readNext();
        switch (token) {
        case QXmlStreamReader::DTD:
            return invalid(QStringLiteral("The request body contains a DTD, which is not allowed."));
        case QXmlStreamReader::EntityReference:
            return invalid(QStringLiteral("The request body references an undeclared entity."));
        case QXmlStreamReader::StartElement: {
            if (++depth > kMaxXmlDepth)
                return invalid(QStringLiteral("The request body nests elements too deeply."));
            if (++elements > kMaxXmlElements)
                return invalid(QStringLiteral("The request body has too many elements."));
            auto node = std::make_unique<XmlNode>();
            node->ns = reader.namespaceUri().toString();
            node->name = reader.name().toString();
            node->attributes = reader.attributes();
            node->declarations = reader.namespaceDeclarations();
            node->parent = current;
            XmlNode *raw = node.get();
            if (current) {
                current->children.push_back(std::move(node));
            } else if (!root) {
                root = std::move(node);
            }
            current = raw;
            break;
        }
        case QXmlStreamReader::EndElement:
            --depth;
            current = current ? current->parent : nullptr;
            break;
        case QXmlStreamReader::Characters:
            if (current)
                current->text += reader.text();
            break;
        default:
            break;
        }
    }
    if (reader.hasError()) {
        return invalid(QStringLiteral("The request body is not well-formed XML: %1 (line %2, column %3).")
                           .arg(reader.errorString())
                           .arg(reader.lineNumber())
                           .arg(reader.columnNumber()));
    }
    if (!root)
        return invalid(QStringLiteral("The request body has no root element."));
    return root;
}

/** The description element: the first element child of <entry><content>, or a bare description root. */
Result<const XmlNode *> findDescription(const XmlNode &root)
{
    if (root.name == QLatin1String("entry")) {
        const XmlNode *content = root.child(QLatin1String("content"), kAtomNamespace);
        if (!content)
            return invalid(QStringLiteral("The Atom entry has no <content> element."));
        if (content->children.empty())
            return invalid(QStringLiteral("The <content> element of the entry is empty; a description was expected."));
        return content->children.front().get();
    }
    return &root;
}

std::optional<DescriptionKind> kindOf(const XmlNode &node)
{
    if (node.ns != QLatin1String(kServiceBusNamespace) && !node.ns.isEmpty())
        return std::nullopt;
    if (node.name == QLatin1String("QueueDescription"))
        return DescriptionKind::Queue;
    if (node.name == QLatin1String("TopicDescription"))
        return DescriptionKind::Topic;
    if (node.name == QLatin1String("SubscriptionDescription"))
        return DescriptionKind::Subscription;
    if (node.name == QLatin1String("RuleDescription"))
        return DescriptionKind::Rule;
    return std::nullopt;
}

struct Document
{
    std::unique_ptr<XmlNode> root;
    const XmlNode *description = nullptr;
};

Result<Document> openDescription(QByteArrayView xml, DescriptionKind expected, const char *expectedName)
{
    auto root = parseXml(xml);
    if (!root)
        return root.error();
    auto description = findDescription(**root);
    if (!description)
        return description.error();
    const auto kind = kindOf(**description);
    if (!kind || *kind != expected) {
        return invalid(QStringLiteral("Element '%1': a %2 was expected here.")
                           .arg((*description)->name, QLatin1String(expectedName)));
    }
    Document doc;
    doc.description = *description;
    doc.root = std::move(*root);
    return doc;
}

/** Reads typed child elements of one description; the first error is kept and later reads are no-ops. */
class Fields
{
public:
    explicit Fields(const XmlNode *node) : m_node(node) {}

    const XmlNode *node(const char *name) const { return m_node->child(QLatin1String(name)); }

    void boolean(const char *name, bool &out)
    {
        const XmlNode *n = present(name);
        if (!n)
            return;
        const QString v = n->text.trimmed();
        if (v.compare(QLatin1String("true"), Qt::CaseInsensitive) == 0 || v == QLatin1String("1"))
            out = true;
        else if (v.compare(QLatin1String("false"), Qt::CaseInsensitive) == 0 || v == QLatin1String("0"))
            out = false;
        else
            fail(name, v, "a boolean (true or false)");
    }

    template<typename Int>
    void integer(const char *name, Int &out)
    {
        const XmlNode *n = present(name);
        if (!n)
            return;
        bool ok = false;
        const qlonglong v = n->text.trimmed().toLongLong(&ok);
        if (!ok || v < qlonglong(std::numeric_limits<Int>::min()) || v > qlonglong(std::numeric_limits<Int>::max()))
            fail(name, n->text.trimmed(), "an integer in range");
        else
            out = Int(v);
    }

    void duration(const char *name, Duration &out)
    {
        const XmlNode *n = present(name);
        if (!n)
            return;
        const auto d = parseDuration(n->text);
        if (!d)
            fail(name, n->text.trimmed(), "an ISO 8601 duration such as PT1M");
        else
            out = *d;
    }

    void string(const char *name, std::string &out)
    {
        const XmlNode *n = node(name);
        if (!n || m_error)
            return;
        out = n->isNil() ? std::string() : s(n->text);
    }

    void forwardTarget(const char *name, std::string &out)
    {
        const XmlNode *n = node(name);
        if (!n || m_error)
            return;
        out = n->isNil() ? std::string() : s(entityNameFromForwardTo(n->text.trimmed()));
    }

    void status(broker::EntityStatus &out)
    {
        const XmlNode *n = present("Status");
        if (!n)
            return;
        const auto st = broker::entityStatusFromName(s(n->text.trimmed()));
        if (!st)
            fail("Status", n->text.trimmed(), "Active, Disabled, SendDisabled or ReceiveDisabled");
        else
            out = *st;
    }

    void setError(Error e)
    {
        if (!m_error)
            m_error = std::move(e);
    }

    Result<void> result() const
    {
        if (m_error)
            return *m_error;
        return {};
    }

    bool failed() const { return m_error.has_value(); }

private:
    /** The element when it is present, not nil, and no error happened yet. */
    const XmlNode *present(const char *name) const
    {
        if (m_error)
            return nullptr;
        const XmlNode *n = node(name);
        return n && !n->isNil() ? n : nullptr;
    }

    void fail(const char *name, const QString &value, const char *expected)
    {
        setError(invalid(QStringLiteral("Element '%1': '%2' is not valid; expected %3.")
                             .arg(QLatin1String(name), value.left(100), QLatin1String(expected))));
    }

    const XmlNode *m_node;
    std::optional<Error> m_error;
};

Result<Value> parseTypedValue(const XmlNode &valueNode, const QString &key)
{
    if (valueNode.isNil())
        return Value::null();
    const QString type = valueNode.xsiType();
    const QString text = valueNode.text;
    const QString trimmed = text.trimmed();
    const auto bad = [&](const char *expected) {
        return invalid(QStringLiteral("Element 'Value' of key '%1': '%2' is not valid; expected %3.")
                           .arg(key, trimmed.left(100), QLatin1String(expected)));
    };
    if (type.isEmpty() || type == QLatin1String("string") || type == QLatin1String("anyURI")
        || type == QLatin1String("char"))
        return Value::string(s(text));
    if (type == QLatin1String("boolean")) {
        if (trimmed == QLatin1String("true") || trimmed == QLatin1String("1"))
            return Value::boolean(true);
        if (trimmed == QLatin1String("false") || trimmed == QLatin1String("0"))
            return Value::boolean(false);
        return bad("a boolean");
    }
    if (type == QLatin1String("int") || type == QLatin1String("short") || type == QLatin1String("byte")
        || type == QLatin1String("unsignedShort") || type == QLatin1String("unsignedByte")) {
        bool ok = false;
        const int v = trimmed.toInt(&ok);
        return ok ? Value::int32(v) : Result<Value>(bad("a 32-bit integer"));
    }
    if (type == QLatin1String("long") || type == QLatin1String("unsignedInt")) {
        bool ok = false;
        const qlonglong v = trimmed.toLongLong(&ok);
        return ok ? Value::int64(v) : Result<Value>(bad("a 64-bit integer"));
    }
    if (type == QLatin1String("unsignedLong")) {
        bool ok = false;
        const qulonglong v = trimmed.toULongLong(&ok);
        return ok ? Value::ulong(v) : Result<Value>(bad("an unsigned 64-bit integer"));
    }
    if (type == QLatin1String("double") || type == QLatin1String("float") || type == QLatin1String("decimal")) {
        if (trimmed == QLatin1String("INF"))
            return Value::float64(std::numeric_limits<double>::infinity());
        if (trimmed == QLatin1String("-INF"))
            return Value::float64(-std::numeric_limits<double>::infinity());
        if (trimmed == QLatin1String("NaN"))
            return Value::float64(std::numeric_limits<double>::quiet_NaN());
        bool ok = false;
        const double v = trimmed.toDouble(&ok);
        return ok ? Value::float64(v) : Result<Value>(bad("a number"));
    }
    if (type == QLatin1String("dateTime")) {
        const auto t = parseDateTime(trimmed);
        return t ? Value::timestamp(*t) : Result<Value>(bad("an ISO 8601 date-time"));
    }
    if (type == QLatin1String("duration")) {
        const auto d = parseDuration(trimmed);
        return d ? Value::timeSpanTicks(d->count() * 10000) : Result<Value>(bad("an ISO 8601 duration"));
    }
    if (type == QLatin1String("guid")) {
        const auto u = core::Uuid::fromString(s(trimmed));
        return u ? Value::uuid(*u) : Result<Value>(bad("a GUID"));
    }
    return invalid(QStringLiteral("Element 'Value' of key '%1': unsupported type '%2'.").arg(key, type));
}

/** Reads <KeyValueOfstringanyType><Key/><Value i:type=".."/></...> items in order. */
Result<std::vector<std::pair<std::string, Value>>> parseKeyValues(const XmlNode &collection)
{
    std::vector<std::pair<std::string, Value>> out;
    for (const auto &item : collection.children) {
        if (item->name != QLatin1String("KeyValueOfstringanyType"))
            continue;
        const XmlNode *key = item->anyChild(QLatin1String("Key"));
        const XmlNode *value = item->anyChild(QLatin1String("Value"));
        if (!key || key->text.isEmpty())
            return invalid(QStringLiteral("Element '%1': an item has no <Key>.").arg(collection.name));
        if (!value)
            return invalid(QStringLiteral("Element '%1': the item '%2' has no <Value>.").arg(collection.name, key->text));
        auto v = parseTypedValue(*value, key->text);
        if (!v)
            return v.error();
        out.emplace_back(s(key->text), std::move(*v));
    }
    return out;
}

Result<broker::SqlParameters> parseParameters(const XmlNode &parent)
{
    const XmlNode *params = parent.child(QLatin1String("Parameters"));
    if (!params || params->isNil())
        return broker::SqlParameters{};
    return parseKeyValues(*params);
}

Result<std::string> sqlExpression(const XmlNode &parent, const char *owner)
{
    const XmlNode *expr = parent.child(QLatin1String("SqlExpression"));
    if (!expr || expr->isNil())
        return invalid(QStringLiteral("Element '%1': the <SqlExpression> element is missing.").arg(QLatin1String(owner)));
    return s(expr->text);
}

Result<broker::RuleFilter> parseFilter(const XmlNode &node)
{
    QString type = node.xsiType();
    if (type.isEmpty()) {
        // Untyped filter (hand-written requests): infer it from the children.
        type = node.child(QLatin1String("SqlExpression")) ? QStringLiteral("SqlFilter")
                                                          : QStringLiteral("CorrelationFilter");
    }
    if (type == QLatin1String("SqlFilter")) {
        auto expression = sqlExpression(node, "Filter");
        if (!expression)
            return expression.error();
        auto parameters = parseParameters(node);
        if (!parameters)
            return parameters.error();
        return broker::RuleFilter{broker::SqlFilter{std::move(*expression), std::move(*parameters)}};
    }
    if (type == QLatin1String("TrueFilter"))
        return broker::RuleFilter{broker::TrueFilter{}};
    if (type == QLatin1String("FalseFilter"))
        return broker::RuleFilter{broker::FalseFilter{}};
    if (type == QLatin1String("CorrelationFilter")) {
        broker::CorrelationFilter filter;
        const auto field = [&](const char *name, std::optional<std::string> &out) {
            const XmlNode *n = node.child(QLatin1String(name));
            if (n && !n->isNil())
                out = s(n->text);
        };
        field("CorrelationId", filter.correlationId);
        field("MessageId", filter.messageId);
        field("To", filter.to);
        field("ReplyTo", filter.replyTo);
        field("Label", filter.subject);
        if (!filter.subject)
            field("Subject", filter.subject);
        field("SessionId", filter.sessionId);
        field("ReplyToSessionId", filter.replyToSessionId);
        field("ContentType", filter.contentType);
        if (const XmlNode *props = node.child(QLatin1String("Properties")); props && !props->isNil()) {
            auto pairs = parseKeyValues(*props);
            if (!pairs)
                return pairs.error();
            for (auto &[k, v] : *pairs)
                filter.properties.entries().emplace_back(std::move(k), std::move(v));
        }
        return broker::RuleFilter{std::move(filter)};
    }
    return invalid(QStringLiteral("Element 'Filter': unsupported filter type '%1'.").arg(type));
}

Result<std::optional<broker::SqlRuleAction>> parseAction(const XmlNode &node)
{
    if (node.isNil())
        return std::optional<broker::SqlRuleAction>{};
    QString type = node.xsiType();
    if (type.isEmpty())
        type = node.child(QLatin1String("SqlExpression")) ? QStringLiteral("SqlRuleAction")
                                                          : QStringLiteral("EmptyRuleAction");
    if (type == QLatin1String("EmptyRuleAction"))
        return std::optional<broker::SqlRuleAction>{};
    if (type == QLatin1String("SqlRuleAction")) {
        auto expression = sqlExpression(node, "Action");
        if (!expression)
            return expression.error();
        auto parameters = parseParameters(node);
        if (!parameters)
            return parameters.error();
        return std::optional<broker::SqlRuleAction>{broker::SqlRuleAction{std::move(*expression), std::move(*parameters)}};
    }
    return invalid(QStringLiteral("Element 'Action': unsupported action type '%1'.").arg(type));
}

Result<void> applyRule(const XmlNode &description, broker::RuleDescription &rule)
{
    if (const XmlNode *filter = description.child(QLatin1String("Filter")); filter && !filter->isNil()) {
        auto parsed = parseFilter(*filter);
        if (!parsed)
            return parsed.error();
        rule.filter = std::move(*parsed);
    }
    if (const XmlNode *action = description.child(QLatin1String("Action"))) {
        auto parsed = parseAction(*action);
        if (!parsed)
            return parsed.error();
        rule.action = std::move(*parsed);
    } else {
        rule.action.reset();
    }
    if (const XmlNode *name = description.child(QLatin1String("Name")); name && !name->isNil()) {
        if (!name->text.trimmed().isEmpty())
            rule.name = s(name->text.trimmed());
    }
    return {};
}

} // namespace

Result<DescriptionKind> descriptionKind(QByteArrayView xml)
{
    auto root = parseXml(xml);
    if (!root)
        return root.error();
    auto description = findDescription(**root);
    if (!description)
        return description.error();
    if (const auto kind = kindOf(**description))
        return *kind;
    return invalid(QStringLiteral("Element '%1' is not a QueueDescription, TopicDescription, SubscriptionDescription "
                                  "or RuleDescription.")
                       .arg((*description)->name));
}

Result<void> parseQueueDescription(QByteArrayView xml, broker::QueueDescription &queue)
{
    auto doc = openDescription(xml, DescriptionKind::Queue, "QueueDescription");
    if (!doc)
        return doc.error();
    broker::QueueDescription d = queue;
    Fields f(doc->description);
    f.duration("LockDuration", d.lockDuration);
    f.integer("MaxSizeInMegabytes", d.maxSizeInMegabytes);
    f.boolean("RequiresDuplicateDetection", d.requiresDuplicateDetection);
    f.boolean("RequiresSession", d.requiresSession);
    f.duration("DefaultMessageTimeToLive", d.defaultMessageTimeToLive);
    f.boolean("DeadLetteringOnMessageExpiration", d.deadLetteringOnMessageExpiration);
    f.duration("DuplicateDetectionHistoryTimeWindow", d.duplicateDetectionHistoryTimeWindow);
    f.integer("MaxDeliveryCount", d.maxDeliveryCount);
    f.boolean("EnableBatchedOperations", d.enableBatchedOperations);
    f.status(d.status);
    f.forwardTarget("ForwardTo", d.forwardTo);
    f.string("UserMetadata", d.userMetadata);
    f.boolean("SupportOrdering", d.supportOrdering);
    f.duration("AutoDeleteOnIdle", d.autoDeleteOnIdle);
    f.boolean("EnablePartitioning", d.enablePartitioning);
    f.forwardTarget("ForwardDeadLetteredMessagesTo", d.forwardDeadLetteredMessagesTo);
    f.boolean("EnableExpress", d.enableExpress);
    f.integer("MaxMessageSizeInKilobytes", d.maxMessageSizeInKilobytes);
    if (f.failed())
        return f.result();
    queue = std::move(d);
    return {};
}

Result<void> parseTopicDescription(QByteArrayView xml, broker::TopicDescription &topic)
{
    auto doc = openDescription(xml, DescriptionKind::Topic, "TopicDescription");
    if (!doc)
        return doc.error();
    broker::TopicDescription d = topic;
    Fields f(doc->description);
    f.duration("DefaultMessageTimeToLive", d.defaultMessageTimeToLive);
    f.integer("MaxSizeInMegabytes", d.maxSizeInMegabytes);
    f.boolean("RequiresDuplicateDetection", d.requiresDuplicateDetection);
    f.duration("DuplicateDetectionHistoryTimeWindow", d.duplicateDetectionHistoryTimeWindow);
    f.boolean("EnableBatchedOperations", d.enableBatchedOperations);
    f.status(d.status);
    f.string("UserMetadata", d.userMetadata);
    f.boolean("SupportOrdering", d.supportOrdering);
    f.duration("AutoDeleteOnIdle", d.autoDeleteOnIdle);
    f.boolean("EnablePartitioning", d.enablePartitioning);
    f.boolean("EnableExpress", d.enableExpress);
    f.integer("MaxMessageSizeInKilobytes", d.maxMessageSizeInKilobytes);
    if (f.failed())
        return f.result();
    topic = std::move(d);
    return {};
}

Result<std::optional<broker::RuleDescription>>
parseSubscriptionDescription(QByteArrayView xml, broker::SubscriptionDescription &subscription)
{
    auto doc = openDescription(xml, DescriptionKind::Subscription, "SubscriptionDescription");
    if (!doc)
        return doc.error();
    broker::SubscriptionDescription d = subscription;
    Fields f(doc->description);
    f.duration("LockDuration", d.lockDuration);
    f.boolean("RequiresSession", d.requiresSession);
    f.duration("DefaultMessageTimeToLive", d.defaultMessageTimeToLive);
    f.boolean("DeadLetteringOnMessageExpiration", d.deadLetteringOnMessageExpiration);
    f.boolean("DeadLetteringOnFilterEvaluationExceptions", d.deadLetteringOnFilterEvaluationExceptions);
    f.integer("MaxDeliveryCount", d.maxDeliveryCount);
    f.boolean("EnableBatchedOperations", d.enableBatchedOperations);
    f.status(d.status);
    f.forwardTarget("ForwardTo", d.forwardTo);
    f.string("UserMetadata", d.userMetadata);
    f.forwardTarget("ForwardDeadLetteredMessagesTo", d.forwardDeadLetteredMessagesTo);
    f.duration("AutoDeleteOnIdle", d.autoDeleteOnIdle);
    if (f.failed())
        return f.result().error();
    std::optional<broker::RuleDescription> defaultRule;
    if (const XmlNode *rule = f.node("DefaultRuleDescription"); rule && !rule->isNil()) {
        broker::RuleDescription r;
        if (auto applied = applyRule(*rule, r); !applied)
            return applied.error();
        defaultRule = std::move(r);
    }
    subscription = std::move(d);
    return defaultRule;
}

Result<void> parseRuleDescription(QByteArrayView xml, broker::RuleDescription &rule)
{
    auto doc = openDescription(xml, DescriptionKind::Rule, "RuleDescription");
    if (!doc)
        return doc.error();
    broker::RuleDescription r = rule;
    if (auto applied = applyRule(*doc->description, r); !applied)
        return applied;
    rule = std::move(r);
    return {};
}

QString entityNameFromForwardTo(QStringView value)
{
    QStringView v = value.trimmed();
    const qsizetype scheme = v.indexOf(u"://");
    if (scheme >= 0) {
        const qsizetype slash = v.indexOf(u'/', scheme + 3);
        v = slash >= 0 ? v.sliced(slash + 1) : QStringView();
    }
    const qsizetype query = v.indexOf(u'?');
    if (query >= 0)
        v = v.first(query);
    while (v.startsWith(u'/'))
        v = v.sliced(1);
    while (v.endsWith(u'/'))
        v.chop(1);
    return v.toString();
}

} // namespace busyard::client::atom
