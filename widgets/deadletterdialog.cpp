#include "deadletterdialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace busyard::widgets {

DeadLetterDialog::DeadLetterDialog(int count, QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Dead-letter messages"));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(count == 1 ? tr("Move 1 message to the dead-letter queue.") : tr("Move %1 messages to the dead-letter queue.").arg(count), this));
    auto *form = new QFormLayout;
    m_reason = new QLineEdit(QStringLiteral("ManualDeadLetter"), this);
    m_reason->setObjectName(QStringLiteral("reason"));
    m_description = new QPlainTextEdit(this);
    m_description->setObjectName(QStringLiteral("description"));
    m_description->setPlaceholderText(tr("Optional description (DeadLetterErrorDescription)"));
    m_description->setMaximumHeight(80);
    form->addRow(tr("&Reason:"), m_reason);
    form->addRow(tr("&Description:"), m_description);
    layout->addLayout(form);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Dead-letter"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_reason, &QLineEdit::textChanged, this,
            [this, buttons] { buttons->button(QDialogButtonBox::Ok)->setEnabled(!m_reason->text().trimmed().isEmpty()); });
    layout->addWidget(buttons);
}

QString DeadLetterDialog::reason() const
{
    return m_reason->text().trimmed();
}

QString DeadLetterDialog::description() const
{
    return m_description->toPlainText().trimmed();
}

} // namespace busyard::widgets
