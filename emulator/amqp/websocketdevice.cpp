#include "websocketdevice.h"

#include <QWebSocket>

#include <cstring>

namespace busyard::emulator::amqp {

WebSocketDevice::WebSocketDevice(QWebSocket *socket, QObject *parent)
    : QIODevice(parent)
    , m_socket(socket)
{
    socket->setParent(this);
    open(QIODevice::ReadWrite | QIODevice::Unbuffered);
    connect(socket, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray &message) {
        m_buffer += message;
        Q_EMIT readyRead();
    });
    connect(socket, &QWebSocket::disconnected, this, [this] {
        if (isOpen())
            close();
    });
}

WebSocketDevice::~WebSocketDevice() = default;

qint64 WebSocketDevice::bytesAvailable() const
{
    return m_buffer.size() + QIODevice::bytesAvailable();
}

void WebSocketDevice::close()
{
    if (m_socket && m_socket->state() != QAbstractSocket::UnconnectedState)
        m_socket->close();
    QIODevice::close(); // emits aboutToClose, which AmqpConnection treats as a disconnect
}

qint64 WebSocketDevice::readData(char *data, qint64 maxSize)
{
    const qint64 n = std::min<qint64>(maxSize, m_buffer.size());
    std::memcpy(data, m_buffer.constData(), std::size_t(n));
    m_buffer.remove(0, n);
    return n;
}

qint64 WebSocketDevice::writeData(const char *data, qint64 size)
{
    if (!m_socket)
        return -1;
    m_socket->sendBinaryMessage(QByteArray(data, size));
    return size;
}

} // namespace busyard::emulator::amqp
