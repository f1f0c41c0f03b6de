// bench_purge [count=100000] [batch=500] [depth=2]: sends `count` 1 KB messages to busyard-emulator
// (loopback, in-memory), then purges them with models::PurgeJob, measuring msgs/s (target >= 20,000)
// and the longest gap of a 1 ms QTimer on the GUI thread. The final empty receive (emptyWait) is
// excluded from the rate: it is measured up to the last batch that removed messages.
#include "models/purgejob.h"

#include "core/client/namespaceconnection.h"

#include "../../tests/common/clienttest.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTest>
#include <QTimer>

#include <cstdio>

using namespace busyard;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int count = argc > 1 ? std::atoi(argv[1]) : 100000;
    const int batchSize = argc > 2 ? std::atoi(argv[2]) : 500;
    const int depth = argc > 3 ? std::atoi(argv[3]) : 2;
    testing::EmulatorProcess emulator;
    if (!emulator.start()) {
        std::fprintf(stderr, "busyard-emulator did not start\n");
        return 1;
    }
    auto connection = testing::connectTo(emulator, std::chrono::seconds(60));
    if (!connection)
        return 1;
    auto &conn = *connection;

    const std::string body(1024, 'x');
    const bool sent = testing::sendGenerated(conn, &app, "orders", count, [&](int i) {
        core::Message m;
        m.messageId = core::Value::string("bench-" + std::to_string(i));
        m.body = body;
        return m;
    });
    if (!sent) {
        std::fprintf(stderr, "send failed\n");
        return 1;
    }

    models::PurgeJob job(&conn, QStringLiteral("orders"), count);
    job.setBatchSize(batchSize);
    job.setPipelineDepth(depth);
    QElapsedTimer gap;
    qint64 maxGap = 0;
    QTimer tick;
    tick.setInterval(1);
    QObject::connect(&tick, &QTimer::timeout, [&] {
        maxGap = std::max(maxGap, gap.restart());
    });
    QElapsedTimer clock;
    qint64 lastProgressMs = 0;
    std::optional<std::pair<qint64, QString>> result;
    QObject::connect(&job, &models::PurgeJob::progress, [&](qint64, qint64) { lastProgressMs = clock.elapsed(); });
    QObject::connect(&job, &models::PurgeJob::finished,
                     [&](qint64 removed, const QString &error) { result = std::make_pair(removed, error); });
    clock.start();
    gap.start();
    tick.start();
    job.start();
    if (!QTest::qWaitFor([&] { return result.has_value(); }, 600000)) {
        std::fprintf(stderr, "purge did not finish\n");
        return 1;
    }
    tick.stop();
    const double seconds = std::max<qint64>(lastProgressMs, 1) / 1000.0;
    std::printf("purge: %lld of %d messages in %.2f s (batch %d, depth %d): %.0f msgs/s (target >= 20000); "
                "total incl. final empty receive %.2f s; longest GUI stall %lld ms%s%s\n",
                static_cast<long long>(result->first), count, seconds, batchSize, depth, double(result->first) / seconds,
                clock.elapsed() / 1000.0, static_cast<long long>(maxGap), result->second.isEmpty() ? "" : "; error: ",
                qPrintable(result->second));
    return result->first == count && result->second.isEmpty() ? 0 : 2;
}
