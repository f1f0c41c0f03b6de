#pragma once

#include "core/broker/entities.h"
#include "core/clock.h"
#include "core/result.h"
#include "core/value.h"

#include <QByteArray>
#include <QString>

#include <optional>
#include <span>

/**
 * ATOM/XML serialisation of the Service Bus management API (servicebus-amqp.md §7.2-§7.8): the entry and
 * feed envelopes, QueueDescription, TopicDescription, SubscriptionDescription, RuleDescription (filters,
 * actions, typed key/value collections), NamespaceInfo and the error body.
 *
 * Output follows the real service byte-for-byte where the SDKs care: element order of §7.3-§7.6,
 * Service Bus elements in the default namespace, `xmlns:i` for XMLSchema-instance, `CountDetails` with
 * exactly one attribute (`xmlns:d2p1`), typed values as `i:type="d6p1:<type>"`, ids with capitalised
 * `Subscriptions`/`Rules` segments and titles equal to the entity name.
 *
 * Input is parsed by namespace URI (any prefixes, any element order); unknown elements are ignored.
 * Malformed XML, a wrong root or an invalid value fails with ErrorCode::InvalidArgument and a message
 * naming the element. Read-only elements (counts, CreatedAt, ...) in requests are ignored. Value ranges
 * are not checked here: that is core::broker::validate()'s job.
 *
 * Pure functions, no state; safe on any thread.
 */
namespace busyard::client::atom {

inline constexpr const char *kAtomNamespace = "http://www.w3.org/2005/Atom";
inline constexpr const char *kServiceBusNamespace = "http://schemas.microsoft.com/netservices/2010/10/servicebus/connect";
inline constexpr const char *kSchemaInstanceNamespace = "http://www.w3.org/2001/XMLSchema-instance";
inline constexpr const char *kSchemaNamespace = "http://www.w3.org/2001/XMLSchema";
inline constexpr const char *kCountDetailsNamespace = "http://schemas.microsoft.com/netservices/2011/06/servicebus";
inline constexpr const char *kDefaultApiVersion = "2021-05";

// ---- ISO 8601 durations and times ---------------------------------------------------------------

/**
 * XSD duration as .NET's XmlConvert writes a TimeSpan: "PT1M", "PT1M30S", "P14D", "PT0.5S", "PT0S";
 * negative values get a leading '-'. core::kMaxDuration (and anything larger) is written as
 * "P10675199DT2H48M5.4775807S", TimeSpan.MaxValue.
 */
QString formatDuration(core::Duration d);

/**
 * Parses an XSD/ISO 8601 duration: optional '-', 'P', then nY (365 days), nM (30 days), nW, nD, and after
 * 'T' nH, nM, n[.fraction]S. Fractions below a millisecond are truncated; values at or beyond
 * TimeSpan.MaxValue saturate to core::kMaxDuration. InvalidArgument for anything else ("", "P", "PT",
 * "1M", "PT1.S", "P1H", overflowing digit runs, ...).
 */
core::Result<core::Duration> parseDuration(QStringView text);

/**
 * UTC date-time "2018-10-09T19:56:34Z" (milliseconds appended when non-zero: "...34.123Z"). The zero
 * TimePoint (the engine's "never", e.g. AccessedAt of an untouched entity) is written as .NET's
 * DateTime.MinValue "0001-01-01T00:00:00Z".
 */
QString formatDateTime(core::TimePoint t);

/** Parses an ISO 8601 date-time with 'Z' or an offset (no offset = UTC); sub-ms digits are truncated. */
core::Result<core::TimePoint> parseDateTime(QStringView text);

// ---- serialisation ------------------------------------------------------------------------------

/** Where the entries live: ids and links are `<baseUrl>/<path>?api-version=<apiVersion>`. */
struct AtomContext
{
    QString baseUrl = QStringLiteral("https://localhost"); ///< scheme + authority, no trailing '/'
    QString namespaceName = QStringLiteral("sbemulatorns"); ///< <author><name> and NamespaceInfo Name
    QString apiVersion = QString::fromLatin1(kDefaultApiVersion);
    core::TimePoint now{};                                  ///< <updated> of feeds
};

struct QueueItem
{
    core::broker::QueueDescription description;
    core::broker::RuntimeCounts counts;
};

struct TopicItem
{
    core::broker::TopicDescription description;
    core::broker::RuntimeCounts counts;
};

struct SubscriptionItem
{
    core::broker::SubscriptionDescription description;
    core::broker::RuntimeCounts counts;
};

struct RuleItem
{
    QString topicName;
    QString subscriptionName;
    core::broker::RuleDescription description;
};

struct NamespaceInfo
{
    QString name = QStringLiteral("sbemulatorns");
    QString messagingSku = QStringLiteral("Standard"); ///< Basic, Standard, Premium
    int messagingUnits = 0;                            ///< written for Premium only
    core::TimePoint createdTime{};
    core::TimePoint modifiedTime{};
};

/**
 * One page of a list. `skip`/`top` are the request's paging (top = page size); `hasMore` adds the
 * `<link rel="next">` with `$skip=skip+count&$top=top`. `path` is the list's path ("$Resources/Queues",
 * "<topic>/Subscriptions", "<topic>/Subscriptions/<sub>/Rules").
 */
struct FeedPage
{
    QString title;  ///< "Queues", "Topics", "Subscriptions", "Rules"
    QString path;
    qsizetype skip = 0;
    qsizetype top = 100;
    bool hasMore = false;
};

QByteArray queueEntry(const QueueItem &item, const AtomContext &context);
QByteArray topicEntry(const TopicItem &item, const AtomContext &context);
QByteArray subscriptionEntry(const SubscriptionItem &item, const AtomContext &context);
QByteArray ruleEntry(const RuleItem &item, const AtomContext &context);
QByteArray namespaceInfoEntry(const NamespaceInfo &info, const AtomContext &context);

QByteArray queueFeed(std::span<const QueueItem> items, const FeedPage &page, const AtomContext &context);
QByteArray topicFeed(std::span<const TopicItem> items, const FeedPage &page, const AtomContext &context);
QByteArray subscriptionFeed(std::span<const SubscriptionItem> items, const FeedPage &page, const AtomContext &context);
QByteArray ruleFeed(std::span<const RuleItem> items, const FeedPage &page, const AtomContext &context);
/** A feed without entries: what the service answers for a GET of a missing queue or topic. */
QByteArray emptyFeed(const QString &title, const QString &path, const AtomContext &context);

/** `<Error><Code>status</Code><Detail>detail</Detail></Error>` (§7.8). */
QByteArray errorBody(int status, const QString &detail);

/** The XSD type name written for a value ("string", "int", "long", "double", "boolean", "dateTime", ...). */
QString xsdTypeName(const core::Value &value);

// ---- parsing ------------------------------------------------------------------------------------

/** The description kind inside a request entry (the first child element of <content>). */
enum class DescriptionKind { Queue, Topic, Subscription, Rule };

/**
 * Reads the root of a request body: an Atom `<entry>` whose `<content>` holds a Service Bus description,
 * or a bare description element. InvalidArgument for malformed XML, a DTD, an empty body, or a root
 * that is none of QueueDescription, TopicDescription, SubscriptionDescription, RuleDescription.
 */
core::Result<DescriptionKind> descriptionKind(QByteArrayView xml);

/** Applies the elements present in the body to `queue` (start from defaults for create, from the stored
 *  entity for update). The name is not touched. */
core::Result<void> parseQueueDescription(QByteArrayView xml, core::broker::QueueDescription &queue);
core::Result<void> parseTopicDescription(QByteArrayView xml, core::broker::TopicDescription &topic);
/** Also returns the optional `<DefaultRuleDescription>` (a rule whose name defaults to "$Default"). */
core::Result<std::optional<core::broker::RuleDescription>>
parseSubscriptionDescription(QByteArrayView xml, core::broker::SubscriptionDescription &subscription);
/** Filter (SqlFilter, CorrelationFilter, TrueFilter, FalseFilter), Action (SqlRuleAction,
 *  EmptyRuleAction) and Name. A missing Filter leaves the filter unchanged; a missing Action or an
 *  EmptyRuleAction clears the action. */
core::Result<void> parseRuleDescription(QByteArrayView xml, core::broker::RuleDescription &rule);

/**
 * Turns a ForwardTo value into an entity name: "sb://host[:port]/queue1", "https://host/queue1" and
 * "queue1" all give "queue1" (trailing '/' dropped). Empty stays empty.
 */
QString entityNameFromForwardTo(QStringView value);

} // namespace busyard::client::atom
