#pragma once

#include "models/entitytreemodel.h"

#include <QtWidgets/QWidget>

class QLabel;
class QPushButton;
class QTreeWidget;

namespace busyard::widgets {

/**
 * Read-only view of the selected entity: every description field and runtime count, grouped, with
 * an Edit button (disabled for rows that cannot be edited and on read-only connections) and an Open
 * button for rows that hold messages.
 */
class PropertiesPanel : public QWidget
{
    Q_OBJECT

public:
    explicit PropertiesPanel(QWidget *parent = nullptr);

    /** Shows `item`; `readOnly` disables Edit. */
    void setItem(const models::EntityItem &item, bool readOnly);
    void clear();

    /** The value shown for a property ("LockDuration", "ActiveMessageCount", ...); empty if none. */
    QString value(const QString &property) const;
    QTreeWidget *tree() const { return m_tree; }
    QPushButton *editButton() const { return m_edit; }
    QPushButton *openButton() const { return m_open; }

Q_SIGNALS:
    void editRequested();
    void openRequested();

private:
    QLabel *m_title;
    QTreeWidget *m_tree;
    QPushButton *m_edit;
    QPushButton *m_open;
};

} // namespace busyard::widgets
