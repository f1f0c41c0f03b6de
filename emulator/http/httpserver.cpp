#include "httpserver.h"

#include "core/logging.h"

#include <QDateTime>
#include <QLocale>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <utility>

namespace busyard::emulator::http {

namespace {

constexpr qsizetype kMaxChunkLineBytes = 1024;
// Bytes of slack in the socket's read buffer beyond the largest head we accept, so that peek() always
// sees a complete head that is within the limit.
constexpr qint64 kReadBufferSlack = 64 * 1024;

bool isTChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
    case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (char c : s) {
        if (!isTChar(c))
            return false;
    }
    return true;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/** Percent-decodes; '+' becomes ' ' when `plusIsSpace`. nullopt on a broken escape or invalid UTF-8. */
std::optional<QString> percentDecode(QByteArrayView in, bool plusIsSpace)
{
    QByteArray out;
    out.reserve(in.size());
    for (qsizetype i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '%') {
            if (i + 2 >= in.size())
                return std::nullopt;
            const int hi = hexValue(in[i + 1]);
            const int lo = hexValue(in[i + 2]);
            if (hi < 0 || lo < 0)
                return std::nullopt;
            out.append(char(hi * 16 + lo));
            i += 2;
        } else if (c == '+' && plusIsSpace) {
            out.append(' ');
        } else {
            out.append(c);
        }
    }
    if (out.contains('\0'))
        return std::nullopt;
    QString text = QString::fromUtf8(out);
    // fromUtf8 replaces invalid sequences with U+FFFD; refuse them instead of guessing.
    if (text.contains(QChar::ReplacementCharacter) && !out.contains("\xEF\xBF\xBD"))
        return std::nullopt;
    return text;
}

bool headerNameIs(const QByteArray &name, QByteArrayView wanted)
{
    return name.compare(wanted, Qt::CaseInsensitive) == 0;
}

/** True when a comma-separated header value contains `token` (case-insensitive). */
bool headerHasToken(QByteArrayView value, QByteArrayView token)
{
    for (QByteArrayView part : QByteArray(value.toByteArray()).split(',')) {
        if (part.trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QByteArray httpDate()
{
    return QLocale::c()
        .toString(QDateTime::currentDateTimeUtc(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
        .toLatin1();
}

struct HeadError
{
    int status;
    QByteArray reason;
};

} // namespace

// --- HttpRequest / HttpResponse --------------------------------------------------------------------

QByteArray HttpRequest::header(QByteArrayView name) const
{
    for (const auto &h : headers) {
        if (headerNameIs(h.first, name))
            return h.second;
    }
    return {};
}

bool HttpRequest::hasHeader(QByteArrayView name) const
{
    for (const auto &h : headers) {
        if (headerNameIs(h.first, name))
            return true;
    }
    return false;
}

QString HttpRequest::queryValue(QStringView key) const
{
    for (const auto &q : query) {
        if (q.first == key)
            return q.second.isNull() ? QStringLiteral("") : q.second;
    }
    return {};
}

bool HttpRequest::hasQueryValue(QStringView key) const
{
    for (const auto &q : query) {
        if (q.first == key)
            return true;
    }
    return false;
}

void HttpResponse::setHeader(QByteArrayView name, const QByteArray &value)
{
    headers.removeIf([&](const QPair<QByteArray, QByteArray> &h) { return headerNameIs(h.first, name); });
    headers.append({name.toByteArray(), value});
}

QByteArray HttpResponse::header(QByteArrayView name) const
{
    for (const auto &h : headers) {
        if (headerNameIs(h.first, name))
            return h.second;
    }
    return {};
}

HttpResponse HttpResponse::plain(int status, const QByteArray &text)
{
    HttpResponse r;
    r.status = status;
    r.body = text;
    r.setHeader("Content-Type", "text/plain; charset=utf-8");
    return r;
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

// --- Connection ------------------------------------------------------------------------------------

/**
 * One client connection. Reads exactly the bytes of the current request from the socket (peek for the
 * head and chunk lines, read for the body), so the bytes of a pipelined follow-up request stay in the
 * socket until their turn, and a WebSocket upgrade can be handed over untouched.
 */
class HttpServer::Connection : public QObject
{
public:
    Connection(HttpServer *server, QTcpSocket *socket, bool secure)
        : QObject(server), m_server(server), m_socket(socket), m_secure(secure)
    {
        m_socket->setParent(this);
        m_socket->setReadBufferSize(m_server->m_limits.maxHeaderBytes + kReadBufferSlack);
        m_timer.setSingleShot(true);
        connect(&m_timer, &QTimer::timeout, this, &Connection::onTimeout);
        connect(m_socket, &QIODevice::readyRead, this, &Connection::process);
        connect(m_socket, &QIODevice::bytesWritten, this, &Connection::onBytesWritten);
        connect(m_socket, &QAbstractSocket::disconnected, this, &Connection::onDisconnected);
        m_timer.start(m_server->m_limits.keepAliveTimeoutMs);
    }

    void abort()
    {
        if (m_socket)
            m_socket->abort();
    }

    /** Starts processing what already arrived (data may precede the first readyRead we see). */
    void start() { QTimer::singleShot(0, this, &Connection::process); }

private:
    enum class State { Head, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailers, Closing, Gone };
    enum class Step { NeedMore, Progress, Served, Stop };

    const HttpLimits &limits() const { return m_server->m_limits; }

    void process()
    {
        if (!m_socket || m_processing)
            return;
        // A handler never re-enters the event loop, but guard anyway: re-entrancy would interleave
        // responses.
        m_processing = true;
        int served = 0;
        // Bounded: each iteration consumes bytes, serves a request or stops; requests are capped.
        while (m_socket && m_state != State::Closing && m_state != State::Gone) {
            if (m_socket->bytesToWrite() > limits().maxPendingWriteBytes)
                break; // resumed by onBytesWritten
            if (served >= limits().maxRequestsPerBatch) {
                QTimer::singleShot(0, this, &Connection::process);
                break;
            }
            const Step step = advance();
            if (step == Step::Served)
                ++served;
            else if (step == Step::NeedMore || step == Step::Stop)
                break;
        }
        m_processing = false;
    }

    Step advance()
    {
        switch (m_state) {
        case State::Head: return readHead();
        case State::Body: return readBody();
        case State::ChunkSize: return readChunkSize();
        case State::ChunkData: return readChunkData();
        case State::ChunkDataEnd: return readChunkDataEnd();
        case State::Trailers: return readTrailers();
        case State::Closing:
        case State::Gone: return Step::Stop;
        }
        return Step::Stop;
    }

    void beginRequest()
    {
        if (!m_inRequest) {
            m_inRequest = true;
            m_timer.start(limits().requestTimeoutMs);
        }
    }

    Step readHead()
    {
        // RFC 9112 2.2: ignore empty lines before the request line (bounded by the buffer size).
        for (;;) {
            char c = 0;
            if (m_socket->peek(&c, 1) != 1)
                return Step::NeedMore;
            if (c != '\r' && c != '\n')
                break;
            m_socket->read(&c, 1);
        }
        beginRequest();
        // Nothing new since the last look: do not copy and scan the same bytes again.
        const qint64 available = m_socket->bytesAvailable();
        if (available == m_headBytesSeen)
            return Step::NeedMore;
        m_headBytesSeen = available;
        const QByteArray peeked = m_socket->peek(limits().maxHeaderBytes + 4);
        // Not HTTP at all (for example an AMQP protocol header sent to the HTTPS port): answer at once
        // rather than waiting for the request-head timeout. The request line starts with a method,
        // an RFC 9110 token, followed by a space.
        for (char c : peeked) {
            if (c == ' ')
                break;
            if (!isTChar(c))
                return fail(400, "Not an HTTP request");
        }
        const qsizetype crlf = peeked.indexOf("\r\n\r\n");
        const qsizetype bareLf = peeked.indexOf("\n\n");
        if (bareLf >= 0 && (crlf < 0 || bareLf < crlf))
            return fail(400, "Bare LF line terminator in the request head");
        if (crlf < 0) {
            if (peeked.size() >= limits().maxHeaderBytes)
                return fail(431, "Request head too large");
            return Step::NeedMore;
        }
        if (crlf + 4 > limits().maxHeaderBytes)
            return fail(431, "Request head too large");
        const qsizetype headLength = crlf + 4;
        m_headBytesSeen = -1;

        m_request = HttpRequest{};
        m_request.peerAddress = m_socket->peerAddress();
        m_request.secure = m_secure;
        if (auto error = parseHead(QByteArrayView(peeked).first(crlf)))
            return fail(error->status, error->reason);

        if (isWebSocketUpgrade(m_request)) {
            if (m_server->m_webSocketHandoff)
                return handOff();
            m_socket->skip(headLength);
            return respond(HttpResponse::plain(404, "WebSockets are not served here\n"), true);
        }

        m_socket->skip(headLength);
        return startBody();
    }

    std::optional<HeadError> parseHead(QByteArrayView head)
    {
        const QList<QByteArray> lines = head.toByteArray().split('\n');
        // Every line but the last ends in "\r" (we split on '\n'; the head was cut before "\r\n\r\n").
        QList<QByteArrayView> clean;
        clean.reserve(lines.size());
        for (qsizetype i = 0; i < lines.size(); ++i) {
            QByteArrayView line = lines[i];
            if (i + 1 < lines.size()) {
                if (!line.endsWith('\r'))
                    return HeadError{400, "Bare LF line terminator in the request head"};
                line.chop(1);
            }
            if (line.contains('\r'))
                return HeadError{400, "Stray CR in the request head"};
            clean.append(line);
        }

        // Request line: method SP request-target SP HTTP-version
        const QByteArrayView requestLine = clean.value(0);
        const qsizetype sp1 = requestLine.indexOf(' ');
        const qsizetype sp2 = sp1 < 0 ? -1 : requestLine.lastIndexOf(' ');
        if (sp1 <= 0 || sp2 <= sp1 + 1)
            return HeadError{400, "Malformed request line"};
        const QByteArrayView method = requestLine.first(sp1);
        const QByteArrayView target = requestLine.sliced(sp1 + 1, sp2 - sp1 - 1);
        const QByteArrayView version = requestLine.sliced(sp2 + 1);
        if (!isToken(method))
            return HeadError{400, "Malformed request method"};
        for (char c : target) {
            if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
                return HeadError{400, "Malformed request target"};
        }
        if (version == "HTTP/1.1") {
            m_request.versionMinor = 1;
        } else if (version == "HTTP/1.0") {
            m_request.versionMinor = 0;
        } else if (version.size() == 8 && version.startsWith("HTTP/") && version[5] >= '0' && version[5] <= '9'
                   && version[6] == '.' && version[7] >= '0' && version[7] <= '9') {
            return HeadError{505, "Only HTTP/1.0 and HTTP/1.1 are supported"};
        } else {
            return HeadError{400, "Malformed HTTP version"};
        }
        m_request.method = method.toByteArray();
        m_request.target = target.toByteArray();
        if (auto error = parseTarget(target))
            return error;

        // Header fields
        if (clean.size() - 1 > limits().maxHeaderCount)
            return HeadError{431, "Too many header fields"};
        for (qsizetype i = 1; i < clean.size(); ++i) {
            const QByteArrayView line = clean[i];
            if (line.isEmpty())
                return HeadError{400, "Empty header line"};
            if (line.front() == ' ' || line.front() == '\t')
                return HeadError{400, "Obsolete header line folding"};
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0 || !isToken(line.first(colon)))
                return HeadError{400, "Malformed header field"};
            const QByteArrayView value = line.sliced(colon + 1).trimmed();
            for (char c : value) {
                const auto u = static_cast<unsigned char>(c);
                if ((u < 0x20 && c != '\t') || u == 0x7f)
                    return HeadError{400, "Control character in a header value"};
            }
            m_request.headers.append({line.first(colon).toByteArray(), value.toByteArray()});
        }
        return std::nullopt;
    }

    std::optional<HeadError> parseTarget(QByteArrayView target)
    {
        QByteArrayView rest = target;
        if (rest == "*") {
            m_request.rawPath = "*";
            m_request.path = QStringLiteral("*");
            return std::nullopt;
        }
        // absolute-form (RFC 9112 3.2.2): keep only path and query.
        if (rest.startsWith("http://") || rest.startsWith("https://")) {
            const qsizetype schemeEnd = rest.indexOf("//") + 2;
            const qsizetype pathStart = rest.indexOf('/', schemeEnd);
            const qsizetype queryStart = rest.indexOf('?', schemeEnd);
            if (pathStart < 0 || (queryStart >= 0 && queryStart < pathStart))
                rest = queryStart >= 0 ? QByteArrayView("/?") : QByteArrayView("/");
            if (pathStart >= 0 && (queryStart < 0 || pathStart < queryStart))
                rest = rest.sliced(pathStart);
            else if (queryStart >= 0)
                return HeadError{400, "Malformed request target"};
        }
        if (!rest.startsWith('/'))
            return HeadError{400, "Malformed request target"};
        const qsizetype hash = rest.indexOf('#');
        if (hash >= 0)
            rest = rest.first(hash);
        const qsizetype q = rest.indexOf('?');
        const QByteArrayView rawPath = q >= 0 ? rest.first(q) : rest;
        m_request.rawPath = rawPath.toByteArray();
        const auto path = percentDecode(rawPath, false);
        if (!path)
            return HeadError{400, "Malformed percent-encoding in the request path"};
        m_request.path = *path;
        if (q >= 0) {
            const QByteArray query = rest.sliced(q + 1).toByteArray();
            for (const QByteArray &item : query.split('&')) {
                if (item.isEmpty())
                    continue;
                const qsizetype eq = item.indexOf('=');
                const auto key = percentDecode(QByteArrayView(item).first(eq < 0 ? item.size() : eq), true);
                const auto value = eq < 0 ? std::optional<QString>(QString())
                                          : percentDecode(QByteArrayView(item).sliced(eq + 1), true);
                if (!key || !value)
                    return HeadError{400, "Malformed percent-encoding in the query"};
                m_request.query.append({*key, *value});
            }
        }
        return std::nullopt;
    }

    static bool isWebSocketUpgrade(const HttpRequest &request)
    {
        if (request.method != "GET")
            return false;
        QStringView path = request.path;
        if (path.endsWith(u'/') && path.size() > 1)
            path.chop(1);
        if (path.compare(u"/$servicebus/websocket", Qt::CaseInsensitive) != 0)
            return false;
        return headerHasToken(request.header("Upgrade"), "websocket");
    }

    Step handOff()
    {
        QTcpSocket *socket = m_socket;
        m_timer.stop();
        socket->disconnect(this);
        socket->setReadBufferSize(0);
        socket->setParent(nullptr);
        m_socket = nullptr;
        m_state = State::Gone;
        core::logger("emulator")->debug("http: handing a WebSocket upgrade over to the AMQP front-end");
        m_server->connectionClosed(this);
        deleteLater();
        m_server->m_webSocketHandoff(socket);
        return Step::Stop;
    }

    Step startBody()
    {
        m_request.body.clear();
        const QByteArray te = joinedHeader("Transfer-Encoding");
        const bool hasContentLength = m_request.hasHeader("Content-Length");
        if (!te.isNull()) {
            if (hasContentLength)
                return fail(400, "Both Transfer-Encoding and Content-Length");
            const QList<QByteArray> codings = te.split(',');
            if (codings.size() != 1 || codings.front().trimmed().compare("chunked", Qt::CaseInsensitive) != 0)
                return fail(501, "Only the chunked transfer coding is supported");
            if (!checkExpectation(true))
                return Step::Stop;
            m_state = State::ChunkSize;
            return Step::Progress;
        }
        qint64 length = 0;
        if (hasContentLength) {
            std::optional<qint64> seen;
            for (const auto &h : m_request.headers) {
                if (!headerNameIs(h.first, "Content-Length"))
                    continue;
                for (const QByteArray &part : h.second.split(',')) {
                    const QByteArray digits = part.trimmed();
                    if (digits.isEmpty() || digits.size() > 18)
                        return fail(400, "Malformed Content-Length");
                    qint64 v = 0;
                    for (char c : digits) {
                        if (c < '0' || c > '9')
                            return fail(400, "Malformed Content-Length");
                        v = v * 10 + (c - '0');
                    }
                    if (seen && *seen != v)
                        return fail(400, "Conflicting Content-Length values");
                    seen = v;
                }
            }
            length = seen.value_or(0);
        }
        if (length > limits().maxBodyBytes)
            return fail(413, "Request body too large");
        if (!checkExpectation(length > 0))
            return Step::Stop;
        m_remaining = length;
        m_state = State::Body;
        m_request.body.reserve(length);
        return Step::Progress;
    }

    QByteArray joinedHeader(QByteArrayView name) const
    {
        QByteArray joined;
        bool any = false;
        for (const auto &h : m_request.headers) {
            if (!headerNameIs(h.first, name))
                continue;
            if (any)
                joined += ',';
            joined += h.second;
            any = true;
        }
        return any ? joined : QByteArray();
    }

    /** Handles Expect; false when the request was answered (417) and the connection is closing. */
    bool checkExpectation(bool hasBody)
    {
        const QByteArray expect = m_request.header("Expect");
        if (expect.isNull())
            return true;
        if (expect.trimmed().compare("100-continue", Qt::CaseInsensitive) != 0) {
            fail(417, "Unsupported expectation");
            return false;
        }
        if (hasBody && m_request.versionMinor >= 1 && m_socket->bytesAvailable() == 0)
            m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
        return true;
    }

    Step readBody()
    {
        if (m_remaining > 0) {
            const QByteArray part = m_socket->read(m_remaining);
            m_remaining -= part.size();
            m_request.body += part;
            if (m_remaining > 0)
                return Step::NeedMore;
        }
        return dispatch();
    }

    Step readChunkSize()
    {
        const QByteArray peeked = m_socket->peek(kMaxChunkLineBytes);
        const qsizetype eol = peeked.indexOf("\r\n");
        if (eol < 0) {
            if (peeked.size() >= kMaxChunkLineBytes)
                return fail(400, "Chunk size line too long");
            return Step::NeedMore;
        }
        QByteArrayView line = QByteArrayView(peeked).first(eol);
        const qsizetype semicolon = line.indexOf(';');
        if (semicolon >= 0)
            line = line.first(semicolon);
        line = line.trimmed();
        if (line.isEmpty() || line.size() > 15)
            return fail(400, "Malformed chunk size");
        qint64 size = 0;
        for (char c : line) {
            const int v = hexValue(c);
            if (v < 0)
                return fail(400, "Malformed chunk size");
            size = size * 16 + v;
        }
        m_socket->skip(eol + 2);
        if (size == 0) {
            m_trailerBytes = 0;
            m_state = State::Trailers;
            return Step::Progress;
        }
        if (m_request.body.size() + size > limits().maxBodyBytes)
            return fail(413, "Request body too large");
        m_remaining = size;
        m_state = State::ChunkData;
        return Step::Progress;
    }

    Step readChunkData()
    {
        const QByteArray part = m_socket->read(m_remaining);
        m_remaining -= part.size();
        m_request.body += part;
        if (m_remaining > 0)
            return Step::NeedMore;
        m_state = State::ChunkDataEnd;
        return Step::Progress;
    }

    Step readChunkDataEnd()
    {
        char crlf[2];
        if (m_socket->peek(crlf, 2) < 2)
            return Step::NeedMore;
        if (crlf[0] != '\r' || crlf[1] != '\n')
            return fail(400, "Chunk data not followed by CRLF");
        m_socket->skip(2);
        m_state = State::ChunkSize;
        return Step::Progress;
    }

    Step readTrailers()
    {
        const QByteArray peeked = m_socket->peek(limits().maxHeaderBytes);
        const qsizetype eol = peeked.indexOf("\r\n");
        if (eol < 0) {
            if (peeked.size() >= limits().maxHeaderBytes)
                return fail(431, "Trailer section too large");
            return Step::NeedMore;
        }
        m_socket->skip(eol + 2);
        if (eol == 0)
            return dispatch();
        // Trailer fields are read and ignored (none of our endpoints uses them).
        m_trailerBytes += eol + 2;
        if (m_trailerBytes > limits().maxHeaderBytes)
            return fail(431, "Trailer section too large");
        return Step::Progress;
    }

    bool wantsKeepAlive() const
    {
        const QByteArray connection = joinedHeader("Connection");
        if (m_request.versionMinor == 0)
            return headerHasToken(connection, "keep-alive");
        return !headerHasToken(connection, "close");
    }

    Step dispatch()
    {
        HttpResponse response;
        if (m_server->m_handler) {
            response = m_server->m_handler(m_request);
        } else {
            response = HttpResponse::plain(503, "No handler\n");
        }
        return respond(std::move(response), false);
    }

    Step respond(HttpResponse response, bool forceClose)
    {
        const bool close = forceClose || response.closeConnection || !wantsKeepAlive();
        const bool head = m_request.method == "HEAD";
        const bool noBody = head || response.status == 204 || response.status == 304
            || (response.status >= 100 && response.status < 200);

        QByteArray out;
        out.reserve(256 + response.body.size());
        out += "HTTP/1.1 " + QByteArray::number(response.status) + ' ' + reasonPhrase(response.status) + "\r\n";
        out += "Date: " + httpDate() + "\r\n";
        for (const auto &h : std::as_const(response.headers)) {
            if (headerNameIs(h.first, "Content-Length") || headerNameIs(h.first, "Connection")
                || headerNameIs(h.first, "Transfer-Encoding") || headerNameIs(h.first, "Date"))
                continue;
            out += h.first + ": " + h.second + "\r\n";
        }
        if (response.status != 204 && response.status != 304)
            out += "Content-Length: " + QByteArray::number(response.body.size()) + "\r\n";
        if (close)
            out += "Connection: close\r\n";
        else if (m_request.versionMinor == 0)
            out += "Connection: keep-alive\r\n";
        out += "\r\n";
        if (!noBody)
            out += response.body;
        m_socket->write(out);

        m_request = HttpRequest{};
        m_inRequest = false;
        if (close) {
            closeGracefully();
            return Step::Stop;
        }
        m_state = State::Head;
        m_timer.start(limits().keepAliveTimeoutMs);
        return Step::Served;
    }

    Step fail(int status, const QByteArray &reason)
    {
        core::logger("emulator")->debug("http: rejecting a request with {}: {}", status, reason.toStdString());
        HttpResponse response = HttpResponse::plain(status, reason + '\n');
        // The stream position is unknown after a framing error: answer and close.
        return respond(std::move(response), true);
    }

    void closeGracefully()
    {
        m_state = State::Closing;
        m_timer.start(5'000); // give the peer a moment to read the response, then abort
        m_socket->disconnectFromHost();
    }

    void onBytesWritten()
    {
        if (m_state != State::Closing && m_socket
            && m_socket->bytesToWrite() <= limits().maxPendingWriteBytes / 2)
            process();
    }

    void onTimeout()
    {
        if (!m_socket)
            return;
        if (m_state == State::Closing) {
            m_socket->abort();
            return;
        }
        if (m_inRequest && m_state == State::Head) {
            fail(408, "Request head not received in time");
            return;
        }
        m_socket->abort();
    }

    void onDisconnected()
    {
        if (m_state == State::Gone)
            return;
        m_state = State::Gone;
        m_timer.stop();
        m_server->connectionClosed(this);
        deleteLater();
    }

    HttpServer *m_server;
    QTcpSocket *m_socket;
    bool m_secure;
    QTimer m_timer;
    State m_state = State::Head;
    HttpRequest m_request;
    qint64 m_remaining = 0;
    qint64 m_trailerBytes = 0;
    qint64 m_headBytesSeen = -1; ///< bytesAvailable() at the last incomplete look at a request head
    bool m_inRequest = false;
    bool m_processing = false;
};

// --- HttpServer ------------------------------------------------------------------------------------

HttpServer::HttpServer(QObject *parent) : QObject(parent) {}

HttpServer::~HttpServer()
{
    close();
}

void HttpServer::setHandler(HttpHandler handler)
{
    m_handler = std::move(handler);
}

void HttpServer::setWebSocketHandoff(WebSocketHandoff handoff)
{
    m_webSocketHandoff = std::move(handoff);
}

void HttpServer::setLimits(const HttpLimits &limits)
{
    m_limits = limits;
}

void HttpServer::setTlsConfiguration(const QSslConfiguration &configuration)
{
    Q_ASSERT(!isListening());
    m_tls = configuration;
}

core::Result<void> HttpServer::listen(const QHostAddress &address, quint16 port)
{
    if (m_server && m_server->isListening())
        return core::makeError(core::ErrorCode::InvalidArgument, "the HTTP server is already listening");
    delete m_server;
    if (m_tls) {
        if (!QSslSocket::supportsSsl())
            return core::makeError(core::ErrorCode::Internal, "TLS is not available (no OpenSSL backend)");
        auto *ssl = new QSslServer(this);
        ssl->setSslConfiguration(*m_tls);
        ssl->setHandshakeTimeout(m_limits.tlsHandshakeTimeoutMs);
        connect(ssl, &QSslServer::errorOccurred, this, [](QSslSocket *, QAbstractSocket::SocketError error) {
            core::logger("emulator")->debug("http: TLS connection error {}", int(error));
        });
        m_server = ssl;
    } else {
        m_server = new QTcpServer(this);
    }
    m_server->setMaxPendingConnections(64);
    connect(m_server, &QTcpServer::pendingConnectionAvailable, this, &HttpServer::onPendingConnection);
    if (!m_server->listen(address, port)) {
        const std::string why = m_server->errorString().toStdString();
        delete m_server;
        m_server = nullptr;
        return core::makeError(core::ErrorCode::InvalidArgument, "cannot listen for HTTP: " + why);
    }
    core::logger("emulator")->info("http: listening on {}:{}{}", address.toString().toStdString(),
                                   m_server->serverPort(), m_tls ? " (TLS)" : "");
    return {};
}

bool HttpServer::isListening() const
{
    return m_server && m_server->isListening();
}

quint16 HttpServer::serverPort() const
{
    return m_server ? m_server->serverPort() : 0;
}

QHostAddress HttpServer::serverAddress() const
{
    return m_server ? m_server->serverAddress() : QHostAddress();
}

void HttpServer::close()
{
    if (m_server)
        m_server->close();
    // Take the list first: aborting emits disconnected, which unregisters the connection.
    const QList<Connection *> connections = std::exchange(m_connections, {});
    for (Connection *c : connections) {
        c->abort();
        delete c;
    }
}

void HttpServer::onPendingConnection()
{
    // Bounded by the server's pending queue.
    while (m_server && m_server->hasPendingConnections()) {
        QTcpSocket *socket = m_server->nextPendingConnection();
        if (!socket)
            break;
        if (m_connections.size() >= m_limits.maxConnections) {
            core::logger("emulator")->warn("http: connection limit ({}) reached, refusing a client",
                                           m_limits.maxConnections);
            socket->abort();
            socket->deleteLater();
            continue;
        }
        auto *connection = new Connection(this, socket, m_tls.has_value());
        m_connections.append(connection);
        connection->start();
    }
}

void HttpServer::connectionClosed(Connection *connection)
{
    m_connections.removeOne(connection);
}

} // namespace busyard::emulator::http
