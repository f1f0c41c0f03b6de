// Command-line parsing of the busyard executable, and --log-level / theme name parsing.
#include "commandline.h"
#include "logging.h"
#include "theme.h"

#include <QtCore/QCommandLineParser>
#include <QtTest/QTest>

using namespace busyard;

Q_DECLARE_METATYPE(spdlog::level::level_enum)

class TestCommandLine : public QObject
{
    Q_OBJECT

private slots:
    void parses_data();
    void parses();
    void rejects_data();
    void rejects();
    void logLevels_data();
    void logLevels();
    void themeKeysRoundTrip();
};

void TestCommandLine::parses_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<spdlog::level::level_enum>("level");
    QTest::addColumn<QString>("settingsDir");
    QTest::addColumn<bool>("sample");
    QTest::addColumn<QString>("theme");
    QTest::addColumn<QString>("screenshot");
    QTest::addColumn<bool>("help");

    QTest::newRow("defaults") << QStringList{} << spdlog::level::info << QString() << false << QString() << QString() << false;
    QTest::newRow("log level") << QStringList{QStringLiteral("--log-level"), QStringLiteral("trace")}
                               << spdlog::level::trace << QString() << false << QString() << QString() << false;
    QTest::newRow("log level =") << QStringList{QStringLiteral("--log-level=off")} << spdlog::level::off << QString()
                                 << false << QString() << QString() << false;
    QTest::newRow("settings dir") << QStringList{QStringLiteral("--settings-dir"), QStringLiteral("/tmp/x")}
                                  << spdlog::level::info << QStringLiteral("/tmp/x") << false << QString() << QString()
                                  << false;
    QTest::newRow("sample") << QStringList{QStringLiteral("--sample-namespace")} << spdlog::level::info << QString()
                            << true << QString() << QString() << false;
    QTest::newRow("theme") << QStringList{QStringLiteral("--theme"), QStringLiteral("Dark")} << spdlog::level::info
                           << QString() << false << QStringLiteral("dark") << QString() << false;
    QTest::newRow("screenshot") << QStringList{QStringLiteral("--screenshot"), QStringLiteral("a.png")}
                                << spdlog::level::info << QString() << false << QString() << QStringLiteral("a.png")
                                << false;
    QTest::newRow("help") << QStringList{QStringLiteral("--help")} << spdlog::level::info << QString() << false
                          << QString() << QString() << true;
}

void TestCommandLine::parses()
{
    QFETCH(QStringList, arguments);
    QFETCH(spdlog::level::level_enum, level);
    QFETCH(QString, settingsDir);
    QFETCH(bool, sample);
    QFETCH(QString, theme);
    QFETCH(QString, screenshot);
    QFETCH(bool, help);

    QCommandLineParser parser;
    const auto parsed = app::parseCommandLine(parser, QStringList{QStringLiteral("busyard")} + arguments);
    QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
    QCOMPARE(parsed->logLevel, level);
    QCOMPARE(parsed->settingsDirectory, settingsDir);
    QCOMPARE(parsed->sampleNamespace, sample);
    QCOMPARE(parsed->theme ? app::themeKey(*parsed->theme) : QString(), theme);
    QCOMPARE(parsed->screenshotFile, screenshot);
    QCOMPARE(parsed->helpRequested, help);
    QVERIFY(!parser.helpText().contains(QStringLiteral("--screenshot"))); // hidden option
}

void TestCommandLine::rejects_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("bad level") << QStringList{QStringLiteral("--log-level"), QStringLiteral("loud")} << QStringLiteral("loud");
    QTest::newRow("unknown option") << QStringList{QStringLiteral("--frobnicate")} << QStringLiteral("frobnicate");
    QTest::newRow("missing value") << QStringList{QStringLiteral("--settings-dir")} << QStringLiteral("settings-dir");
    QTest::newRow("bad theme") << QStringList{QStringLiteral("--theme"), QStringLiteral("pink")} << QStringLiteral("pink");
    QTest::newRow("positional") << QStringList{QStringLiteral("stray")} << QStringLiteral("stray");
}

void TestCommandLine::rejects()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);
    QCommandLineParser parser;
    const auto parsed = app::parseCommandLine(parser, QStringList{QStringLiteral("busyard")} + arguments);
    QVERIFY(!parsed.ok());
    QCOMPARE(parsed.error().code, core::ErrorCode::InvalidArgument);
    QVERIFY2(QString::fromStdString(parsed.error().message).contains(mentions), parsed.error().message.c_str());
}

void TestCommandLine::logLevels_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("level"); // -1: rejected
    QTest::newRow("trace") << QStringLiteral("trace") << int(spdlog::level::trace);
    QTest::newRow("debug") << QStringLiteral("debug") << int(spdlog::level::debug);
    QTest::newRow("info") << QStringLiteral("info") << int(spdlog::level::info);
    QTest::newRow("warn") << QStringLiteral("warn") << int(spdlog::level::warn);
    QTest::newRow("warning") << QStringLiteral("WARNING") << int(spdlog::level::warn);
    QTest::newRow("error") << QStringLiteral("error") << int(spdlog::level::err);
    QTest::newRow("off") << QStringLiteral(" off ") << int(spdlog::level::off);
    QTest::newRow("empty") << QString() << -1;
    QTest::newRow("garbage") << QStringLiteral("verbose") << -1;
}

void TestCommandLine::logLevels()
{
    QFETCH(QString, text);
    QFETCH(int, level);
    const auto parsed = app::parseLogLevel(text);
    QCOMPARE(parsed ? int(*parsed) : -1, level);
}

void TestCommandLine::themeKeysRoundTrip()
{
    for (app::Theme theme : {app::Theme::System, app::Theme::Light, app::Theme::Dark})
        QCOMPARE(app::themeFromKey(app::themeKey(theme)), std::optional(theme));
    QVERIFY(!app::themeFromKey(u"sepia"));
}

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_commandline.moc"
