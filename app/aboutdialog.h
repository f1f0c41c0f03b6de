#pragma once

#include <QtCore/QList>
#include <QtCore/QString>
#include <QtWidgets/QDialog>

namespace busyard::app {

/** A library Busyard is built with, and its version. */
struct LibraryVersion
{
    QString name;
    QString version;
};

/**
 * Versions in use: Qt at run time (qVersion()); QScintilla, Qpid Proton, spdlog and nlohmann_json as
 * compiled in (those libraries have no run-time version query, or none Busyard calls).
 */
QList<LibraryVersion> libraryVersions();

/** "Busyard 0.1.0" plus one "name version" line per library: for bug reports (the dialog's Copy). */
QString versionReport();

/** Help ▸ About Busyard: icon, version, short description and the versions of the libraries. */
class AboutDialog : public QDialog
{
    Q_OBJECT

public:
    explicit AboutDialog(QWidget *parent = nullptr);
};

} // namespace busyard::app
