#include "connectionmanager.h"

#include "keystore.h"
#include "qstringformatter.h"

#include "core/auth/connectionstring.h"
#include "core/client/namespaceconnection.h"
#include "core/logging.h"

#include <QtCore/QSettings>
#include <QtCore/QUuid>

#include <algorithm>

namespace busyard::models {

namespace {

const QString ProfilesGroup = QStringLiteral("connections");

core::Result<std::pair<ConnectionProfile, QString>> profileFrom(const core::ConnectionString &cs)
{
    ConnectionProfile profile;
    profile.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    profile.endpoint = QString::fromStdString(cs.endpoint);
    profile.keyName = QString::fromStdString(cs.sharedAccessKeyName);
    profile.usesSignature = !cs.usesSharedKey();
    profile.useDevelopmentEmulator = cs.useDevelopmentEmulator;
    profile.entityPath = QString::fromStdString(cs.entityPath);
    profile.name = profile.host();
    const QString secret = QString::fromStdString(cs.usesSharedKey() ? cs.sharedAccessKey : cs.sharedAccessSignature);
    return std::pair{profile, secret};
}

} // namespace

QString ConnectionProfile::connectionString(const QString &secret) const
{
    QString text = QStringLiteral("Endpoint=") + endpoint;
    if (usesSignature)
        text += QStringLiteral(";SharedAccessSignature=") + secret;
    else
        text += QStringLiteral(";SharedAccessKeyName=") + keyName + QStringLiteral(";SharedAccessKey=") + secret;
    if (!entityPath.isEmpty())
        text += QStringLiteral(";EntityPath=") + entityPath;
    if (useDevelopmentEmulator)
        text += QStringLiteral(";UseDevelopmentEmulator=true");
    return text;
}

QString ConnectionProfile::host() const
{
    QString host = endpoint;
    if (const int scheme = host.indexOf(QStringLiteral("://")); scheme >= 0)
        host = host.mid(scheme + 3);
    while (host.endsWith(QLatin1Char('/')))
        host.chop(1);
    return host;
}

core::Result<std::pair<ConnectionProfile, QString>> ConnectionProfile::fromConnectionString(const QString &text)
{
    auto parsed = core::parseConnectionString(text.trimmed().toStdString());
    if (!parsed)
        return parsed.error();
    return profileFrom(*parsed);
}

core::Result<std::pair<ConnectionProfile, QString>> ConnectionProfile::fromParts(const QString &host,
                                                                                 const QString &keyName,
                                                                                 const QString &key)
{
    QString endpoint = host.trimmed();
    if (endpoint.isEmpty())
        return core::Error{core::ErrorCode::InvalidArgument, "Host is required."};
    if (!endpoint.contains(QStringLiteral("://")))
        endpoint.prepend(QStringLiteral("sb://"));
    // Separators inside a field would be read as further key=value pairs: refuse them here.
    for (const QString &field : {endpoint, keyName, key}) {
        if (field.contains(QLatin1Char(';')))
            return core::Error{core::ErrorCode::InvalidArgument, "Host, key name and key must not contain ';'."};
    }
    const QString text = QStringLiteral("Endpoint=%1;SharedAccessKeyName=%2;SharedAccessKey=%3")
                             .arg(endpoint, keyName.trimmed(), key.trimmed());
    return fromConnectionString(text);
}

ConnectionManager::ConnectionManager(KeyStore *keys, QObject *parent)
    : QObject(parent)
    , m_keys(keys)
{
    Q_ASSERT(keys);
    auto embedded = std::make_unique<Entry>();
    embedded->embedded = true;
    embedded->profile.id = EmbeddedId;
    embedded->profile.name = tr("Embedded emulator");
    embedded->state = State::Starting;
    embedded->statusText = tr("starting…");
    m_entries.push_back(std::move(embedded));
}

ConnectionManager::~ConnectionManager() = default;

ConnectionManager::Entry *ConnectionManager::find(const QString &id)
{
    const auto it = std::find_if(m_entries.begin(), m_entries.end(), [&](const auto &e) { return e->profile.id == id; });
    return it == m_entries.end() ? nullptr : it->get();
}

const ConnectionManager::Entry *ConnectionManager::entry(const QString &id) const
{
    return const_cast<ConnectionManager *>(this)->find(id);
}

client::ConnectionOptions ConnectionProfile::clientOptions() const
{
    client::ConnectionOptions options;
    options.managementUrl = managementUrl;
    if (webSockets)
        options.transport = client::Transport::AmqpWebSockets;
    return options;
}

core::Result<void> ConnectionManager::open(Entry &entry, const QString &secret)
{
    client::ConnectionOptions options = entry.profile.clientOptions();
    options.operationTimeout = std::chrono::seconds(30);
    auto created = client::NamespaceConnection::create(entry.profile.connectionString(secret).toStdString(), options);
    if (!created)
        return created.error();
    entry.connection = std::move(*created);
    entry.state = State::Open;
    entry.statusText.clear();
    core::logger("app")->info("Opened namespace {} ({})", entry.profile.name, entry.profile.endpoint);
    return {};
}

void ConnectionManager::setEmbeddedEmulator(const QString &connectionString, const QUrl &managementUrl)
{
    Entry *embedded = find(EmbeddedId);
    Q_ASSERT(embedded);
    auto parsed = ConnectionProfile::fromConnectionString(connectionString);
    if (!parsed) {
        core::logger("app")->error("Embedded emulator connection string refused: {}", parsed.error().message);
        setEmbeddedEmulatorStopped(QString::fromStdString(parsed.error().message));
        return;
    }
    auto [profile, secret] = std::move(*parsed);
    profile.id = EmbeddedId;
    profile.name = embedded->profile.name;
    profile.readOnly = embedded->profile.readOnly;
    profile.managementUrl = managementUrl;
    embedded->profile = profile;
    embedded->connection.reset();
    if (auto opened = open(*embedded, secret); !opened) {
        embedded->state = State::Stopped;
        embedded->statusText = QString::fromStdString(opened.error().message);
    }
    Q_EMIT connectionChanged(EmbeddedId);
}

void ConnectionManager::setEmbeddedEmulatorStopped(const QString &reason)
{
    Entry *embedded = find(EmbeddedId);
    embedded->connection.reset();
    embedded->state = State::Stopped;
    embedded->statusText = reason.isEmpty() ? tr("not running") : reason;
    Q_EMIT connectionChanged(EmbeddedId);
}

core::Result<QString> ConnectionManager::addConnection(ConnectionProfile profile, const QString &secret, bool persist)
{
    if (profile.id.isEmpty() || profile.id == EmbeddedId || find(profile.id))
        profile.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    if (profile.name.trimmed().isEmpty())
        profile.name = profile.host();
    auto entry = std::make_unique<Entry>();
    entry->profile = profile;
    if (auto opened = open(*entry, secret); !opened)
        return opened.error();
    const QString id = profile.id;
    m_entries.push_back(std::move(entry));
    if (persist)
        saveProfiles();
    Q_EMIT connectionAdded(id);
    return id;
}

core::Result<void> ConnectionManager::updateConnection(const ConnectionProfile &profile, const QString &secret)
{
    Entry *entry = find(profile.id);
    if (!entry || entry->embedded)
        return core::Error{core::ErrorCode::EntityNotFound, "No such connection."};
    const bool readOnlyChanged_ = entry->profile.readOnly != profile.readOnly;
    entry->profile = profile;
    if (!secret.isEmpty()) {
        entry->connection.reset();
        if (auto opened = open(*entry, secret); !opened) {
            entry->state = State::NeedsKey;
            entry->statusText = QString::fromStdString(opened.error().message);
        }
    }
    saveProfiles();
    Q_EMIT connectionChanged(profile.id);
    if (readOnlyChanged_)
        Q_EMIT readOnlyChanged(profile.id, profile.readOnly);
    return {};
}

void ConnectionManager::removeConnection(const QString &id)
{
    const auto it = std::find_if(m_entries.begin(), m_entries.end(), [&](const auto &e) { return e->profile.id == id; });
    if (it == m_entries.end() || (*it)->embedded)
        return;
    Q_EMIT connectionAboutToBeRemoved(id);
    std::unique_ptr<Entry> removed = std::move(*it);
    m_entries.erase(it);
    m_keys->deleteKey(id);
    saveProfiles();
    Q_EMIT connectionRemoved(id);
    // Callbacks in flight are dropped with the connection (their contexts may still live).
    removed.reset();
}

void ConnectionManager::saveProfiles() const
{
    QSettings settings;
    settings.remove(ProfilesGroup);
    settings.beginWriteArray(ProfilesGroup);
    int index = 0;
    for (const auto &e : m_entries) {
        if (e->embedded)
            continue;
        settings.setArrayIndex(index++);
        const ConnectionProfile &p = e->profile;
        settings.setValue(QStringLiteral("id"), p.id);
        settings.setValue(QStringLiteral("name"), p.name);
        settings.setValue(QStringLiteral("endpoint"), p.endpoint);
        settings.setValue(QStringLiteral("keyName"), p.keyName);
        settings.setValue(QStringLiteral("usesSignature"), p.usesSignature);
        settings.setValue(QStringLiteral("useDevelopmentEmulator"), p.useDevelopmentEmulator);
        settings.setValue(QStringLiteral("entityPath"), p.entityPath);
        settings.setValue(QStringLiteral("managementUrl"), p.managementUrl.toString());
        settings.setValue(QStringLiteral("readOnly"), p.readOnly);
        settings.setValue(QStringLiteral("webSockets"), p.webSockets);
    }
    settings.endArray();
    // The embedded entry's read-only switch is remembered too.
    settings.setValue(QStringLiteral("embedded/readOnly"), m_entries.front()->profile.readOnly);
}

void ConnectionManager::loadProfiles()
{
    QSettings settings;
    m_entries.front()->profile.readOnly = settings.value(QStringLiteral("embedded/readOnly"), false).toBool();
    const int count = settings.beginReadArray(ProfilesGroup);
    std::vector<ConnectionProfile> profiles;
    for (int i = 0; i < count; ++i) {
        settings.setArrayIndex(i);
        ConnectionProfile p;
        p.id = settings.value(QStringLiteral("id")).toString();
        p.name = settings.value(QStringLiteral("name")).toString();
        p.endpoint = settings.value(QStringLiteral("endpoint")).toString();
        p.keyName = settings.value(QStringLiteral("keyName")).toString();
        p.usesSignature = settings.value(QStringLiteral("usesSignature")).toBool();
        p.useDevelopmentEmulator = settings.value(QStringLiteral("useDevelopmentEmulator")).toBool();
        p.entityPath = settings.value(QStringLiteral("entityPath")).toString();
        p.managementUrl = QUrl(settings.value(QStringLiteral("managementUrl")).toString());
        p.readOnly = settings.value(QStringLiteral("readOnly")).toBool();
        p.webSockets = settings.value(QStringLiteral("webSockets"), false).toBool();
        if (!p.id.isEmpty() && p.id != EmbeddedId && !find(p.id) && !p.endpoint.isEmpty())
            profiles.push_back(p);
    }
    settings.endArray();

    for (const ConnectionProfile &p : profiles) {
        auto entry = std::make_unique<Entry>();
        entry->profile = p;
        entry->state = State::NeedsKey;
        entry->statusText = tr("reading the key…");
        m_entries.push_back(std::move(entry));
        Q_EMIT connectionAdded(p.id);
        m_keys->readKey(p.id, this, [this, id = p.id](core::Result<QString> secret) {
            Entry *e = find(id);
            if (!e || e->connection)
                return;
            if (!secret) {
                e->statusText = tr("Key not available (%1): edit the connection to enter it")
                                    .arg(QString::fromStdString(secret.error().message));
            } else if (auto opened = open(*e, *secret); !opened) {
                e->statusText = QString::fromStdString(opened.error().message);
            }
            Q_EMIT connectionChanged(id);
        });
    }
}

QStringList ConnectionManager::ids() const
{
    QStringList result;
    for (const auto &e : m_entries)
        result << e->profile.id;
    return result;
}

client::NamespaceConnection *ConnectionManager::connection(const QString &id) const
{
    const Entry *e = entry(id);
    return e ? e->connection.get() : nullptr;
}

QString ConnectionManager::idOf(const client::NamespaceConnection *connection) const
{
    for (const auto &e : m_entries) {
        if (connection && e->connection.get() == connection)
            return e->profile.id;
    }
    return {};
}

bool ConnectionManager::isReadOnly(const QString &id) const
{
    const Entry *e = entry(id);
    return e && e->profile.readOnly;
}

bool ConnectionManager::isReadOnly(const client::NamespaceConnection *connection) const
{
    return isReadOnly(idOf(connection));
}

void ConnectionManager::setReadOnly(const QString &id, bool readOnly)
{
    Entry *e = find(id);
    if (!e || e->profile.readOnly == readOnly)
        return;
    e->profile.readOnly = readOnly;
    saveProfiles();
    Q_EMIT readOnlyChanged(id, readOnly);
    Q_EMIT connectionChanged(id);
}

} // namespace busyard::models
