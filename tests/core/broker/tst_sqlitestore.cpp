#include "core/broker/engine.h"
#include "core/broker/sqlitestore.h"

#include <QtTest>

#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

using namespace busyard::core;
using namespace busyard::core::broker;
using namespace std::chrono_literals;

namespace {

Message msg(std::string id)
{
    Message m;
    m.messageId = Value::string(std::move(id));
    m.body = "body";
    return m;
}

std::unique_ptr<Store> openStore(const QString &path)
{
    auto s = SqliteStore::open(path.toStdString());
    if (!s) {
        qWarning("%s", s.error().message.c_str());
        return nullptr;
    }
    return std::move(*s);
}

} // namespace

class TestSqliteStore : public QObject
{
    Q_OBJECT

private slots:
    void messageEncodingRoundTrip();
    void engineRestart();
    void corruptFileIsReported_data();
    void corruptFileIsReported();
    void killedProcessKeepsAcknowledgedWork();
};

void TestSqliteStore::messageEncodingRoundTrip()
{
    Message m = msg("id-1");
    m.correlationId = Value::uuid(Uuid::generate());
    m.sessionId = "s";
    m.subject = "label";
    m.contentType = "application/json";
    m.timeToLive = 90s;
    m.scheduledEnqueueTime = fromMillisSinceEpoch(1234);
    m.applicationProperties.set("i", Value::int32(-5));
    m.applicationProperties.set("u", Value::ulong(~0ULL));
    m.applicationProperties.set("d", Value::float64(2.5));
    m.applicationProperties.set("f", Value::float32(1.5f));
    m.applicationProperties.set("t", Value::timestamp(fromMillisSinceEpoch(99)));
    m.applicationProperties.set("dto", Value::dateTimeOffset(123456789, -60));
    m.applicationProperties.set("b", Value::binary(std::string("\0\1\2", 3)));
    m.annotations.set("x-custom", Value::symbol("sym"));
    m.bodyType = BodyType::Value;
    m.body = std::string("\x00\xa1\x02hi", 5);
    m.sequenceNumber = 42;
    m.enqueuedSequenceNumber = 7;
    m.enqueuedTime = fromMillisSinceEpoch(1000);
    m.expiresAt = kMaxTime;
    m.deliveryCount = 3;
    m.state = MessageState::Deferred;
    m.deadLetterSource = "q";
    const std::string bytes = SqliteStore::encodeMessage(m);
    auto back = SqliteStore::decodeMessage(bytes);
    QVERIFY(back.ok());
    QCOMPARE(SqliteStore::encodeMessage(*back), bytes);
    QCOMPARE(back->applicationProperties, m.applicationProperties);
    QCOMPARE(back->correlationId, m.correlationId);
    QCOMPARE(back->body, m.body);
    QCOMPARE(back->state, MessageState::Deferred);
    QVERIFY(!SqliteStore::decodeMessage(bytes.substr(0, bytes.size() - 3)).ok());
    QVERIFY(!SqliteStore::decodeMessage(bytes + "x").ok());
}

void TestSqliteStore::engineRestart()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("broker.db"));
    VirtualClock clock;
    {
        Engine engine(clock, openStore(path));
        QVERIFY(engine.loadResult().ok());
        QueueDescription q;
        q.name = "Orders";
        q.requiresDuplicateDetection = true;
        QVERIFY(engine.createQueue(q).ok());
        TopicDescription t;
        t.name = "events";
        QVERIFY(engine.createTopic(t).ok());
        SubscriptionDescription s;
        s.topicName = "events";
        s.name = "sql";
        RuleDescription r;
        r.name = "big";
        r.filter = SqlFilter{"n > @min", {{"@min", Value::int32(10)}}};
        QVERIFY(engine.createSubscription(s, r).ok());
        QVERIFY(engine.send(EntityAddress::queue("orders"), {msg("a"), msg("b"), msg("c")}).ok());
        Message big = msg("big");
        big.applicationProperties.set("n", Value::int32(11));
        QVERIFY(engine.send(EntityAddress::queue("events"), {big, msg("small")}).ok());
        std::vector<Message> got;
        ReceiverCallbacks cb;
        cb.onMessage = [&](Message m) { got.push_back(std::move(m)); };
        auto rid = engine.openReceiver(EntityAddress::queue("orders"), ReceiveMode::PeekLock, SessionSpec::none(), cb);
        engine.addCredit(rid->id, 2);
        QVERIFY(engine.complete(EntityAddress::queue("orders"), got[0].lockToken).ok());
        QVERIFY(engine.deadLetter(EntityAddress::queue("orders"), got[1].lockToken, "r", "d").ok());
    }
    Engine engine(clock, openStore(path));
    QVERIFY2(engine.loadResult().ok(), engine.loadResult().ok() ? "" : engine.loadResult().error().message.c_str());
    QCOMPARE(engine.runtimeCounts("orders")->active, 1);
    QCOMPARE(engine.runtimeCounts("orders")->deadLetter, 1);
    QCOMPARE(engine.runtimeCounts("events/Subscriptions/sql")->active, 1);
    QCOMPARE(engine.getQueue("orders")->name, std::string("Orders"));
    auto rule = engine.getRule("events", "sql", "big");
    QVERIFY(rule.ok());
    QCOMPARE(std::get<SqlFilter>(rule->filter).parameters.size(), std::size_t(1));
    // Duplicate detection history survived too.
    QCOMPARE(*engine.send(EntityAddress::queue("orders"), {msg("a")}), (std::vector<std::int64_t>{0}));
    QCOMPARE(*engine.send(EntityAddress::queue("orders"), {msg("d")}), (std::vector<std::int64_t>{4}));
    auto peeked = engine.peek(EntityAddress::queue("orders", SubQueue::DeadLetter), 0, 10);
    QCOMPARE(*(*peeked)[0].applicationProperties.find(kDeadLetterReasonProperty), Value::string("r"));
    QVERIFY(engine.deleteTopic("events").ok());
}

void TestSqliteStore::corruptFileIsReported_data()
{
    QTest::addColumn<int>("damage");
    QTest::newRow("foreign file") << 0;
    QTest::newRow("damaged pages") << 1;
}

void TestSqliteStore::corruptFileIsReported()
{
    QFETCH(int, damage);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("broker.db"));
    if (damage == 0) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(8192, 'z'));
    } else {
        {
            VirtualClock clock;
            Engine engine(clock, openStore(path));
            QueueDescription q;
            q.name = "q";
            QVERIFY(engine.createQueue(q).ok());
            std::vector<Message> batch;
            for (int i = 0; i < 500; ++i)
                batch.push_back(msg(std::to_string(i)));
            for (auto &m : batch)
                m.body = std::string(2000, 'b');
            for (int i = 0; i < 10; ++i)
                QVERIFY(engine.send(EntityAddress::queue("q"), {batch.begin() + i * 50, batch.begin() + (i + 1) * 50}).ok());
        }
        {
            auto s = SqliteStore::open(path.toStdString()); // checkpoint the WAL into the file on close
            QVERIFY(s.ok());
        }
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadWrite));
        const qint64 size = f.size();
        QVERIFY(size > 8 * 4096);
        for (qint64 off = 4096; off + 4096 < size; off += 8192) {
            f.seek(off);
            f.write(QByteArray(300, '\xff'));
        }
    }
    const QByteArray before = [&] {
        QFile f(path);
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }();
    auto store = SqliteStore::open(path.toStdString());
    Result<StoreSnapshot> loaded = store ? (*store)->load() : Result<StoreSnapshot>(store.error());
    QVERIFY(!loaded.ok());
    QCOMPARE(loaded.error().code, ErrorCode::StoreError);
    QVERIFY2(QString::fromStdString(loaded.error().message).contains(path), loaded.error().message.c_str());
    // The engine refuses it too and the file is left untouched.
    if (store) {
        VirtualClock clock;
        Engine engine(clock, std::move(*store));
        QVERIFY(!engine.loadResult().ok());
        QueueDescription q;
        q.name = "after-failure";
        QVERIFY(engine.createQueue(q).ok()); // memory only: nothing reaches the damaged file
        QVERIFY(engine.send(EntityAddress::queue("after-failure"), {msg("x")}).ok());
    }
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), before);
}

void TestSqliteStore::killedProcessKeepsAcknowledgedWork()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("broker.db")).toStdString();
    int fds[2];
    QCOMPARE(pipe(fds), 0);
    const pid_t child = fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        // Child: send and complete under load, acknowledging each durable step on the pipe.
        close(fds[0]);
        SystemClock clock;
        auto store = SqliteStore::open(path, SqliteStore::Options{false});
        if (!store)
            _exit(2);
        Engine engine(clock, std::move(*store));
        QueueDescription q;
        q.name = "q";
        if (!engine.createQueue(q))
            _exit(3);
        std::vector<Message> got;
        ReceiverCallbacks cb;
        cb.onMessage = [&](Message m) { got.push_back(std::move(m)); };
        auto r = engine.openReceiver(EntityAddress::queue("q"), ReceiveMode::PeekLock, SessionSpec::none(), cb);
        for (int i = 0;; ++i) {
            std::vector<Message> batch;
            for (int k = 0; k < 10; ++k)
                batch.push_back(msg("m" + std::to_string(i * 10 + k)));
            if (!engine.send(EntityAddress::queue("q"), std::move(batch)))
                _exit(4);
            char line[64];
            int n = std::snprintf(line, sizeof line, "S %d\n", i);
            if (write(fds[1], line, static_cast<std::size_t>(n)) != n)
                _exit(5);
            engine.addCredit(r->id, 5);
            for (const Message &m : got) {
                // Say "received" before completing: a complete that commits but is killed before its
                // "C" line must not look like a lost send to the parent.
                n = std::snprintf(line, sizeof line, "R %s\n", m.messageIdString().c_str());
                if (write(fds[1], line, static_cast<std::size_t>(n)) != n)
                    _exit(8);
                if (!engine.complete(EntityAddress::queue("q"), m.lockToken))
                    _exit(6);
                n = std::snprintf(line, sizeof line, "C %s\n", m.messageIdString().c_str());
                if (write(fds[1], line, static_cast<std::size_t>(n)) != n)
                    _exit(7);
            }
            got.clear();
        }
    }
    close(fds[1]);
    // Parent: read acknowledgements for a while, then kill -9 mid-flight.
    std::set<std::string> sent, received, completed;
    std::string buffer;
    char chunk[4096];
    // Reads what the pipe holds; false at end of file or when nothing came within `waitMs`.
    auto readSome = [&](int waitMs) {
        pollfd pfd{fds[0], POLLIN, 0};
        if (poll(&pfd, 1, waitMs) <= 0)
            return false;
        const ssize_t n = read(fds[0], chunk, sizeof chunk);
        if (n <= 0)
            return false;
        buffer.append(chunk, static_cast<std::size_t>(n));
        std::size_t pos;
        while ((pos = buffer.find('\n')) != std::string::npos) {
            const std::string line = buffer.substr(0, pos);
            buffer.erase(0, pos + 1);
            if (line.rfind("S ", 0) == 0) {
                const int batch = std::stoi(line.substr(2));
                for (int k = 0; k < 10; ++k)
                    sent.insert("m" + std::to_string(batch * 10 + k));
            } else if (line.rfind("R ", 0) == 0) {
                received.insert(line.substr(2));
            } else if (line.rfind("C ", 0) == 0) {
                completed.insert(line.substr(2));
            }
        }
        return true;
    };
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 1500 && sent.size() < 30000) {
        if (!readSome(1000))
            break; // the child stalled: fail below rather than hang
    }
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    // Everything the child wrote before it died counts: drain the pipe to its end.
    while (readSome(0)) {
    }
    close(fds[0]);
    QVERIFY2(WIFSIGNALED(status), "the child ended on its own (it failed)");
    QVERIFY2(sent.size() > 100, "the child made too little progress");
    QVERIFY(!completed.empty());

    VirtualClock clock;
    Engine engine(clock, openStore(QString::fromStdString(path)));
    QVERIFY(engine.loadResult().ok());
    auto all = engine.peek(EntityAddress::queue("q"), 0, 10'000'000);
    QVERIFY(all.ok());
    std::set<std::string> present;
    for (const auto &m : *all)
        present.insert(m.messageIdString());
    // A send acknowledged and never handed to the receiver must be there; one received but not
    // acknowledged as completed may or may not have been completed when the process died.
    for (const auto &id : sent) {
        if (!received.count(id))
            QVERIFY2(present.count(id), ("acknowledged send lost: " + id).c_str());
    }
    for (const auto &id : completed)
        QVERIFY2(!present.count(id), ("completed message came back: " + id).c_str());
    qInfo("child acknowledged %zu sends and %zu completes before SIGKILL; %zu messages recovered", sent.size(),
          completed.size(), present.size());
}

QTEST_GUILESS_MAIN(TestSqliteStore)
#include "tst_sqlitestore.moc"
