// bench_replay [count=10000] [batch=250] [journal-dir=.]: puts `count` 1 KB messages into the dead-letter
// queue of 'orders' on busyard-emulator (loopback, in-memory), replays them back to 'orders' with
// models::ReplayJob (journal on disk in `journal-dir`, fsync per batch), measuring msgs/s (target >= 2,000),
// then verifies by receiving: exactly `count` distinct ids in 'orders', the DLQ empty. The final empty
// receive (emptyWait) is excluded from the rate: it is measured up to the last batch that replayed messages.
#include "models/replayjob.h"

#include "core/client/namespaceconnection.h"

#include "../../tests/common/clienttest.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <cstdio>
#include <unordered_set>

using namespace busyard;
using namespace std::chrono_literals;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int count = argc > 1 ? std::atoi(argv[1]) : 10000;
    const int batchSize = argc > 2 ? std::atoi(argv[2]) : 250;
    const QString journalDir = argc > 3 ? QString::fromLocal8Bit(argv[3]) : QDir::currentPath();
    testing::EmulatorProcess emulator;
    if (!emulator.start()) {
        std::fprintf(stderr, "busyard-emulator did not start\n");
        return 1;
    }
    auto connection = testing::connectTo(emulator, std::chrono::seconds(60));
    if (!connection)
        return 1;
    auto &conn = *connection;
    const std::string queue = "orders";
    const std::string dlq = queue + "/$DeadLetterQueue";

    // Fill the DLQ: send, then receive (peek-lock) and dead-letter in batches.
    const std::string body(1024, 'x');
    const bool sent = testing::sendGenerated(conn, &app, queue, count, [&](int i) {
        core::Message m;
        m.messageId = core::Value::string("bench-" + std::to_string(i));
        m.body = body;
        m.applicationProperties.set("index", core::Value::int32(i));
        return m;
    });
    if (!sent) {
        std::fprintf(stderr, "send failed\n");
        return 1;
    }
    if (!testing::deadLetterFirst(conn, &app, queue, count, "bench", std::nullopt, count / 500 + 10)) {
        std::fprintf(stderr, "dead-lettering failed\n");
        return 1;
    }

    QTemporaryDir dir(journalDir + QStringLiteral("/bench_replay-XXXXXX"));
    if (!dir.isValid()) {
        std::fprintf(stderr, "cannot create a journal folder in %s\n", qPrintable(journalDir));
        return 1;
    }
    models::ReplayJob job(&conn, QString::fromStdString(dlq), {}, dir.filePath(QStringLiteral("bench.journal")));
    job.setExpected(count);
    job.setBatchSize(batchSize);
    QElapsedTimer clock;
    qint64 lastProgressMs = 0;
    qint64 lastReplayed = 0;
    std::optional<models::ReplaySummary> summary;
    QObject::connect(&job, &models::ReplayJob::progress, &app, [&](qint64 replayed, qint64, qint64, double) {
        if (replayed > lastReplayed) {
            lastReplayed = replayed;
            lastProgressMs = clock.elapsed();
        }
    });
    QObject::connect(&job, &models::ReplayJob::finished, &app, [&](const models::ReplaySummary &s) { summary = s; });
    // The GUI thread's responsiveness: the longest gap between ticks of a 1 ms timer while the job runs
    // (the job, its journal writes with fsync and the client callbacks all run on this thread).
    QTimer tick;
    qint64 lastTick = 0;
    qint64 maxGap = 0;
    qint64 maxGapAt = 0;
    QObject::connect(&tick, &QTimer::timeout, &app, [&] {
        const qint64 now = clock.elapsed();
        if (now - lastTick > maxGap) {
            maxGap = now - lastTick;
            maxGapAt = now;
        }
        lastTick = now;
    });
    clock.start();
    tick.start(1);
    job.start();
    if (!QTest::qWaitFor([&] { return summary.has_value(); }, 600000)) {
        std::fprintf(stderr, "replay did not finish\n");
        return 1;
    }
    tick.stop();
    const double seconds = std::max<qint64>(lastProgressMs, 1) / 1000.0;

    // Verify: every id exactly once in the queue, nothing left in the DLQ.
    std::unordered_set<std::string> ids;
    std::size_t received = 0;
    for (;;) {
        std::optional<std::vector<core::Message>> got;
        conn.receive(queue, client::ReceiveMode::ReceiveAndDelete, 1000, 1s, &app,
                     [&](core::Result<std::vector<core::Message>> r) { got = r ? r.value() : std::vector<core::Message>{}; });
        if (!QTest::qWaitFor([&] { return got.has_value(); }, 120000) || got->empty())
            break;
        received += got->size();
        for (const auto &m : *got)
            ids.insert(m.messageIdString());
    }
    std::optional<std::int64_t> leftInDlq;
    conn.getQueue(queue, &app, [&](core::Result<client::QueueInfo> r) { leftInDlq = r ? r->counts.deadLetter : -1; });
    (void)QTest::qWaitFor([&] { return leftInDlq.has_value(); }, 30000);

    const bool ok = summary->error.isEmpty() && summary->replayed == count && received == std::size_t(count)
        && ids.size() == std::size_t(count) && leftInDlq.value_or(-1) == 0;
    std::printf("replay: %lld of %d messages in %.2f s (batch %d, journal in %s): %.0f msgs/s (target >= 2000); "
                "total incl. final empty receive %.2f s; longest GUI stall %lld ms (ending at %.2f s); verify: %zu received, %zu distinct ids, %lld left in DLQ: %s%s%s\n",
                static_cast<long long>(summary->replayed), count, seconds, batchSize, qPrintable(dir.path()),
                double(summary->replayed) / seconds, summary->seconds, static_cast<long long>(maxGap), maxGapAt / 1000.0, received, ids.size(),
                static_cast<long long>(leftInDlq.value_or(-1)), ok ? "OK" : "FAILED",
                summary->error.isEmpty() ? "" : "; error: ", qPrintable(summary->error));
    return ok ? 0 : 2;
}
