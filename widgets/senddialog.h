#pragma once

#include "propertytable.h"

#include "core/message.h"
#include "core/result.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QsciScintilla;

namespace busyard::widgets {



/**
 * Composes a message: body (QScintilla), content type, every client-set system property, typed
 * application properties (name, type, value; validated as typed), a number of copies sent as one
 * batch, and named templates saved in QSettings ("sendTemplates/<name>", the messages JSON format).
 * Ctrl+Return sends. Only collects: the caller sends message() × copies() on accept.
 *
 * Resend: setMessage() pre-fills from a message; message() starts from a clone of it, so body bytes
 * (also binary ones shown as text that cannot round-trip), annotations and other fields the dialog
 * does not edit are kept unless changed.
 */
class SendDialog : public QDialog
{
    Q_OBJECT

public:
    explicit SendDialog(const QString &entityPath, QWidget *parent = nullptr);
    ~SendDialog() override;

    void setMessage(const core::Message &message);
    /** The message as edited; InvalidArgument naming the first invalid field. */
    core::Result<core::Message> message() const;
    int copies() const;
    void setCopies(int copies);

    // Widgets, for tests.
    QsciScintilla *bodyEditor() const { return m_body; }
    QLineEdit *field(const QString &objectName) const;
    PropertyTable *propertiesTable() const { return m_properties; }
    QPushButton *sendButton() const { return m_send; }
    /** Appends an application property row. */
    void addProperty(const QString &name, const QString &type, const QString &value);

    /** Saved template names (sorted). */
    static QStringList templateNames();
    void saveTemplate(const QString &name);
    bool loadTemplate(const QString &name);

    void accept() override;

private:
    void validate();
    void onSaveTemplate();
    void onLoadTemplate(int index);
    void onDeleteTemplate();
    void reloadTemplates();

    core::Message m_base;
    QString m_originalBodyText;
    QsciScintilla *m_body = nullptr;
    QComboBox *m_contentType = nullptr;
    QLineEdit *m_messageId = nullptr;
    QLineEdit *m_correlationId = nullptr;
    QLineEdit *m_sessionId = nullptr;
    QLineEdit *m_replyTo = nullptr;
    QLineEdit *m_replyToSessionId = nullptr;
    QLineEdit *m_subject = nullptr;
    QLineEdit *m_to = nullptr;
    QLineEdit *m_partitionKey = nullptr;
    QSpinBox *m_ttlSeconds = nullptr;
    QCheckBox *m_scheduled = nullptr;
    QDateTimeEdit *m_scheduledTime = nullptr;
    PropertyTable *m_properties = nullptr;
    QSpinBox *m_copies = nullptr;
    QComboBox *m_templates = nullptr;
    QLabel *m_error = nullptr;
    QPushButton *m_send = nullptr;
};

} // namespace busyard::widgets
