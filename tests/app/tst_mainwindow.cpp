// GUI smoke test of the main window on the offscreen platform: menus, log dock fed by spdlog, level
// filter, copy, settings round trip, theme, welcome page/tabs, About dialog versions.
#include "aboutdialog.h"
#include "logging.h"
#include "mainwindow.h"
#include "settings.h"
#include "theme.h"
#include "version.h"

#include "core/logging.h"
#include "models/logfiltermodel.h"
#include "models/logmodel.h"
#include "resources/resources.h"
#include "widgets/emptystate.h"
#include "widgets/logview.h"

#include <Qsci/qsciglobal.h>
#include <nlohmann/json.hpp>
#include <spdlog/version.h>

#include <QtCore/QDir>
#include <QtCore/QRegularExpression>
#include <QtCore/QSettings>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtGui/QAction>
#include <QtGui/QClipboard>
#include <QtWidgets/QApplication>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDockWidget>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMenu>
#include <QtWidgets/QMenuBar>
#include <QtWidgets/QStyle>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QTableView>
#include <QtTest/QTest>

#include <memory>

using namespace busyard;

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void menusExist();
    void namespaceDockShowsEmptyState();
    void recordReachesLogDock();
    void levelFilterHidesLowerRecords();
    void copiesSelectedRecords();
    void copyShortcut();
    void logLevelFiltersAtSource();
    void clearEmptiesThePane();
    void settingsRoundTrip();
    void themes();
    void welcomePageAndTabs();
    void aboutDialogNamesVersions();
    void iconsLoad();

private:
    /** Index of the first row of the log pane whose message is `message`, or -1. */
    int logRow(const QString &message) const;

    QTemporaryDir m_dir;
    std::unique_ptr<models::LogModel> m_model;
    std::unique_ptr<app::Logging> m_logging;
    std::unique_ptr<app::MainWindow> m_window;
};

void TestMainWindow::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("Busyard"));
    QCoreApplication::setApplicationName(QStringLiteral("Busyard"));
    resources::initialize();
    app::useSettingsDirectory(m_dir.path());
}

void TestMainWindow::init()
{
    QSettings().clear();
    m_model = std::make_unique<models::LogModel>();
    m_logging = std::make_unique<app::Logging>(
        m_model.get(), app::LoggingOptions{spdlog::level::trace, m_dir.filePath(QStringLiteral("logs")), false});
    m_window = std::make_unique<app::MainWindow>(m_model.get());
    m_window->setLogFilePath(m_logging->logFilePath());
}

void TestMainWindow::cleanup()
{
    m_window.reset();
    m_logging.reset();
    m_model.reset();
    app::applyTheme(app::Theme::System);
}

int TestMainWindow::logRow(const QString &message) const
{
    const QAbstractItemModel *view = m_window->logView()->tableView()->model();
    for (int row = 0; row < view->rowCount(); ++row) {
        if (view->index(row, models::LogModel::MessageColumn).data().toString() == message)
            return row;
    }
    return -1;
}

void TestMainWindow::menusExist()
{
    QStringList titles;
    for (QAction *action : m_window->menuBar()->actions())
        titles << action->text().remove(QLatin1Char('&'));
    QCOMPARE(titles, (QStringList{QStringLiteral("File"), QStringLiteral("Connection"), QStringLiteral("View"),
                                  QStringLiteral("Tools"), QStringLiteral("Help")}));

    auto *file = m_window->findChild<QMenu *>(QStringLiteral("fileMenu"));
    QVERIFY(file);
    bool hasQuit = false;
    for (QAction *action : file->actions())
        hasQuit = hasQuit || action->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_Q);
    QVERIFY(hasQuit);

    auto *newConnection = m_window->findChild<QAction *>(QStringLiteral("newConnectionAction"));
    QVERIFY(newConnection);
    QVERIFY(newConnection->isEnabled()); // opens the Explorer's connection dialog (tst_explorer)
    QCOMPARE(newConnection->shortcut(), QKeySequence(QKeySequence::New));

    auto *view = m_window->findChild<QMenu *>(QStringLiteral("viewMenu"));
    QVERIFY(view);
    QVERIFY(view->actions().contains(m_window->namespaceDock()->toggleViewAction()));
    QVERIFY(view->actions().contains(m_window->logDock()->toggleViewAction()));
    auto *themeMenu = m_window->findChild<QMenu *>(QStringLiteral("themeMenu"));
    QVERIFY(themeMenu);
    QStringList themeItems;
    for (QAction *action : themeMenu->actions()) {
        if (!action->isSeparator())
            themeItems << action->text().remove(QLatin1Char('&'));
    }
    QCOMPARE(themeItems, (QStringList{QStringLiteral("Follow System"), QStringLiteral("Light"), QStringLiteral("Dark")}));

    auto *help = m_window->findChild<QMenu *>(QStringLiteral("helpMenu"));
    QVERIFY(help);
    QStringList helpItems;
    for (QAction *action : help->actions())
        helpItems << action->text().remove(QLatin1Char('&'));
    QCOMPARE(helpItems, (QStringList{QStringLiteral("About Busyard…"), QStringLiteral("About Qt")}));

    // Toggling a dock from the View menu hides and shows it.
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    m_window->logDock()->toggleViewAction()->trigger();
    QVERIFY(!m_window->logDock()->isVisible());
    m_window->logDock()->toggleViewAction()->trigger();
    QVERIFY(m_window->logDock()->isVisible());
}

void TestMainWindow::namespaceDockShowsEmptyState()
{
    widgets::EmptyState *empty = m_window->namespaceEmptyState();
    QVERIFY(empty);
    QVERIFY(m_window->isNamespaceEmptyStateVisible()); // no user connection, embedded emulator not running
    QVERIFY(m_window->namespaceDock()->widget()->isAncestorOf(empty));
    QVERIFY(empty->title().contains(QStringLiteral("No namespaces")));
    QVERIFY(empty->text().contains(QStringLiteral("New Connection")));
}

void TestMainWindow::recordReachesLogDock()
{
    core::logger("app")->info("hello from the {} logger, {}", "app", 42);
    core::logger("core")->warn("core says {}", "hi");
    QTRY_VERIFY(logRow(QStringLiteral("hello from the app logger, 42")) >= 0);
    QTRY_VERIFY(logRow(QStringLiteral("core says hi")) >= 0);
    const QAbstractItemModel *view = m_window->logView()->tableView()->model();
    const int row = logRow(QStringLiteral("hello from the app logger, 42"));
    QCOMPARE(view->index(row, models::LogModel::LoggerColumn).data().toString(), QStringLiteral("app"));
    QCOMPARE(view->index(row, models::LogModel::LevelColumn).data().toString(), QStringLiteral("info"));
    // Every library has its own named logger sharing the sinks.
    for (const char *name : app::Logging::LoggerNames)
        QVERIFY2(spdlog::get(name), name);
    // The file sink writes too.
    QVERIFY(QFile::exists(m_logging->logFilePath()));
}

void TestMainWindow::levelFilterHidesLowerRecords()
{
    auto log = core::logger("app");
    log->debug("a debug record");
    log->info("an info record");
    log->warn("a warning record");
    log->error("an error record");
    QTRY_VERIFY(logRow(QStringLiteral("an error record")) >= 0);
    QVERIFY(logRow(QStringLiteral("a debug record")) >= 0);

    auto *combo = m_window->logView()->findChild<QComboBox *>();
    QVERIFY(combo);
    combo->setCurrentIndex(combo->findText(QStringLiteral("Warning")));
    QCOMPARE(m_window->logView()->minimumLevel(), int(spdlog::level::warn));
    QCOMPARE(logRow(QStringLiteral("a debug record")), -1);
    QCOMPARE(logRow(QStringLiteral("an info record")), -1);
    QVERIFY(logRow(QStringLiteral("a warning record")) >= 0);
    QVERIFY(logRow(QStringLiteral("an error record")) >= 0);

    // Records arriving later are filtered as well.
    log->info("a later info record");
    log->error("a later error record");
    QTRY_VERIFY(logRow(QStringLiteral("a later error record")) >= 0);
    QCOMPARE(logRow(QStringLiteral("a later info record")), -1);

    combo->setCurrentIndex(combo->findText(QStringLiteral("Trace")));
    QVERIFY(logRow(QStringLiteral("a later info record")) >= 0);
}

void TestMainWindow::copiesSelectedRecords()
{
    auto log = core::logger("models");
    log->info("first line");
    log->info("second line");
    QTRY_VERIFY(logRow(QStringLiteral("second line")) >= 0);
    QTableView *table = m_window->logView()->tableView();
    QVERIFY(!m_window->logView()->copyAction()->isEnabled());
    table->selectionModel()->select(table->model()->index(logRow(QStringLiteral("first line")), 0),
                                    QItemSelectionModel::Select | QItemSelectionModel::Rows);
    table->selectionModel()->select(table->model()->index(logRow(QStringLiteral("second line")), 0),
                                    QItemSelectionModel::Select | QItemSelectionModel::Rows);
    QVERIFY(m_window->logView()->copyAction()->isEnabled());
    m_window->logView()->copyAction()->trigger();
    const QStringList lines = QGuiApplication::clipboard()->text().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 2);
    QVERIFY(lines.at(0).endsWith(QStringLiteral("\tinfo\tmodels\tfirst line")));
    QVERIFY(lines.at(1).endsWith(QStringLiteral("\tinfo\tmodels\tsecond line")));
}

void TestMainWindow::copyShortcut()
{
    m_window->show();
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    core::logger("designer")->info("copy me");
    QTRY_VERIFY(logRow(QStringLiteral("copy me")) >= 0);
    QTableView *table = m_window->logView()->tableView();
    table->setFocus();
    table->selectRow(logRow(QStringLiteral("copy me")));
    QGuiApplication::clipboard()->clear();
    QTest::keySequence(table, QKeySequence::Copy);
    QVERIFY(QGuiApplication::clipboard()->text().endsWith(QStringLiteral("\tinfo\tdesigner\tcopy me\n")));
}

void TestMainWindow::logLevelFiltersAtSource()
{
    m_logging->setLevel(spdlog::level::info); // --log-level info
    auto log = core::logger("emulator");
    log->debug("below the level");
    log->info("at the level");
    // Records arrive in order, so once the second is there the first would be too.
    QTRY_VERIFY(logRow(QStringLiteral("at the level")) >= 0);
    QCOMPARE(logRow(QStringLiteral("below the level")), -1);
    QCOMPARE(spdlog::get("client")->level(), spdlog::level::info);
}

void TestMainWindow::clearEmptiesThePane()
{
    core::logger("widgets")->info("to be cleared");
    QTRY_VERIFY(logRow(QStringLiteral("to be cleared")) >= 0);
    m_window->logView()->clearAction()->trigger();
    QCOMPARE(m_window->logView()->tableView()->model()->rowCount(), 0);
}

void TestMainWindow::settingsRoundTrip()
{
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    const QSize firstRunSize = m_window->size();
    m_window->resize(firstRunSize - QSize(60, 40));
    const QSize size = m_window->size(); // as the window manager / minimum size allowed it
    QVERIFY(size != firstRunSize);
    m_window->logDock()->hide();
    m_window->setTheme(app::Theme::Dark);
    m_window->logView()->setMinimumLevel(int(spdlog::level::warn));
    QVERIFY(m_window->close()); // closing saves
    m_window.reset();

    // The settings went to the INI file of the temporary directory (--settings-dir).
    QVERIFY(QFile::exists(m_dir.filePath(QStringLiteral("Busyard/Busyard.ini"))));
    QCOMPARE(QSettings().fileName(), m_dir.filePath(QStringLiteral("Busyard/Busyard.ini")));

    app::applyTheme(app::Theme::System);
    m_window = std::make_unique<app::MainWindow>(m_model.get());
    QCOMPARE(m_window->theme(), app::Theme::Dark);
    QVERIFY(app::isDark(QApplication::palette()));
    QVERIFY(m_window->findChild<QAction *>(QStringLiteral("theme_dark"))->isChecked());
    QVERIFY(m_window->logDock()->isHidden());
    QVERIFY(!m_window->logDock()->toggleViewAction()->isChecked());
    QVERIFY(!m_window->namespaceDock()->isHidden());
    QCOMPARE(m_window->logView()->minimumLevel(), int(spdlog::level::warn));
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QCOMPARE(m_window->size(), size);
    QVERIFY(!m_window->logDock()->isVisible());
}

void TestMainWindow::themes()
{
    QVERIFY(app::isDark(app::darkPalette()));
    QVERIFY(!app::isDark(app::lightPalette()));
    const QString systemStyle = QApplication::style()->name();

    m_window->findChild<QAction *>(QStringLiteral("theme_dark"))->trigger();
    QCOMPARE(app::currentTheme(), app::Theme::Dark);
    QCOMPARE(QApplication::style()->name(), QStringLiteral("fusion"));
    QCOMPARE(QApplication::palette().color(QPalette::Window), app::darkPalette().color(QPalette::Window));
    QCOMPARE(QSettings().value(QStringLiteral("appearance/theme")).toString(), QStringLiteral("dark"));

    m_window->findChild<QAction *>(QStringLiteral("theme_light"))->trigger();
    QVERIFY(!app::isDark(QApplication::palette()));
    QCOMPARE(QApplication::palette().color(QPalette::Window), app::lightPalette().color(QPalette::Window));

    m_window->findChild<QAction *>(QStringLiteral("theme_system"))->trigger();
    QCOMPARE(QApplication::style()->name(), systemStyle);
    QCOMPARE(app::isDark(QApplication::palette()), app::systemPrefersDark());
    QCOMPARE(QSettings().value(QStringLiteral("appearance/theme")).toString(), QStringLiteral("system"));
}

void TestMainWindow::welcomePageAndTabs()
{
    QVERIFY(m_window->isWelcomeVisible());
    QVERIFY(m_window->tabs()->documentMode());
    QVERIFY(m_window->tabs()->tabsClosable());
    QPointer<QLabel> page = new QLabel(QStringLiteral("a document"));
    m_window->openTab(page, QIcon(), QStringLiteral("Doc"));
    QVERIFY(!m_window->isWelcomeVisible());
    QCOMPARE(m_window->tabs()->count(), 1);
    emit m_window->tabs()->tabCloseRequested(0);
    QVERIFY(m_window->isWelcomeVisible());
    QCOMPARE(m_window->tabs()->count(), 0);
    QTRY_VERIFY(page.isNull()); // the closed page is deleted
}

void TestMainWindow::aboutDialogNamesVersions()
{
    QDialog *dialog = m_window->showAboutDialog();
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    QStringList texts;
    for (const QLabel *label : dialog->findChildren<QLabel *>())
        texts << label->text();
    const QString all = texts.join(QLatin1Char('\n'));

    const QString proton = QStringLiteral(BUSYARD_PROTON_VERSION);
    QVERIFY2(QRegularExpression(QStringLiteral("^\\d+\\.\\d+\\.\\d+$")).match(proton).hasMatch(),
             "the Qpid Proton version was not found at configure time");
    const QStringList expected = {
        QStringLiteral(BUSYARD_VERSION),
        QString::fromLatin1(qVersion()),
        QStringLiteral(QSCINTILLA_VERSION_STR),
        proton,
        QStringLiteral("%1.%2.%3").arg(SPDLOG_VER_MAJOR).arg(SPDLOG_VER_MINOR).arg(SPDLOG_VER_PATCH),
        QStringLiteral("%1.%2.%3").arg(NLOHMANN_JSON_VERSION_MAJOR).arg(NLOHMANN_JSON_VERSION_MINOR).arg(NLOHMANN_JSON_VERSION_PATCH),
    };
    for (const QString &version : expected)
        QVERIFY2(all.contains(version), qPrintable(QStringLiteral("missing %1 in:\n%2").arg(version, all)));
    for (const char *name : {"Qt", "QScintilla", "Qpid Proton", "spdlog", "nlohmann_json"})
        QVERIFY2(texts.contains(QString::fromLatin1(name)), name);
    QVERIFY(app::versionReport().contains(QStringLiteral("Qpid Proton ") + proton));

    // Opening it again raises the same dialog.
    QCOMPARE(m_window->showAboutDialog(), dialog);

    if (const QByteArray dir = qgetenv("BUSYARD_GRAB_DIR"); !dir.isEmpty())
        dialog->grab().save(QDir(QString::fromLocal8Bit(dir)).filePath(QStringLiteral("about.png")));
    dialog->close();
    QTRY_VERIFY(!m_window->findChild<QDialog *>(QStringLiteral("aboutDialog")));
}

void TestMainWindow::iconsLoad()
{
    // Every icon of the resource file renders (resources linked and initialised, SVG plugin present).
    const QStringList icons = QDir(QStringLiteral(":/busyard/icons")).entryList();
    QVERIFY2(icons.size() >= 10, qPrintable(icons.join(u',')));
    QVERIFY(icons.contains(QStringLiteral("busyard.svg")));
    for (const QString &name : icons) {
        const QImage image = QIcon(QStringLiteral(":/busyard/icons/") + name).pixmap(QSize(64, 64)).toImage();
        QVERIFY2(!image.isNull(), qPrintable(name));
        int opaque = 0;
        for (int y = 0; y < image.height(); ++y)
            for (int x = 0; x < image.width(); ++x)
                opaque += qAlpha(image.pixel(x, y)) > 0 ? 1 : 0;
        QVERIFY2(opaque > 64, qPrintable(name)); // something was drawn
    }
    if (const QByteArray dir = qgetenv("BUSYARD_GRAB_DIR"); !dir.isEmpty()) {
        QIcon(QStringLiteral(":/busyard/icons/busyard.svg")).pixmap(QSize(256, 256))
            .save(QDir(QString::fromLocal8Bit(dir)).filePath(QStringLiteral("icon-256.png")));
    }
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
