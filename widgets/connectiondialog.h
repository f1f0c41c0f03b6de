#pragma once

#include "models/connectionmanager.h"

#include <QtWidgets/QDialog>

#include <memory>
#include <optional>

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
 *
 * Edit mode (the second constructor) changes an existing user connection: "Edit Connection", the
 * fields pre-filled from its profile, Save instead of Connect. The key field (the connection string
 * for SAS-token profiles) starts empty and means "unchanged". Save with a new secret stores it like
 * Connect does, then ConnectionManager::updateConnection(profile, secret) with the same id; without
 * one it reads the stored secret and reconnects with it, so endpoint, WebSockets and management URL
 * changes take effect. A changed host or key name without a typed key needs a readable stored key
 * ("Enter the key for the new host or key name"); when the key cannot be read and the credentials
 * are unchanged, only the profile is updated (name, read-only, ...), without a reconnect.
 * Test uses the stored key when none is typed. The embedded emulator's entry is not editable.
 */
class ConnectionDialog : public QDialog
{
    Q_OBJECT

public:
    /** `manager` is not owned and must outlive the dialog. */
    explicit ConnectionDialog(models::ConnectionManager *manager, QWidget *parent = nullptr);
    /**
     * Edit mode for the user connection `connectionId`. An unknown id or the embedded entry is a bug:
     * asserted, and the dialog stays a New Connection dialog.
     */
    ConnectionDialog(models::ConnectionManager *manager, const QString &connectionId, QWidget *parent = nullptr);
    ~ConnectionDialog() override;

    /** True when editing an existing connection. */
    bool isEditing() const { return m_original.has_value(); }
    /** The id of the connection added (after acceptance) or edited. */
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
    /** "Connect", or "Save" in edit mode. */
    QPushButton *connectButton() const { return m_connect; }
    /** Parse errors and test results. */
    QLabel *statusLabel() const { return m_status; }
    /** "The OS keychain is not available ..." */
    QLabel *keychainLabel() const { return m_keychain; }
    QPushButton *sessionOnlyButton() const { return m_sessionOnly; }

Q_SIGNALS:
    void connectionAdded(const QString &id);
    /** Edit mode: the profile (and secret, if typed) went to ConnectionManager::updateConnection(). */
    void connectionUpdated(const QString &id);

private:
    /**
     * The profile and secret the fields describe. In edit mode the secret is empty when none was
     * typed ("unchanged") and the profile keeps the original id.
     */
    core::Result<std::pair<models::ConnectionProfile, QString>> parsed() const;
    void startEditing(const QString &connectionId);
    /** Edit mode: host, key name or credential type differ from the original profile. */
    bool credentialsChanged(const models::ConnectionProfile &profile) const;
    void onInputChanged();
    void onTest();
    void runTest(const models::ConnectionProfile &profile, const QString &secret);
    void onConnect();
    void onSave();
    void onSessionOnly();
    /** Stores `secret` in the keychain, then finish(); offers the session-only choice if that fails. */
    void storeKeyAndFinish(const models::ConnectionProfile &profile, const QString &secret);
    /** Adds (new) or updates (edit mode) the connection and accepts. */
    void finish(const models::ConnectionProfile &profile, const QString &secret);
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
    /** Edit mode: the profile being edited, as it was when the dialog opened. */
    std::optional<models::ConnectionProfile> m_original;
};

} // namespace busyard::widgets
