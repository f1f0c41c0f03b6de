#pragma once

#include <QDialog>

class QLineEdit;
class QPlainTextEdit;

namespace busyard::widgets {

/** Asks the dead-letter reason and description for `count` messages. */
class DeadLetterDialog : public QDialog
{
    Q_OBJECT

public:
    explicit DeadLetterDialog(int count, QWidget *parent = nullptr);

    QString reason() const;
    QString description() const;
    QLineEdit *reasonEdit() const { return m_reason; }
    QPlainTextEdit *descriptionEdit() const { return m_description; }

private:
    QLineEdit *m_reason = nullptr;
    QPlainTextEdit *m_description = nullptr;
};

} // namespace busyard::widgets
