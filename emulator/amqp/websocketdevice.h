#pragma once

#include <QByteArray>
#include <QIODevice>
#include <QPointer>

class QWebSocket;

namespace busyard::emulator::amqp {

/**
 * Presents a QWebSocket carrying AMQP (subprotocol AMQPWSB10: AMQP bytes in binary messages) as a
 * sequential QIODevice, so that AmqpConnection serves TCP, TLS and WebSocket clients the same way.
 * Takes ownership of the socket. Closing the device closes the WebSocket.
 */
class WebSocketDevice : public QIODevice
{
    Q_OBJECT

public:
    explicit WebSocketDevice(QWebSocket *socket, QObject *parent = nullptr);
    ~WebSocketDevice() override;

    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override;
    void close() override;

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;

private:
    QPointer<QWebSocket> m_socket;
    QByteArray m_buffer;
};

} // namespace busyard::emulator::amqp
