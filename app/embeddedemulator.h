#pragma once

#include "emulator/emulator.h"

#include <QLabel>
#include <QObject>
#include <QString>

namespace busyard::app {

/**
 * The emulator the desktop app runs in-process: the same engine and front-ends as busyard-emulator,
 * on their own thread (EmulatorHost), started at launch and stopped on exit. Prefers the ports in
 * the settings (AMQP 5672 and HTTP 5300, like Microsoft's emulator, so that applications' usual
 * development connection strings work) and falls back to free ports when those are taken. Messages
 * are kept in a durable store in the user's data directory unless the settings say memory.
 *
 * GUI thread only; every result arrives through stateChanged().
 */
class EmbeddedEmulator : public QObject
{
    Q_OBJECT

public:
    enum class State { Stopped, Starting, Running, Failed };
    Q_ENUM(State)

    explicit EmbeddedEmulator(QObject *parent = nullptr);
    ~EmbeddedEmulator() override;

    /** Starts with the settings' ports (then free ones); `sampleNamespace` creates the sample entities. */
    void start(bool sampleNamespace);
    void stop();

    State state() const { return m_state; }
    /** The endpoints while Running. */
    const emulator::EmulatorEndpoints &endpoints() const { return m_endpoints; }
    /** The development connection string while Running, else empty. */
    QString connectionString() const;
    /** One line for the status bar and tooltips. */
    QString summary() const;
    QString errorText() const { return m_error; }

Q_SIGNALS:
    void stateChanged(busyard::app::EmbeddedEmulator::State state);

private:
    void startWith(emulator::EmulatorOptions options, bool fallbackToFreePorts);
    void setState(State state);

    emulator::EmulatorHost m_host;
    emulator::EmulatorEndpoints m_endpoints;
    State m_state = State::Stopped;
    QString m_error;
};

/**
 * Status-bar indicator for the embedded emulator: state and AMQP endpoint, the full endpoints in its
 * tooltip, and a context menu (also on click) to copy the connection string.
 */
class EmbeddedEmulatorStatus : public QLabel
{
    Q_OBJECT

public:
    explicit EmbeddedEmulatorStatus(EmbeddedEmulator *emulator, QWidget *parent = nullptr);

protected:
    void mousePressEvent(QMouseEvent *event) override;

private:
    void onStateChanged();
    void showMenu(const QPoint &globalPos);

    EmbeddedEmulator *m_emulator;
};

} // namespace busyard::app
