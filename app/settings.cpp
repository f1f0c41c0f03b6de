#include "settings.h"

#include <QtCore/QSettings>

namespace busyard::app {

void useSettingsDirectory(const QString &directory)
{
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, directory);
    // Keep machine-wide fallbacks (/etc/xdg) out of an isolated run as well.
    QSettings::setPath(QSettings::IniFormat, QSettings::SystemScope, directory + QStringLiteral("/system"));
}

} // namespace busyard::app
