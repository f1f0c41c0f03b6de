#pragma once

#include "core/client/clienttypes.h"
#include "core/result.h"

#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

#include <memory>
#include <vector>

namespace busyard::client {
class NamespaceConnection;
} // namespace busyard::client

namespace busyard::models {

class KeyStore;

/**
 * A saved connection without its secret: what QSettings holds. The secret (SharedAccessKey, or the
 * whole SharedAccessSignature token when `usesSignature`) lives in the KeyStore under `id`.
 */
struct ConnectionProfile
{
    QString id;                 ///< stable, generated (also the keychain entry name)
    QString name;               ///< display name; defaults to the host
    QString endpoint;           ///< "sb://host[:port]/"
    QString keyName;            ///< SharedAccessKeyName; empty when usesSignature
    bool usesSignature = false; ///< the secret is a SharedAccessSignature token
    bool useDevelopmentEmulator = false;
    QString entityPath;         ///< EntityPath of the string, if any (informational)
    QUrl managementUrl;         ///< ATOM management base URL; empty = the client's default
    bool readOnly = false;      ///< blocks every destructive action (delete, purge, receive, send...)
    bool webSockets = false;    ///< AMQP over WebSockets (port 443), for networks that block 5671

    /** The client options this profile asks for (transport); timeouts are the caller's. */
    client::ConnectionOptions clientOptions() const;

    /** The full connection string with `secret` (holds the secret: never log it). */
    QString connectionString(const QString &secret) const;
    /** The host part of the endpoint ("contoso.servicebus.windows.net", "localhost:5672"). */
    QString host() const;

    /**
     * Splits a connection string into a profile (new id, name = host) and its secret. Errors are
     * core::parseConnectionString's (InvalidArgument naming the key or segment).
     */
    static core::Result<std::pair<ConnectionProfile, QString>> fromConnectionString(const QString &text);
    /** Builds the string from host, key name and key, then parses it (same errors). */
    static core::Result<std::pair<ConnectionProfile, QString>> fromParts(const QString &host, const QString &keyName,
                                                                         const QString &key);
};

/**
 * The open namespaces: the embedded emulator entry (always first, id EmbeddedId) and the user's
 * connections. Owns one client::NamespaceConnection per entry that has its secret. GUI thread only.
 *
 * Profiles persist in the default QSettings under "connections/" (no secrets); secrets go through the
 * KeyStore. loadProfiles() reads them back and opens each connection once its key arrives.
 *
 * Read-only is per connection: widgets query isReadOnly() before any destructive action and follow
 * readOnlyChanged().
 */
class ConnectionManager : public QObject
{
    Q_OBJECT

public:
    static inline const QString EmbeddedId = QStringLiteral("embedded");

    enum class State {
        Starting,   ///< embedded emulator not ready yet
        Stopped,    ///< embedded emulator not running
        NeedsKey,   ///< saved profile whose secret could not be read (keychain unavailable)
        Open,       ///< a NamespaceConnection exists
    };

    struct Entry
    {
        ConnectionProfile profile;
        bool embedded = false;
        State state = State::Starting;
        QString statusText;   ///< "starting…", "not running", the keychain error, ...
        std::unique_ptr<client::NamespaceConnection> connection;
    };

    /** `keys` is not owned and must outlive the manager. */
    explicit ConnectionManager(KeyStore *keys, QObject *parent = nullptr);
    ~ConnectionManager() override;

    KeyStore *keyStore() const { return m_keys; }

    /**
     * Points the embedded entry at the running emulator. `managementUrl`: its ATOM base URL
     * (http://127.0.0.1:<port>); empty = the client's default. Replaces any previous connection.
     */
    void setEmbeddedEmulator(const QString &connectionString, const QUrl &managementUrl = {});
    /** The embedded emulator is not (or no longer) running; `reason` is shown ("not running" if empty). */
    void setEmbeddedEmulatorStopped(const QString &reason = {});

    /**
     * Opens a connection for `profile` with `secret` (profile.id generated if empty) and, with
     * `persist`, saves the profile (never the secret) to QSettings. Returns the id.
     */
    core::Result<QString> addConnection(ConnectionProfile profile, const QString &secret, bool persist = true);
    /** Replaces a profile (and reconnects with `secret` when not empty). */
    core::Result<void> updateConnection(const ConnectionProfile &profile, const QString &secret);
    /** Closes and forgets a user connection (profile and keychain entry); the embedded one stays. */
    void removeConnection(const QString &id);

    /** Reads the saved profiles and opens those whose secret the KeyStore returns. */
    void loadProfiles();
    void saveProfiles() const;

    /** Ids in display order: EmbeddedId first, then user connections in the order they were added. */
    QStringList ids() const;
    /** User connections (everything but the embedded entry). */
    int userConnectionCount() const { return int(m_entries.size()) - 1; }
    const Entry *entry(const QString &id) const;
    client::NamespaceConnection *connection(const QString &id) const;
    /** The id of the entry owning `connection` (empty if none). */
    QString idOf(const client::NamespaceConnection *connection) const;

    bool isReadOnly(const QString &id) const;
    bool isReadOnly(const client::NamespaceConnection *connection) const;
    void setReadOnly(const QString &id, bool readOnly);

Q_SIGNALS:
    void connectionAdded(const QString &id);
    void connectionAboutToBeRemoved(const QString &id);
    void connectionRemoved(const QString &id);
    /** State, name, status text or the NamespaceConnection object changed. */
    void connectionChanged(const QString &id);
    void readOnlyChanged(const QString &id, bool readOnly);

private:
    Entry *find(const QString &id);
    core::Result<void> open(Entry &entry, const QString &secret);

    KeyStore *m_keys;
    std::vector<std::unique_ptr<Entry>> m_entries;
};

} // namespace busyard::models
