#pragma once

#include "models/connectionmanager.h"

#include <QtWidgets/QDialog>

#include <memory>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QStackedWidget;

namespace busyard::client {
class NamespaceConnection;
} // namespace busyard::client

namespace busyard::widgets {

/**
 * New Connection: a connection string, or host + key name + key; a display name, an optional
 * management URL (emulators) and the read-only switch. Malformed input is reported precisely as the
 * user types (core::parseConnectionString's message). Test opens a throw-away NamespaceConnection and
 * lists the queues.
 *
 * Connect stores the secret in the OS keychain (models::KeyStore) and adds the connection to the
 * manager. When the keychain is unavailable the dialog says so and offers "Keep the key for this
 * session only"; the key is never written to the settings file.
 */
class ConnectionDialog : public QDialog
{
    Q_OBJECT

public:
    /** `manager` is not owned and must outlive the dialog. */
    explicit ConnectionDialog(models::ConnectionManager *manager, QWidget *parent = nullptr);
    ~ConnectionDialog() override;

    /** The id of the connection added (after acceptance). */
    QString connectionId() const { return m_connectionId; }

    // The widgets, for tests.
    QRadioButton *connectionStringMode() const { return m_stringMode; }
    QRadioButton *partsMode() const { return m_partsMode; }
    QLineEdit *connectionStringEdit() const { return m_connectionString; }
    QLineEdit *hostEdit() const { return m_host; }
    QLineEdit *keyNameEdit() const { return m_keyName; }
    QLineEdit *keyEdit() const { return m_key; }
    QLineEdit *nameEdit() const { return m_name; }
    QLineEdit *managementUrlEdit() const { return m_managementUrl; }
    QCheckBox *readOnlyCheck() const { return m_readOnly; }
    QCheckBox *webSocketsCheck() const { return m_webSockets; }
    QPushButton *testButton() const { return m_test; }
    QPushButton *connectButton() const { return m_connect; }
    /** Parse errors and test results. */
    QLabel *statusLabel() const { return m_status; }
    /** "The OS keychain is not available ..." */
    QLabel *keychainLabel() const { return m_keychain; }
    QPushButton *sessionOnlyButton() const { return m_sessionOnly; }

Q_SIGNALS:
    void connectionAdded(const QString &id);

private:
    core::Result<std::pair<models::ConnectionProfile, QString>> parsed() const;
    void onInputChanged();
    void onTest();
    void onConnect();
    void onSessionOnly();
    void addAndAccept(const models::ConnectionProfile &profile, const QString &secret);
    void showStatus(const QString &text, bool error);

    models::ConnectionManager *m_manager;
    QRadioButton *m_stringMode;
    QRadioButton *m_partsMode;
    QStackedWidget *m_pages;
    QLineEdit *m_connectionString;
    QLineEdit *m_host;
    QLineEdit *m_keyName;
    QLineEdit *m_key;
    QLineEdit *m_name;
    QLineEdit *m_managementUrl;
    QCheckBox *m_readOnly;
    QCheckBox *m_webSockets;
    QPushButton *m_test;
    QPushButton *m_connect;
    QLabel *m_status;
    QLabel *m_keychain;
    QPushButton *m_sessionOnly;
    std::unique_ptr<client::NamespaceConnection> m_testConnection;
    /** The profile waiting for the keychain (or the user's session-only choice). */
    std::optional<std::pair<models::ConnectionProfile, QString>> m_pending;
    QString m_connectionId;
};

} // namespace busyard::widgets
