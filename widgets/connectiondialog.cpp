#include "connectiondialog.h"

#include "core/client/namespaceconnection.h"
#include "models/keystore.h"

#include <QtCore/QUuid>
#include <QtWidgets/QButtonGroup>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QRadioButton>
#include <QtWidgets/QStackedWidget>
#include <QtWidgets/QVBoxLayout>

namespace busyard::widgets {

namespace {

/** "Host" without the port ("localhost:5672" -> "localhost"), lower-case. */
QString hostName(const QString &host)
{
    return QUrl(QStringLiteral("sb://") + host).host().toLower();
}

} // namespace

ConnectionDialog::ConnectionDialog(models::ConnectionManager *manager, QWidget *parent)
    : QDialog(parent)
    , m_manager(manager)
{
    Q_ASSERT(manager);
    setObjectName(QStringLiteral("connectionDialog"));
    setWindowTitle(tr("New Connection"));
    auto *layout = new QVBoxLayout(this);

    auto *modes = new QHBoxLayout;
    m_stringMode = new QRadioButton(tr("Connection &string"), this);
    m_partsMode = new QRadioButton(tr("&Host and key"), this);
    m_stringMode->setChecked(true);
    auto *group = new QButtonGroup(this);
    group->addButton(m_stringMode, 0);
    group->addButton(m_partsMode, 1);
    modes->addWidget(m_stringMode);
    modes->addWidget(m_partsMode);
    modes->addStretch(1);
    layout->addLayout(modes);

    m_pages = new QStackedWidget(this);
    auto *stringPage = new QWidget(this);
    auto *stringForm = new QFormLayout(stringPage);
    stringForm->setContentsMargins(0, 0, 0, 0);
    m_connectionString = new QLineEdit(stringPage);
    m_connectionString->setObjectName(QStringLiteral("connectionStringEdit"));
    m_connectionString->setEchoMode(QLineEdit::PasswordEchoOnEdit);
    m_connectionString->setPlaceholderText(
        QStringLiteral("Endpoint=sb://<namespace>.servicebus.windows.net/;SharedAccessKeyName=…;SharedAccessKey=…"));
    m_connectionString->setMinimumWidth(520);
    stringForm->addRow(tr("Connection string:"), m_connectionString);
    m_pages->addWidget(stringPage);

    auto *partsPage = new QWidget(this);
    auto *partsForm = new QFormLayout(partsPage);
    partsForm->setContentsMargins(0, 0, 0, 0);
    m_host = new QLineEdit(partsPage);
    m_host->setPlaceholderText(QStringLiteral("<namespace>.servicebus.windows.net"));
    m_keyName = new QLineEdit(QStringLiteral("RootManageSharedAccessKey"), partsPage);
    m_key = new QLineEdit(partsPage);
    m_key->setEchoMode(QLineEdit::Password);
    partsForm->addRow(tr("Host:"), m_host);
    partsForm->addRow(tr("Key name:"), m_keyName);
    partsForm->addRow(tr("Key:"), m_key);
    m_pages->addWidget(partsPage);
    layout->addWidget(m_pages);

    auto *common = new QFormLayout;
    m_name = new QLineEdit(this);
    m_name->setPlaceholderText(tr("defaults to the host name"));
    common->addRow(tr("Display &name:"), m_name);
    m_managementUrl = new QLineEdit(this);
    m_managementUrl->setPlaceholderText(tr("optional, e.g. http://localhost:5300 for an emulator"));
    common->addRow(tr("&Management URL:"), m_managementUrl);
    m_readOnly = new QCheckBox(tr("&Read-only: block delete, purge, receive and send"), this);
    common->addRow(QString(), m_readOnly);
    m_webSockets = new QCheckBox(tr("Use AMQP over &WebSockets (port 443, for networks that block 5671)"), this);
    m_webSockets->setObjectName(QStringLiteral("webSockets"));
    common->addRow(QString(), m_webSockets);
    layout->addLayout(common);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("connectionStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setMinimumHeight(fontMetrics().height() * 2);
    m_status->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    layout->addWidget(m_status);

    m_keychain = new QLabel(this);
    m_keychain->setObjectName(QStringLiteral("keychainStatus"));
    m_keychain->setWordWrap(true);
    m_keychain->setVisible(false);
    layout->addWidget(m_keychain);
    m_sessionOnly = new QPushButton(tr("Keep the key for this &session only"), this);
    m_sessionOnly->setObjectName(QStringLiteral("sessionOnlyButton"));
    m_sessionOnly->setVisible(false);
    auto *sessionRow = new QHBoxLayout;
    sessionRow->addWidget(m_sessionOnly);
    sessionRow->addStretch(1);
    layout->addLayout(sessionRow);

    auto *buttons = new QDialogButtonBox(this);
    m_test = buttons->addButton(tr("&Test"), QDialogButtonBox::ActionRole);
    m_test->setObjectName(QStringLiteral("testButton"));
    m_connect = buttons->addButton(tr("&Connect"), QDialogButtonBox::AcceptRole);
    m_connect->setObjectName(QStringLiteral("connectButton"));
    m_connect->setDefault(true);
    buttons->addButton(QDialogButtonBox::Cancel);
    layout->addWidget(buttons);

    connect(group, &QButtonGroup::idClicked, m_pages, &QStackedWidget::setCurrentIndex);
    connect(group, &QButtonGroup::idClicked, this, &ConnectionDialog::onInputChanged);
    for (QLineEdit *edit : {m_connectionString, m_host, m_keyName, m_key})
        connect(edit, &QLineEdit::textChanged, this, &ConnectionDialog::onInputChanged);
    connect(m_test, &QPushButton::clicked, this, &ConnectionDialog::onTest);
    // The button box's accepted() would close the dialog: Connect accepts only once the key is stored.
    disconnect(buttons, &QDialogButtonBox::accepted, nullptr, nullptr);
    connect(m_connect, &QPushButton::clicked, this, &ConnectionDialog::onConnect);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_sessionOnly, &QPushButton::clicked, this, &ConnectionDialog::onSessionOnly);
    onInputChanged();
}

ConnectionDialog::ConnectionDialog(models::ConnectionManager *manager, const QString &connectionId, QWidget *parent)
    : ConnectionDialog(manager, parent)
{
    startEditing(connectionId);
}

ConnectionDialog::~ConnectionDialog() = default;

void ConnectionDialog::startEditing(const QString &connectionId)
{
    const models::ConnectionManager::Entry *entry = m_manager->entry(connectionId);
    Q_ASSERT(entry && !entry->embedded);
    if (!entry || entry->embedded)
        return;
    const models::ConnectionProfile &profile = entry->profile;
    // Set first: the field changes below are validated with the edit-mode rules.
    m_original = profile;
    m_connectionId = profile.id;
    setWindowTitle(tr("Edit Connection"));
    m_connect->setText(tr("&Save"));
    m_key->setPlaceholderText(tr("unchanged — type a new key to replace it"));
    m_connectionString->setPlaceholderText(tr("unchanged — paste a new connection string to replace it"));
    m_host->setText(profile.host());
    m_keyName->setText(profile.keyName);
    m_name->setText(profile.name);
    m_managementUrl->setText(profile.managementUrl.toString());
    m_readOnly->setChecked(profile.readOnly);
    m_webSockets->setChecked(profile.webSockets);
    // A SAS token has no key name: such profiles are edited as a connection string.
    (profile.usesSignature ? m_stringMode : m_partsMode)->setChecked(true);
    m_pages->setCurrentIndex(profile.usesSignature ? 0 : 1);
    onInputChanged();
    if (entry->state == models::ConnectionManager::State::NeedsKey)
        showStatus(tr("Not connected: the saved key is not available. Type the key to connect."), true);
}

bool ConnectionDialog::credentialsChanged(const models::ConnectionProfile &profile) const
{
    return m_original
           && (profile.host().compare(m_original->host(), Qt::CaseInsensitive) != 0
               || profile.keyName != m_original->keyName || profile.usesSignature != m_original->usesSignature);
}

core::Result<std::pair<models::ConnectionProfile, QString>> ConnectionDialog::parsed() const
{
    using Parsed = core::Result<std::pair<models::ConnectionProfile, QString>>;
    auto result = [this]() -> Parsed {
        if (m_stringMode->isChecked()) {
            if (m_original && m_connectionString->text().trimmed().isEmpty())
                return std::pair{*m_original, QString()}; // endpoint and secret unchanged
            return models::ConnectionProfile::fromConnectionString(m_connectionString->text());
        }
        if (m_original && m_key->text().trimmed().isEmpty()) {
            // Parsed with a stand-in key so host and key name are checked; Save uses the stored key.
            auto withoutKey = models::ConnectionProfile::fromParts(m_host->text(), m_keyName->text(),
                                                                   QStringLiteral("unchanged"));
            if (withoutKey)
                withoutKey->second.clear();
            return withoutKey;
        }
        return models::ConnectionProfile::fromParts(m_host->text(), m_keyName->text(), m_key->text());
    }();
    if (!result)
        return result;
    auto &profile = result->first;
    if (m_original) {
        profile.id = m_original->id;
        // The parts page does not show these: keep them while the host stays the same.
        if (m_partsMode->isChecked() && hostName(profile.host()) == hostName(m_original->host())) {
            profile.useDevelopmentEmulator = m_original->useDevelopmentEmulator;
            profile.entityPath = m_original->entityPath;
        }
        if (result->second.isEmpty() && profile.usesSignature != m_original->usesSignature)
            return core::Error{core::ErrorCode::InvalidArgument,
                               profile.usesSignature ? "Enter the new connection string."
                                                     : "Enter the key: the saved secret is a shared access signature."};
    }
    profile.name = m_name->text().trimmed().isEmpty() ? profile.host() : m_name->text().trimmed();
    const QString url = m_managementUrl->text().trimmed();
    if (!url.isEmpty()) {
        const QUrl managementUrl(url, QUrl::StrictMode);
        if (!managementUrl.isValid() || (managementUrl.scheme() != QLatin1String("http")
                                         && managementUrl.scheme() != QLatin1String("https")))
            return core::Error{core::ErrorCode::InvalidArgument,
                               "Management URL: expected http://host:port or https://host:port."};
        profile.managementUrl = managementUrl;
    }
    profile.readOnly = m_readOnly->isChecked();
    profile.webSockets = m_webSockets->isChecked();
    return result;
}

void ConnectionDialog::showStatus(const QString &text, bool error)
{
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #C62828;") : QString());
}

void ConnectionDialog::onInputChanged()
{
    m_keychain->setVisible(false);
    m_sessionOnly->setVisible(false);
    m_pending.reset();
    // In edit mode an empty connection string means "unchanged".
    const bool empty = m_stringMode->isChecked() ? !m_original && m_connectionString->text().trimmed().isEmpty()
                                                 : m_host->text().trimmed().isEmpty();
    if (empty) {
        showStatus(QString(), false);
        m_test->setEnabled(false);
        m_connect->setEnabled(false);
        return;
    }
    const auto result = parsed();
    m_test->setEnabled(result.ok());
    m_connect->setEnabled(result.ok());
    if (!result)
        showStatus(QString::fromStdString(result.error().message), true);
    else
        showStatus(tr("Namespace: %1").arg(result->first.host()), false);
}

void ConnectionDialog::onTest()
{
    const auto result = parsed();
    if (!result) {
        showStatus(QString::fromStdString(result.error().message), true);
        return;
    }
    const auto &[profile, secret] = *result;
    if (!m_original || !secret.isEmpty()) {
        runTest(profile, secret);
        return;
    }
    // Edit mode without a typed key: test with the stored one.
    m_test->setEnabled(false);
    showStatus(tr("Reading the saved key…"), false);
    m_manager->keyStore()->readKey(profile.id, this, [this, profile](core::Result<QString> key) {
        m_test->setEnabled(true);
        if (!key) {
            showStatus(tr("Test failed: the saved key is not available (%1). Type the key to test it.")
                           .arg(QString::fromStdString(key.error().message)),
                       true);
            return;
        }
        runTest(profile, *key);
    });
}

void ConnectionDialog::runTest(const models::ConnectionProfile &profile, const QString &secret)
{
    client::ConnectionOptions options = profile.clientOptions();
    options.operationTimeout = std::chrono::seconds(20);
    auto connection = client::NamespaceConnection::create(profile.connectionString(secret).toStdString(), options);
    if (!connection) {
        showStatus(QString::fromStdString(connection.error().message), true);
        return;
    }
    m_testConnection = std::move(*connection);
    m_test->setEnabled(false);
    showStatus(tr("Testing: listing the queues of %1…").arg(profile.host()), false);
    m_testConnection->listQueues(this, [this](core::Result<std::vector<client::QueueInfo>> queues) {
        m_test->setEnabled(true);
        if (!queues) {
            showStatus(tr("Test failed: %1").arg(QString::fromStdString(queues.error().message)), true);
            return;
        }
        QStringList names;
        for (const auto &q : *queues)
            names << QString::fromStdString(q.description.name);
        const int shown = 5;
        QString list = QStringList(names.mid(0, shown)).join(QStringLiteral(", "));
        if (names.size() > shown)
            list += tr(", …");
        showStatus(names.isEmpty() ? tr("Connected: the namespace has no queues.")
                                   : tr("Connected: %n queue(s): %1", nullptr, int(names.size())).arg(list),
                   false);
    });
}

void ConnectionDialog::onConnect()
{
    if (m_original) {
        onSave();
        return;
    }
    auto result = parsed();
    if (!result) {
        showStatus(QString::fromStdString(result.error().message), true);
        return;
    }
    auto [profile, secret] = std::move(*result);
    profile.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    storeKeyAndFinish(profile, secret);
}

void ConnectionDialog::onSave()
{
    auto result = parsed();
    if (!result) {
        showStatus(QString::fromStdString(result.error().message), true);
        return;
    }
    auto [profile, secret] = std::move(*result);
    if (!secret.isEmpty()) {
        storeKeyAndFinish(profile, secret);
        return;
    }
    // No new key: reconnect with the stored one so endpoint, transport and management URL changes apply.
    m_connect->setEnabled(false);
    showStatus(tr("Reading the saved key…"), false);
    m_manager->keyStore()->readKey(profile.id, this, [this, profile](core::Result<QString> key) {
        if (key) {
            finish(profile, *key);
            return;
        }
        if (credentialsChanged(profile)) {
            m_connect->setEnabled(true);
            showStatus(tr("Enter the key for the new host or key name."), true);
            (m_partsMode->isChecked() ? m_key : m_connectionString)->setFocus();
            return;
        }
        // The key cannot be read: keep the other changes; the connection opens once a key is entered.
        finish(profile, QString());
    });
}

void ConnectionDialog::storeKeyAndFinish(const models::ConnectionProfile &profile, const QString &secret)
{
    m_pending = std::pair{profile, secret};
    m_connect->setEnabled(false);
    showStatus(tr("Saving the key in the OS keychain…"), false);
    m_manager->keyStore()->writeKey(profile.id, secret, this, [this, profile, secret](core::Result<void> written) {
        if (written) {
            finish(profile, secret);
            return;
        }
        m_connect->setEnabled(true);
        showStatus(QString(), false);
        m_keychain->setText(tr("The OS keychain is not available (%1), so the key cannot be saved. Busyard never "
                               "writes keys to its settings file: you can keep the key for this session only and "
                               "enter it again next time.")
                                .arg(QString::fromStdString(written.error().message)));
        m_keychain->setStyleSheet(QStringLiteral("color: #9A5B00;"));
        m_keychain->setVisible(true);
        m_sessionOnly->setVisible(true);
    });
}

void ConnectionDialog::onSessionOnly()
{
    if (!m_pending)
        return;
    const auto [profile, secret] = *m_pending;
    m_manager->keyStore()->setSessionKey(profile.id, secret);
    finish(profile, secret);
}

void ConnectionDialog::finish(const models::ConnectionProfile &profile, const QString &secret)
{
    if (m_original) {
        auto updated = m_manager->updateConnection(profile, secret);
        if (!updated) {
            m_connect->setEnabled(true);
            showStatus(QString::fromStdString(updated.error().message), true);
            return;
        }
        m_pending.reset();
        Q_EMIT connectionUpdated(profile.id);
        accept();
        return;
    }
    auto added = m_manager->addConnection(profile, secret);
    if (!added) {
        m_connect->setEnabled(true);
        showStatus(QString::fromStdString(added.error().message), true);
        return;
    }
    m_connectionId = *added;
    m_pending.reset();
    Q_EMIT connectionAdded(m_connectionId);
    accept();
}

} // namespace busyard::widgets
