#include "logging.h"

#include "models/logsink.h"
#include "models/qstringformatter.h"

#include <QtCore/QDir>
#include <QtCore/QStandardPaths>

#include <spdlog/sinks/ansicolor_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/spdlog.h>

namespace busyard::app {

namespace {

constexpr std::size_t MaxFileSize = 5 * 1024 * 1024;
constexpr std::size_t MaxFiles = 3;
constexpr const char *Pattern = "[%Y-%m-%d %H:%M:%S.%e] [%n] [%l] %v";

} // namespace

std::optional<spdlog::level::level_enum> parseLogLevel(QStringView text)
{
    const QString name = text.trimmed().toString().toLower();
    static constexpr struct { const char *name; spdlog::level::level_enum level; } names[] = {
        {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},  {"info", spdlog::level::info},
        {"warn", spdlog::level::warn},   {"warning", spdlog::level::warn}, {"error", spdlog::level::err},
        {"critical", spdlog::level::critical}, {"off", spdlog::level::off},
    };
    for (const auto &entry : names) {
        if (name == QLatin1String(entry.name))
            return entry.level;
    }
    return std::nullopt;
}

QString defaultLogDirectory()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/logs");
}

Logging::Logging(models::LogModel *model, const LoggingOptions &options)
    : m_modelSink(std::make_shared<models::LogSink>(model))
    , m_previousDefault(spdlog::default_logger())
    , m_level(options.level)
{
    std::vector<spdlog::sink_ptr> sinks;
    if (options.toStderr) {
        auto sink = std::make_shared<spdlog::sinks::ansicolor_stderr_sink_mt>();
        sink->set_pattern(Pattern);
        sinks.push_back(std::move(sink));
    }
    if (!options.logDirectory.isEmpty()) {
        const QString path = options.logDirectory + QStringLiteral("/busyard.log");
        if (!QDir().mkpath(options.logDirectory)) {
            m_fileError = QStringLiteral("cannot create %1").arg(options.logDirectory);
        } else {
            try {
                auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
                    QDir::toNativeSeparators(path).toStdString(), MaxFileSize, MaxFiles);
                sink->set_pattern(Pattern);
                sinks.push_back(std::move(sink));
                m_logFilePath = path;
            } catch (const spdlog::spdlog_ex &e) {
                m_fileError = QString::fromUtf8(e.what());
            }
        }
    }
    sinks.push_back(m_modelSink);

    for (const char *name : LoggerNames) {
        spdlog::drop(name); // a previous instance (tests) or a library may have registered one
        auto logger = std::make_shared<spdlog::logger>(name, sinks.begin(), sinks.end());
        logger->set_level(m_level);
        logger->flush_on(spdlog::level::warn);
        spdlog::register_logger(logger);
        if (std::string_view(name) == "app")
            spdlog::set_default_logger(logger);
    }
    if (!m_fileError.isEmpty())
        spdlog::get("app")->warn("Not writing a log file: {}", m_fileError);
}

Logging::~Logging()
{
    m_modelSink->detach();
    for (const char *name : LoggerNames) {
        if (auto logger = spdlog::get(name))
            logger->flush();
        spdlog::drop(name);
    }
    if (m_previousDefault)
        spdlog::set_default_logger(m_previousDefault);
}

void Logging::setLevel(spdlog::level::level_enum level)
{
    m_level = level;
    for (const char *name : LoggerNames) {
        if (auto logger = spdlog::get(name))
            logger->set_level(level);
    }
}

} // namespace busyard::app
