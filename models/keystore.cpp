#include "keystore.h"

#include <QtCore/QPointer>
#include <QtCore/QTimer>

#include <qt6keychain/keychain.h>

namespace busyard::models {

namespace {

core::Error keychainError(const QKeychain::Job &job)
{
    const bool missing = job.error() == QKeychain::EntryNotFound;
    return core::Error{missing ? core::ErrorCode::EntityNotFound : core::ErrorCode::NotAllowed,
                       job.errorString().toStdString()};
}

const char *const NoBackendMessage = "No keychain is available on this system";

} // namespace

KeyStore::KeyStore(Backend backend, QObject *parent)
    : QObject(parent)
    , m_backend(backend)
{
}

QString KeyStore::serviceName()
{
    return QStringLiteral("io.busyard.Busyard");
}

void KeyStore::readKey(const QString &id, QObject *context, std::function<void(core::Result<QString>)> done)
{
    QPointer<QObject> guard(context);
    if (const auto it = m_sessionKeys.constFind(id); it != m_sessionKeys.cend()) {
        // Asynchronous like the keychain path, so callers see one behaviour.
        QTimer::singleShot(0, context, [done, secret = *it] { done(secret); });
        return;
    }
    if (m_backend == Backend::None) {
        QTimer::singleShot(0, context, [done] { done(core::Error{core::ErrorCode::NotAllowed, NoBackendMessage}); });
        return;
    }
    auto *job = new QKeychain::ReadPasswordJob(serviceName(), this);
    job->setAutoDelete(true);
    job->setKey(id);
    connect(job, &QKeychain::Job::finished, this, [guard, done](QKeychain::Job *finished) {
        if (!guard)
            return;
        if (finished->error() != QKeychain::NoError)
            done(keychainError(*finished));
        else
            done(static_cast<QKeychain::ReadPasswordJob *>(finished)->textData());
    });
    job->start();
}

void KeyStore::writeKey(const QString &id, const QString &secret, QObject *context,
                        std::function<void(core::Result<void>)> done)
{
    QPointer<QObject> guard(context);
    if (m_backend == Backend::None) {
        QTimer::singleShot(0, context, [done] { done(core::Error{core::ErrorCode::NotAllowed, NoBackendMessage}); });
        return;
    }
    auto *job = new QKeychain::WritePasswordJob(serviceName(), this);
    job->setAutoDelete(true);
    job->setKey(id);
    job->setTextData(secret);
    connect(job, &QKeychain::Job::finished, this, [this, guard, done, id](QKeychain::Job *finished) {
        const bool ok = finished->error() == QKeychain::NoError;
        if (ok)
            m_sessionKeys.remove(id);
        if (!guard)
            return;
        if (ok)
            done({});
        else
            done(keychainError(*finished));
    });
    job->start();
}

void KeyStore::deleteKey(const QString &id)
{
    m_sessionKeys.remove(id);
    if (m_backend == Backend::None)
        return;
    auto *job = new QKeychain::DeletePasswordJob(serviceName(), this);
    job->setAutoDelete(true);
    job->setKey(id);
    job->start();
}

void KeyStore::setSessionKey(const QString &id, const QString &secret)
{
    m_sessionKeys.insert(id, secret);
}

} // namespace busyard::models
