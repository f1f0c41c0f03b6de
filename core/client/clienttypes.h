#pragma once

#include "core/broker/entities.h"
#include "core/clock.h"
#include "core/message.h"
#include "core/result.h"

#include <QList>
#include <QSslCertificate>
#include <QUrl>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace busyard::client {

/**
 * Completion callback of every NamespaceConnection call. Invoked exactly once, on the thread of the
 * NamespaceConnection (the thread that created it, normally the GUI thread), and only while the
 * context object given with the call still exists.
 */
template<typename T>
using Callback = std::function<void(core::Result<T>)>;

/** How a receiver takes messages (servicebus-amqp.md §2.3). */
enum class ReceiveMode {
    PeekLock,          ///< messages are locked; settle with complete/abandon/deadLetter/defer
    ReceiveAndDelete,  ///< messages are removed when delivered (pre-settled)
};

/** The byte stream under AMQP. */
enum class Transport {
    Amqp,            ///< TCP: TLS (Qt's QSslSocket) on 5671 unless UseDevelopmentEmulator=true (plain, 5672)
    AmqpWebSockets,  ///< wss://host:443/$servicebus/websocket, subprotocol AMQPWSB10 (ws:// for emulators)
};

struct ConnectionOptions
{
    /** Deadline of every operation (connect, token, attach and the request itself). */
    std::chrono::milliseconds operationTimeout{60000};
    Transport transport = Transport::Amqp;
    /** WebSocket port; empty = the Endpoint's port if it names one, else 443. */
    std::optional<int> webSocketPort;
    /** Extra trusted CA certificates for TLS (e.g. the emulator's development CA). */
    QList<QSslCertificate> caCertificates;
    /**
     * Base URL of the ATOM management API. Empty = https://<host>[:<Endpoint port>] for Azure and,
     * with UseDevelopmentEmulator=true, http://<host>:5300 as Microsoft's emulator serves it.
     */
    QUrl managementUrl;
    /** Links unused for this long are detached (they re-attach on next use). */
    std::chrono::milliseconds linkIdleTimeout{std::chrono::minutes(5)};
    /** Lifetime of the SAS tokens the client signs (CBS and HTTP). */
    std::chrono::milliseconds tokenLifetime{std::chrono::hours(1)};
    /**
     * A CBS token is put again this long before it expires (JS: 15 min of 60). Zero (or less)
     * disables the refresh: tokens then lapse after tokenLifetime and the broker detaches the links
     * they authorised (for tests; a later operation puts a new token and attaches new links).
     */
    std::chrono::milliseconds tokenRefreshMargin{std::chrono::minutes(15)};
    /** First reconnect delay after a failed or lost connection; doubles up to maxReconnectDelay. */
    std::chrono::milliseconds minReconnectDelay{200};
    std::chrono::milliseconds maxReconnectDelay{std::chrono::seconds(30)};
};

/** A session locked by acceptSession(). */
struct SessionInfo
{
    std::string sessionId;
    core::TimePoint lockedUntil{};
};

/** A page of session ids (get-message-sessions). */
struct SessionPage
{
    std::vector<std::string> sessionIds;
    int nextSkip = 0;
};

/** How a peek-locked message is settled. */
struct Settlement
{
    enum class Kind { Complete, Abandon, DeadLetter, Defer };
    Kind kind = Kind::Complete;
    /** Abandon/Defer/DeadLetter: application properties to change on the message. */
    core::PropertyMap propertiesToModify;
    /** DeadLetter only. */
    std::optional<std::string> deadLetterReason;
    std::optional<std::string> deadLetterDescription;
};

/** Diagnostics of the AMQP connection (status bar, tests). */
struct ConnectionStatus
{
    bool open = false;  ///< the AMQP connection is open
    int links = 0;      ///< attached or attaching links, $cbs included
};

struct QueueInfo
{
    core::broker::QueueDescription description;
    core::broker::RuntimeCounts counts;
};

struct TopicInfo
{
    core::broker::TopicDescription description;
    core::broker::RuntimeCounts counts;
};

struct SubscriptionInfo
{
    core::broker::SubscriptionDescription description;
    core::broker::RuntimeCounts counts;
};

} // namespace busyard::client
