#include "commandline.h"

#include "logging.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>

namespace busyard::app {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("busyard::app::CommandLine", text);
}

core::Error invalid(const QString &message)
{
    return core::makeError(core::ErrorCode::InvalidArgument, message.toStdString());
}

} // namespace

core::Result<CommandLineOptions> parseCommandLine(QCommandLineParser &parser, const QStringList &arguments)
{
    parser.setApplicationDescription(tr("Busyard: a desktop studio for Azure Service Bus and Event Grid."));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    const QCommandLineOption logLevelOption(
        QStringLiteral("log-level"), tr("Log level: trace, debug, info, warn, error or off (default: info)."),
        tr("level"), QStringLiteral("info"));
    const QCommandLineOption settingsDirOption(
        QStringLiteral("settings-dir"), tr("Keep settings in an INI file in <dir> instead of the user's settings."),
        tr("dir"));
    const QCommandLineOption sampleOption(
        QStringLiteral("sample-namespace"), tr("Start the embedded emulator with a sample namespace."));
    const QCommandLineOption themeOption(
        QStringLiteral("theme"), tr("Colour theme: system, light or dark (remembered)."), tr("theme"));
    QCommandLineOption screenshotOption(
        QStringLiteral("screenshot"), tr("Save the main window to <file> once shown, then quit."), tr("file"));
    screenshotOption.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOptions({logLevelOption, settingsDirOption, sampleOption, themeOption, screenshotOption});

    if (!parser.parse(arguments))
        return invalid(parser.errorText());

    CommandLineOptions options;
    options.helpRequested = parser.isSet(helpOption);
    options.versionRequested = parser.isSet(versionOption);
    if (!parser.positionalArguments().isEmpty())
        return invalid(tr("Unexpected argument: %1").arg(parser.positionalArguments().constFirst()));

    const auto level = parseLogLevel(parser.value(logLevelOption));
    if (!level) {
        return invalid(tr("Unknown log level \"%1\": use trace, debug, info, warn, error or off.")
                           .arg(parser.value(logLevelOption)));
    }
    options.logLevel = *level;

    if (parser.isSet(settingsDirOption)) {
        options.settingsDirectory = parser.value(settingsDirOption);
        if (options.settingsDirectory.isEmpty())
            return invalid(tr("--settings-dir needs a directory."));
    }
    options.sampleNamespace = parser.isSet(sampleOption);
    if (parser.isSet(themeOption)) {
        options.theme = themeFromKey(parser.value(themeOption));
        if (!options.theme)
            return invalid(tr("Unknown theme \"%1\": use system, light or dark.").arg(parser.value(themeOption)));
    }
    options.screenshotFile = parser.value(screenshotOption);
    return options;
}

} // namespace busyard::app
