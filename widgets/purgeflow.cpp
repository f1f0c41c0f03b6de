#include "purgeflow.h"

#include "core/broker/address.h"
#include "core/client/namespaceconnection.h"
#include "models/purgejob.h"

#include <QMessageBox>
#include <QPointer>
#include <QProgressDialog>
#include <QWidget>

#include <algorithm>
#include <climits>
#include <memory>

namespace busyard::widgets {

namespace {

const QLatin1String kSubscriptions("/Subscriptions/");

std::int64_t pick(SubQueuePath::Kind kind, const core::broker::RuntimeCounts &c)
{
    switch (kind) {
    case SubQueuePath::Kind::DeadLetter: return c.deadLetter;
    case SubQueuePath::Kind::TransferDeadLetter: return c.transferDeadLetter;
    case SubQueuePath::Kind::Active: break;
    }
    return c.active;
}

void runPurge(QWidget *parent, client::NamespaceConnection *connection, const QString &entityPath,
              std::int64_t expected, std::function<void(const PurgeOutcome &)> done)
{
    auto *job = new models::PurgeJob(connection, entityPath, expected, parent);
    auto *dialog = new QProgressDialog(QObject::tr("Purging '%1'…").arg(entityPath), QObject::tr("Cancel"), 0,
                                       expected > 0 ? int(std::min<std::int64_t>(expected, INT_MAX)) : 0, parent);
    dialog->setObjectName(QStringLiteral("purgeProgress"));
    dialog->setWindowTitle(QObject::tr("Purge"));
    dialog->setWindowModality(Qt::WindowModal);
    dialog->setAutoClose(false);
    dialog->setAutoReset(false);
    dialog->setMinimumDuration(0);
    dialog->setValue(0);
    QObject::connect(dialog, &QProgressDialog::canceled, job, &models::PurgeJob::cancel);
    QObject::connect(job, &models::PurgeJob::progress, dialog, [dialog](qint64 removed, qint64 total) {
        if (total > 0)
            dialog->setValue(int(std::min(removed, total)));
        dialog->setLabelText(QObject::tr("%1 removed").arg(removed));
    });
    QObject::connect(job, &models::PurgeJob::finished, parent,
                     [job, dialog, done = std::move(done)](qint64 removed, const QString &error) {
                         dialog->disconnect(job);
                         dialog->close();
                         dialog->deleteLater();
                         job->deleteLater();
                         PurgeOutcome outcome;
                         outcome.started = true;
                         outcome.cancelled = job->isCancelled();
                         outcome.removed = removed;
                         outcome.error = error;
                         if (done)
                             done(outcome);
                     });
    dialog->show();
    job->start();
}

} // namespace

SubQueuePath splitSubQueuePath(const QString &entityPath)
{
    const auto address = core::broker::EntityAddress::parse(entityPath.toStdString());
    if (!address)
        return SubQueuePath{entityPath, SubQueuePath::Kind::Active};
    SubQueuePath path{QString::fromStdString(address->entityPath), SubQueuePath::Kind::Active};
    if (address->subQueue == core::broker::SubQueue::DeadLetter)
        path.kind = SubQueuePath::Kind::DeadLetter;
    else if (address->subQueue == core::broker::SubQueue::TransferDeadLetter)
        path.kind = SubQueuePath::Kind::TransferDeadLetter;
    return path;
}

void confirmAndPurge(QWidget *parent, client::NamespaceConnection *connection, const QString &entityPath,
                     std::function<void(const PurgeOutcome &)> done)
{
    Q_ASSERT(parent && connection);
    if (!parent || !connection)
        return;
    auto ask = [parent, connection, entityPath, done = std::move(done)](std::int64_t count, const QString &countError) mutable {
        const QString countText = count < 0 ? QObject::tr("an unknown number of messages (%1)").arg(countError)
                                            : (count == 1 ? QObject::tr("1 message") : QObject::tr("%1 messages").arg(count));
        auto *box = new QMessageBox(QMessageBox::Warning, QObject::tr("Purge messages"),
                                    QObject::tr("Purge '%1'? This receives and deletes %2 and cannot be undone.")
                                        .arg(entityPath, countText),
                                    QMessageBox::Yes | QMessageBox::Cancel, parent);
        box->setObjectName(QStringLiteral("confirmPurge"));
        box->setDefaultButton(QMessageBox::Cancel);
        box->setAttribute(Qt::WA_DeleteOnClose);
        QPointer<client::NamespaceConnection> guard(connection);
        QObject::connect(box, &QMessageBox::finished, parent,
                         [parent, guard, entityPath, count, done = std::move(done)](int result) mutable {
                             if (result != QMessageBox::Yes || !guard) {
                                 if (done)
                                     done(PurgeOutcome{});
                                 return;
                             }
                             runPurge(parent, guard, entityPath, count, std::move(done));
                         });
        box->open();
    };
    fetchSubQueueCount(connection, parent, entityPath, std::move(ask));
}

void fetchSubQueueCount(client::NamespaceConnection *connection, QObject *context, const QString &entityPath,
                        std::function<void(std::int64_t, const QString &)> done)
{
    const SubQueuePath path = splitSubQueuePath(entityPath);
    const int split = path.entity.indexOf(kSubscriptions, 0, Qt::CaseInsensitive);
    if (split < 0) {
        connection->getQueue(path.entity.toStdString(), context,
                             [done = std::move(done), kind = path.kind](core::Result<client::QueueInfo> r) {
                                 done(r ? pick(kind, r.value().counts) : -1,
                                      r ? QString() : QString::fromStdString(r.error().message));
                             });
    } else {
        connection->getSubscription(path.entity.left(split).toStdString(),
                                    path.entity.mid(split + kSubscriptions.size()).toStdString(), context,
                                    [done = std::move(done), kind = path.kind](core::Result<client::SubscriptionInfo> r) {
                                        done(r ? pick(kind, r.value().counts) : -1,
                                             r ? QString() : QString::fromStdString(r.error().message));
                                    });
    }
}

} // namespace busyard::widgets
