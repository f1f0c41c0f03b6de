#include "embeddedemulator.h"

#include "core/logging.h"
#include "models/qstringformatter.h"

#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QMenu>
#include <QMouseEvent>
#include <QSettings>
#include <QStandardPaths>

namespace busyard::app {

namespace {

const QLatin1String kAmqpPortKey("embeddedEmulator/amqpPort");
const QLatin1String kHttpPortKey("embeddedEmulator/httpPort");
const QLatin1String kInMemoryKey("embeddedEmulator/inMemory");

} // namespace

EmbeddedEmulator::EmbeddedEmulator(QObject *parent)
    : QObject(parent)
{
}

EmbeddedEmulator::~EmbeddedEmulator() = default; // EmulatorHost stops the emulator and joins its thread

void EmbeddedEmulator::start(bool sampleNamespace)
{
    const QSettings settings;
    emulator::EmulatorOptions options;
    options.amqpPort = settings.value(kAmqpPortKey, 5672).toInt();
    options.httpPort = settings.value(kHttpPortKey, 5300).toInt();
    options.inMemory = settings.value(kInMemoryKey, false).toBool();
    options.dataDir = QDir(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation))
                          .filePath(QStringLiteral("emulator"));
    options.sample = sampleNamespace;
    startWith(std::move(options), true);
}

void EmbeddedEmulator::startWith(emulator::EmulatorOptions options, bool fallbackToFreePorts)
{
    m_error.clear();
    setState(State::Starting);
    m_host.start(options, this, [this, options, fallbackToFreePorts](core::Result<emulator::EmulatorEndpoints> result) {
        if (result) {
            m_endpoints = *result;
            setState(State::Running);
            core::logger("app")->info("Embedded emulator: {}", summary());
            return;
        }
        if (fallbackToFreePorts && (options.amqpPort != 0 || options.httpPort != 0)) {
            core::logger("app")->warn("Embedded emulator: {}; trying free ports", result.error().message);
            emulator::EmulatorOptions retry = options;
            retry.amqpPort = 0;
            retry.httpPort = 0;
            startWith(std::move(retry), false);
            return;
        }
        m_error = QString::fromStdString(result.error().message);
        core::logger("app")->error("Embedded emulator failed to start: {}", result.error().message);
        setState(State::Failed);
    });
}

void EmbeddedEmulator::stop()
{
    m_host.stop();
    m_endpoints = {};
    setState(State::Stopped);
}

QString EmbeddedEmulator::connectionString() const
{
    if (m_state != State::Running)
        return {};
    return QString::fromStdString(m_endpoints.developmentConnectionString());
}

QString EmbeddedEmulator::summary() const
{
    switch (m_state) {
    case State::Stopped:
        return tr("Emulator stopped");
    case State::Starting:
        return tr("Emulator starting…");
    case State::Failed:
        return tr("Emulator failed: %1").arg(m_error);
    case State::Running:
        break;
    }
    const QString host = m_endpoints.bind.toString();
    QStringList parts;
    if (m_endpoints.amqpPort)
        parts << tr("AMQP %1:%2").arg(host).arg(*m_endpoints.amqpPort);
    if (m_endpoints.httpPort)
        parts << tr("HTTP %1:%2").arg(host).arg(*m_endpoints.httpPort);
    return tr("Emulator running · %1").arg(parts.join(QStringLiteral(" · ")));
}

void EmbeddedEmulator::setState(State state)
{
    m_state = state;
    Q_EMIT stateChanged(state);
}

// ---- EmbeddedEmulatorStatus -----------------------------------------------------------------------

EmbeddedEmulatorStatus::EmbeddedEmulatorStatus(EmbeddedEmulator *emulator, QWidget *parent)
    : QLabel(parent)
    , m_emulator(emulator)
{
    setContextMenuPolicy(Qt::CustomContextMenu);
    setCursor(Qt::PointingHandCursor);
    connect(this, &QWidget::customContextMenuRequested, this,
            [this](const QPoint &pos) { showMenu(mapToGlobal(pos)); });
    connect(m_emulator, &EmbeddedEmulator::stateChanged, this, &EmbeddedEmulatorStatus::onStateChanged);
    onStateChanged();
}

void EmbeddedEmulatorStatus::mousePressEvent(QMouseEvent *event)
{
    if (event->button() == Qt::LeftButton)
        showMenu(event->globalPosition().toPoint());
    QLabel::mousePressEvent(event);
}

void EmbeddedEmulatorStatus::onStateChanged()
{
    setText(m_emulator->summary());
    QString tip = m_emulator->summary();
    if (m_emulator->state() == EmbeddedEmulator::State::Running)
        tip += QLatin1Char('\n') + tr("Click to copy the connection string:") + QLatin1Char('\n')
            + m_emulator->connectionString();
    setToolTip(tip);
}

void EmbeddedEmulatorStatus::showMenu(const QPoint &globalPos)
{
    QMenu menu(this);
    QAction *copy = menu.addAction(QIcon::fromTheme(QStringLiteral("edit-copy")), tr("Copy Connection String"));
    copy->setEnabled(m_emulator->state() == EmbeddedEmulator::State::Running);
    connect(copy, &QAction::triggered, this,
            [this] { QApplication::clipboard()->setText(m_emulator->connectionString()); });
    menu.exec(globalPos);
}

} // namespace busyard::app
