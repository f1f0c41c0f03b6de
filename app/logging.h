#pragma once

#include <QtCore/QString>
#include <QtCore/QStringView>

#include <spdlog/logger.h>

#include <array>
#include <memory>
#include <optional>
#include <vector>

namespace busyard::models {
class LogModel;
class LogSink;
} // namespace busyard::models

namespace busyard::app {

/** Parses a --log-level value: trace, debug, info, warn (warning), error, critical, off. */
std::optional<spdlog::level::level_enum> parseLogLevel(QStringView text);

/** AppLocalDataLocation/logs: where busyard.log rotates. */
QString defaultLogDirectory();

struct LoggingOptions
{
    spdlog::level::level_enum level = spdlog::level::info;
    QString logDirectory;  ///< rotating busyard.log here; empty = no log file
    bool toStderr = true;
};

/**
 * Creates one named spdlog logger per library (loggerNames()) sharing three sinks: a rotating file
 * (5 MB x 3), stderr, and a LogSink feeding `model` (the log pane). The "app" logger also becomes
 * spdlog's default logger. Lives for the whole run; the destructor detaches the model, flushes and
 * unregisters the loggers (restoring the previous default logger), so `model` must outlive it.
 * GUI thread; one instance at a time.
 */
class Logging
{
public:
    static constexpr std::array<const char *, 7> LoggerNames = {
        "core", "client", "emulator", "models", "widgets", "designer", "app"};

    Logging(models::LogModel *model, const LoggingOptions &options);
    ~Logging();
    Logging(const Logging &) = delete;
    Logging &operator=(const Logging &) = delete;

    /** Sets the level of every Busyard logger. */
    void setLevel(spdlog::level::level_enum level);
    spdlog::level::level_enum level() const { return m_level; }

    /** Path of the log file, or empty when it could not be opened (see fileError()). */
    QString logFilePath() const { return m_logFilePath; }
    QString fileError() const { return m_fileError; }

private:
    std::shared_ptr<models::LogSink> m_modelSink;
    std::shared_ptr<spdlog::logger> m_previousDefault;
    spdlog::level::level_enum m_level;
    QString m_logFilePath;
    QString m_fileError;
};

} // namespace busyard::app
