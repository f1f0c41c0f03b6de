#pragma once

#include "clienttypes.h"

#include "core/auth/connectionstring.h"

#include <QByteArray>
#include <QObject>
#include <QUrl>

#include <functional>
#include <string>
#include <vector>

class QNetworkAccessManager;

namespace busyard::client {

/**
 * The Service Bus management plane over the ATOM/XML HTTP API (servicebus-amqp.md §7), with
 * QNetworkAccessManager. Requests carry `Authorization: SharedAccessSignature ...` signed for the
 * base URL (or the connection string's SAS token) and `api-version=2021-05`.
 *
 * The XML codec (core/client/atom.*: entries for request bodies, description parsing) is shared
 * with the emulator's management API. What it does not parse (feeds, names, timestamps and counts
 * of responses) is read here.
 *
 * A GET of a missing queue or topic answers 200 with an empty feed on Azure: reported as
 * EntityNotFound like a 404.
 *
 * Thread: lives on the NamespaceConnection's worker thread; callbacks run synchronously there.
 * Every request is bounded by ConnectionOptions::operationTimeout.
 */
class ManagementClient : public QObject
{
    Q_OBJECT

public:
    ManagementClient(core::ConnectionString connectionString, ConnectionOptions options, QObject *parent = nullptr);
    ~ManagementClient() override;

    /** The base URL in use (ConnectionOptions::managementUrl or the derived default). */
    QUrl baseUrl() const { return m_base; }

    void listQueues(Callback<std::vector<QueueInfo>> done);
    void getQueue(const std::string &name, Callback<QueueInfo> done);
    /** `update` = PUT with If-Match: * (the entity must exist). */
    void putQueue(const core::broker::QueueDescription &queue, bool update, Callback<QueueInfo> done);

    void listTopics(Callback<std::vector<TopicInfo>> done);
    void getTopic(const std::string &name, Callback<TopicInfo> done);
    void putTopic(const core::broker::TopicDescription &topic, bool update, Callback<TopicInfo> done);

    void listSubscriptions(const std::string &topic, Callback<std::vector<SubscriptionInfo>> done);
    void getSubscription(const std::string &topic, const std::string &name, Callback<SubscriptionInfo> done);
    void putSubscription(const core::broker::SubscriptionDescription &subscription, bool update,
                         Callback<SubscriptionInfo> done);

    void listRules(const std::string &topic, const std::string &subscription,
                   Callback<std::vector<core::broker::RuleDescription>> done);
    void getRule(const std::string &topic, const std::string &subscription, const std::string &name,
                 Callback<core::broker::RuleDescription> done);
    void putRule(const std::string &topic, const std::string &subscription, const core::broker::RuleDescription &rule,
                 bool update, Callback<core::broker::RuleDescription> done);

    /** DELETE of a queue/topic path, "topic/Subscriptions/sub" or ".../Rules/rule". */
    void deleteEntity(const std::string &path, Callback<void> done);

    /** Splits an ATOM feed into its <entry> documents (each a standalone XML document). */
    static core::Result<std::vector<QByteArray>> splitFeed(const QByteArray &xml);

private:
    using Reply = std::function<void(core::Result<QByteArray>)>;
    void send(const QByteArray &verb, const QString &path, const QByteArray &body, bool ifMatch, Reply done,
              const QString &extraQuery = {});
    /** GET of a list path, following `$skip` paging until a short page. */
    void getAll(const QString &path, std::vector<QByteArray> collected, int skip,
                std::function<void(core::Result<std::vector<QByteArray>>)> done);
    QByteArray authorization() const;

    core::ConnectionString m_cs;
    ConnectionOptions m_options;
    QUrl m_base;
    QNetworkAccessManager *m_network;
};

} // namespace busyard::client
