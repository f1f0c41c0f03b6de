#pragma once

#include <QString>

#include <cstdint>
#include <functional>

class QObject;
class QWidget;

namespace busyard::client {
class NamespaceConnection;
}

namespace busyard::widgets {

/** How a purge ended (PurgeFlow's callback). */
struct PurgeOutcome
{
    bool started = false;   ///< false: the user declined the confirmation
    bool cancelled = false; ///< the user cancelled the running purge
    std::int64_t removed = 0;
    QString error;          ///< empty on success or cancel
};

/**
 * The purge of one message-holding path ("queue", "topic/Subscriptions/sub", optionally with
 * "/$DeadLetterQueue" or "/$Transfer/$DeadLetterQueue") as the user sees it, shared by the message
 * browser and the Explorer tree: fetch the runtime count of that sub-queue, ask (window-modal,
 * default Cancel, naming entity and count), then run models::PurgeJob behind a progress dialog with
 * Cancel. `done` runs once on the GUI thread, also when the user declines; not after `parent` is gone.
 *
 * `parent` owns the dialogs and the job; `connection` must outlive it. Never blocks.
 */
void confirmAndPurge(QWidget *parent, client::NamespaceConnection *connection, const QString &entityPath,
                     std::function<void(const PurgeOutcome &)> done);

/** The entity whose runtime counts hold `entityPath`'s count, and which count: split of a sub-queue path. */
struct SubQueuePath
{
    enum class Kind { Active, DeadLetter, TransferDeadLetter };
    QString entity; ///< "queue" or "topic/Subscriptions/sub"
    Kind kind = Kind::Active;
};
SubQueuePath splitSubQueuePath(const QString &entityPath);

/** Fetches the runtime message count of the sub-queue `entityPath` names (getQueue / getSubscription);
    `done` runs once on `context`'s thread with the count, or -1 and the error text. */
void fetchSubQueueCount(client::NamespaceConnection *connection, QObject *context, const QString &entityPath,
                        std::function<void(std::int64_t count, const QString &error)> done);

} // namespace busyard::widgets
