#pragma once

#include <QtCore/QString>

namespace busyard::app {

/**
 * Makes every default-constructed QSettings use an INI file under `directory`
 * (`directory/<organisation>/<application>.ini`) instead of the platform store: --settings-dir, and
 * tests with a QTemporaryDir. Call before the first QSettings is created.
 */
void useSettingsDirectory(const QString &directory);

} // namespace busyard::app
