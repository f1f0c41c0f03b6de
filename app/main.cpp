#include "commandline.h"
#include "embeddedemulator.h"
#include "logging.h"
#include "mainwindow.h"
#include "sampledata.h"
#include "settings.h"
#include "version.h"

#include "core/client/namespaceconnection.h"
#include "core/logging.h"
#include "models/connectionmanager.h"
#include "models/logmodel.h"
#include "models/qstringformatter.h"
#include "resources/resources.h"
#include "widgets/explorerpane.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QTimer>
#include <QtCore/QUrl>
#include <QtGui/QIcon>
#include <QtWidgets/QStatusBar>
#include <QtWidgets/QApplication>

#include <algorithm>
#include <cstdio>

using namespace busyard;

namespace {

QStringList argumentsOf(int argc, char *argv[])
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    return arguments;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication::setOrganizationName(QStringLiteral("Busyard"));
    QCoreApplication::setApplicationName(QStringLiteral("Busyard"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BUSYARD_VERSION));

    // --help and --version (and mistakes next to them) must work without a display: answer them
    // before QApplication exists. Otherwise parse after it, once it has taken its own options
    // (-platform, -style, ...) out of the arguments.
    const QStringList rawArguments = argumentsOf(argc, argv);
    static const QStringList consoleFlags = {QStringLiteral("-h"), QStringLiteral("--help"), QStringLiteral("-?"),
                                             QStringLiteral("--help-all"), QStringLiteral("-v"),
                                             QStringLiteral("--version")};
    if (std::any_of(rawArguments.cbegin() + 1, rawArguments.cend(),
                    [](const QString &argument) { return consoleFlags.contains(argument); })) {
        QCoreApplication console(argc, argv);
        QCommandLineParser parser;
        const auto parsed = app::parseCommandLine(parser, rawArguments);
        if (!parsed) {
            std::fprintf(stderr, "busyard: %s\nTry 'busyard --help'.\n", parsed.error().message.c_str());
            return 2;
        }
        parser.process(console); // prints help or version and exits
        return 0;
    }

    QApplication application(argc, argv);
    QApplication::setApplicationDisplayName(QStringLiteral("Busyard"));
    QGuiApplication::setDesktopFileName(QStringLiteral(BUSYARD_APP_ID));

    QCommandLineParser parser;
    const auto parsed = app::parseCommandLine(parser, QApplication::arguments());
    if (!parsed) {
        std::fprintf(stderr, "busyard: %s\nTry 'busyard --help'.\n", parsed.error().message.c_str());
        return 2;
    }
    const app::CommandLineOptions &options = *parsed;

    resources::initialize();
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/busyard/icons/busyard.svg")));
    if (!options.settingsDirectory.isEmpty())
        app::useSettingsDirectory(options.settingsDirectory);

    // The model outlives the logging set-up, which outlives the window (destroyed in reverse order).
    models::LogModel logModel;
    app::Logging logging(&logModel, {options.logLevel, app::defaultLogDirectory(), true});
    const auto log = core::logger("app");
    log->info("Busyard {} starting (Qt {})", BUSYARD_VERSION, qVersion());
    if (!logging.logFilePath().isEmpty())
        log->info("Log file: {}", logging.logFilePath());
    if (!options.settingsDirectory.isEmpty())
        log->debug("Settings directory: {}", options.settingsDirectory);

    app::MainWindow window(&logModel);
    window.setLogFilePath(logging.logFilePath());
    if (options.theme)
        window.setTheme(*options.theme);
    // The embedded emulator runs on its own thread for the whole session; its destructor (before the
    // window's, in reverse order) stops it and joins the thread.
    app::EmbeddedEmulator embedded;
    window.statusBar()->addPermanentWidget(new app::EmbeddedEmulatorStatus(&embedded));
    const bool sampleNamespace = options.sampleNamespace;
    QObject::connect(&embedded, &app::EmbeddedEmulator::stateChanged, &window, [&embedded, &window, sampleNamespace] {
        models::ConnectionManager *connections = window.connectionManager();
        switch (embedded.state()) {
        case app::EmbeddedEmulator::State::Running: {
            const auto &e = embedded.endpoints();
            QUrl management;
            if (e.httpPort)
                management = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(*e.httpPort));
            connections->setEmbeddedEmulator(embedded.connectionString(), management);
            if (client::NamespaceConnection *connection = connections->connection(models::ConnectionManager::EmbeddedId);
                connection && sampleNamespace) {
                auto *seeder = new app::SampleSeeder(connection, connection);
                QObject::connect(seeder, &app::SampleSeeder::finished, &window, [&window](bool seeded, const QString &) {
                    if (seeded)
                        window.explorer()->refresh();
                });
                seeder->start();
            }
            break;
        }
        case app::EmbeddedEmulator::State::Failed:
            connections->setEmbeddedEmulatorStopped(embedded.errorText());
            break;
        case app::EmbeddedEmulator::State::Stopped:
            connections->setEmbeddedEmulatorStopped();
            break;
        case app::EmbeddedEmulator::State::Starting:
            break;
        }
    });
    embedded.start(options.sampleNamespace);
    window.show();

    int exitCode = 0;
    if (!options.screenshotFile.isEmpty()) {
        // Let the first log records reach the pane (flushed every 100 ms) and the layout settle.
        QTimer::singleShot(500, &window, [&] {
            if (!window.grab().save(options.screenshotFile)) {
                log->error("Could not save the screenshot to {}", options.screenshotFile);
                exitCode = 1;
            }
            QApplication::quit();
        });
    }
    const int loopCode = QApplication::exec();
    log->info("Busyard exiting");
    return exitCode != 0 ? exitCode : loopCode;
}
