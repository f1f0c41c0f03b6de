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

ConnectionDialog::~ConnectionDialog() = default;

core::Result<std::pair<models::ConnectionProfile, QString>> ConnectionDialog::parsed() const
{
    auto result = m_stringMode->isChecked()
                      ? models::ConnectionProfile::fromConnectionString(m_connectionString->text())
                      : models::ConnectionProfile::fromParts(m_host->text(), m_keyName->text(), m_key->text());
    if (!result)
        return result;
    auto &profile = result->first;
    if (!m_name->text().trimmed().isEmpty())
        profile.name = m_name->text().trimmed();
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
    const bool empty = m_stringMode->isChecked() ? m_connectionString->text().trimmed().isEmpty()
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
    client::ConnectionOptions options = result->first.clientOptions();
    options.operationTimeout = std::chrono::seconds(20);
    auto connection = client::NamespaceConnection::create(result->first.connectionString(result->second).toStdString(),
                                                          options);
    if (!connection) {
        showStatus(QString::fromStdString(connection.error().message), true);
        return;
    }
    m_testConnection = std::move(*connection);
    m_test->setEnabled(false);
    showStatus(tr("Testing: listing the queues of %1…").arg(result->first.host()), false);
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
    auto result = parsed();
    if (!result) {
        showStatus(QString::fromStdString(result.error().message), true);
        return;
    }
    auto [profile, secret] = std::move(*result);
    profile.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    m_pending = std::pair{profile, secret};
    m_connect->setEnabled(false);
    showStatus(tr("Saving the key in the OS keychain…"), false);
    m_manager->keyStore()->writeKey(profile.id, secret, this, [this, profile, secret](core::Result<void> written) {
        if (written) {
            addAndAccept(profile, secret);
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
    addAndAccept(profile, secret);
}

void ConnectionDialog::addAndAccept(const models::ConnectionProfile &profile, const QString &secret)
{
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
