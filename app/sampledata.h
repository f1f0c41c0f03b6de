#pragma once

#include <QObject>
#include <QString>

#include <functional>
#include <vector>

namespace busyard::client {
class NamespaceConnection;
}

namespace busyard::app {

/**
 * Fills the embedded emulator's sample namespace (--sample-namespace) with something to look at:
 * orders with JSON bodies, a dozen dead letters with reasons (to try replay), three sessions with
 * state, and on topic 'events' a correlation rule with an SQL action, a subscription forwarding to
 * queue 'audit' and a few routed events (to try the routing preview and the topology view).
 *
 * Runs once per data directory: it does nothing when queue 'audit' (the last thing it creates)
 * already exists, so messages the user removed are not put back. Everything goes through the
 * connection (ATOM and AMQP), as a user's own tool would.
 *
 * GUI thread; asynchronous. Deletes itself after finished(). `connection` must outlive it.
 */
class SampleSeeder : public QObject
{
    Q_OBJECT

public:
    SampleSeeder(client::NamespaceConnection *connection, QObject *parent = nullptr);

    void start();

Q_SIGNALS:
    /** `seeded`: false when the namespace was seeded before. `error`: empty on success. */
    void finished(bool seeded, const QString &error);

private:
    using Next = std::function<void(QString error)>;
    using Step = std::function<void(Next)>;
    void run(std::size_t index);
    void finish(bool seeded, const QString &error);

    client::NamespaceConnection *m_connection;
    std::vector<Step> m_steps;
};

} // namespace busyard::app
