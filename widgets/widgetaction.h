#pragma once

#include <QString>

class QAction;
class QWidget;

namespace busyard::widgets {

/**
 * An action of a tab-like widget (message browser, sessions view): named `objectName` (tests find it),
 * added to `owner` so its shortcut works while focus is inside `owner` (Qt::WidgetWithChildrenShortcut),
 * tool tip "tip (shortcut)". `shortcut` may be empty. Owned by `owner`.
 */
QAction *addWidgetAction(QWidget *owner, const char *objectName, const QString &text, const QString &shortcut,
                         const QString &tip);

} // namespace busyard::widgets
