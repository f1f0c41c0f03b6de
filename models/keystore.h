#pragma once

#include "core/result.h"

#include <QtCore/QHash>
#include <QtCore/QObject>
#include <QtCore/QString>

#include <functional>

namespace busyard::models {

/**
 * Where connection secrets (SharedAccessKey or a whole SAS token) live: the OS keychain through
 * QtKeychain (Secret Service, KWallet, macOS Keychain, Windows Credential Manager), plus an in-memory
 * table of keys the user chose to keep for this session only. Secrets never go to QSettings or logs.
 *
 * Keychain jobs are asynchronous; results arrive on the GUI thread through `done`, only while
 * `context` lives. When no keychain is available (no Secret Service on the machine, CI), the job
 * fails and `done` gets ErrorCode::NotAllowed with QtKeychain's explanation: callers then offer to
 * keep the key for the session only (setSessionKey()).
 */
class KeyStore : public QObject
{
    Q_OBJECT

public:
    enum class Backend {
        System, ///< the OS keychain through QtKeychain
        None,   ///< no keychain at all (every write fails as "not available"); for settings and tests
    };

    explicit KeyStore(Backend backend = Backend::System, QObject *parent = nullptr);

    Backend backend() const { return m_backend; }

    /** The secret of profile `id`: the session key if there is one, else the keychain's. */
    void readKey(const QString &id, QObject *context, std::function<void(core::Result<QString>)> done);
    /** Stores the secret in the keychain (and forgets any session key for `id` on success). */
    void writeKey(const QString &id, const QString &secret, QObject *context,
                  std::function<void(core::Result<void>)> done);
    /** Forgets the secret everywhere (fire and forget). */
    void deleteKey(const QString &id);

    /** Keeps `secret` in memory for this process only. */
    void setSessionKey(const QString &id, const QString &secret);
    bool hasSessionKey(const QString &id) const { return m_sessionKeys.contains(id); }

    /** The keychain service name entries are stored under. */
    static QString serviceName();

private:
    Backend m_backend;
    QHash<QString, QString> m_sessionKeys;
};

} // namespace busyard::models
