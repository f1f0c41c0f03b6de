#pragma once

#include "theme.h"

#include "core/result.h"

#include <QtCore/QString>
#include <QtCore/QStringList>

#include <spdlog/common.h>

#include <optional>

class QCommandLineParser;

namespace busyard::app {

/** What the command line asked for. */
struct CommandLineOptions
{
    spdlog::level::level_enum logLevel = spdlog::level::info;
    QString settingsDirectory;   ///< --settings-dir: INI settings there (tests); empty = platform store
    bool sampleNamespace = false; ///< --sample-namespace: load a sample namespace into the embedded emulator
    std::optional<Theme> theme;  ///< --theme: override (and remember) the colour theme
    QString screenshotFile;      ///< --screenshot (hidden): save the main window as an image and quit
    bool helpRequested = false;
    bool versionRequested = false;
};

/**
 * Sets up `parser` with Busyard's options and parses `arguments` (argv, program name first).
 * Returns InvalidArgument with a user-facing message for unknown options or bad values. Does not
 * print or exit: main() shows help/version/errors, so this stays testable.
 */
core::Result<CommandLineOptions> parseCommandLine(QCommandLineParser &parser, const QStringList &arguments);

} // namespace busyard::app
