#include "widgetaction.h"

#include <QAction>
#include <QKeySequence>
#include <QWidget>

namespace busyard::widgets {

QAction *addWidgetAction(QWidget *owner, const char *objectName, const QString &text, const QString &shortcut,
                         const QString &tip)
{
    auto *action = new QAction(text, owner);
    action->setObjectName(QLatin1String(objectName));
    if (!shortcut.isEmpty()) {
        action->setShortcut(QKeySequence(shortcut));
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    }
    action->setToolTip(shortcut.isEmpty()
                           ? tip
                           : QStringLiteral("%1 (%2)").arg(tip, QKeySequence(shortcut).toString(QKeySequence::NativeText)));
    owner->addAction(action);
    return action;
}

} // namespace busyard::widgets
