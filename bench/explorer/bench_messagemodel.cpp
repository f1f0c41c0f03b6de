// bench_messagemodel [count=100000]: sends `count` 1 KB messages to busyard-emulator (loopback,
// in-memory), then loads them all into MessageListModel as a view would (fetchMore until the end),
// measuring throughput, the longest gap of a 1 ms QTimer on the GUI thread, and bytes per row.
#include "models/messagelistmodel.h"

#include "core/client/namespaceconnection.h"

#include "../../tests/common/emulatorprocess.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTest>
#include <QTimer>

#include <cstdio>

using namespace busyard;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int count = argc > 1 ? std::atoi(argv[1]) : 100000;
    testing::EmulatorProcess emulator;
    if (!emulator.start()) {
        std::fprintf(stderr, "busyard-emulator did not start\n");
        return 1;
    }
    client::ConnectionOptions options;
    options.operationTimeout = std::chrono::seconds(60);
    auto connection = client::NamespaceConnection::create(emulator.connectionStringUtf8(), options);
    if (!connection)
        return 1;
    auto &conn = *connection.value();

    const std::string body(1024, 'x');
    int sent = 0, failed = 0;
    constexpr int kBatch = 1000;
    for (int first = 0; first < count; first += kBatch) {
        std::vector<core::Message> batch;
        for (int i = first; i < std::min(count, first + kBatch); ++i) {
            core::Message m;
            m.messageId = core::Value::string("bench-" + std::to_string(i));
            m.subject = "bench";
            m.body = body;
            batch.push_back(std::move(m));
        }
        const int n = int(batch.size());
        conn.sendBatch("orders", std::move(batch), &app, [&, n](core::Result<void> r) { (r ? sent : failed) += n; });
        if (!QTest::qWaitFor([&] { return sent + failed >= first + n; }, 120000) || failed) {
            std::fprintf(stderr, "send failed\n");
            return 1;
        }
    }

    models::MessageListModel model(&conn, "orders");
    QElapsedTimer gap;
    qint64 maxGap = 0;
    QTimer tick;
    tick.setInterval(1);
    QObject::connect(&tick, &QTimer::timeout, &app, [&] {
        maxGap = std::max(maxGap, gap.restart());
    });
    // Like a view: fetch the next page as soon as the previous one is in.
    QObject::connect(&model, &QAbstractItemModel::rowsInserted, &app, [&] {
        QTimer::singleShot(0, &model, [&] { if (model.canFetchMore()) model.fetchMore(); });
    });
    // A real event loop, as in the app (QApplication::exec blocks in poll and wakes on each event).
    // Not QTest::qWaitFor: in Qt 6.4 it sleeps 10 ms between passes of processEvents, which bounded
    // this benchmark to about two such sleeps per page (~10,000 msgs/s) and showed up as GUI stalls.
    QEventLoop loop;
    bool done = false;
    QObject::connect(&model, &models::MessageListModel::loadingChanged, &loop, [&] {
        if (!model.hasMore() && !model.isFetching()) {
            done = true;
            loop.quit();
        }
    });
    QObject::connect(&model, &models::MessageListModel::errorOccurred, &loop, [&](const QString &error) {
        std::fprintf(stderr, "peek failed: %s\n", qPrintable(error));
        loop.quit();
    });
    QTimer::singleShot(600000, &loop, &QEventLoop::quit); // watchdog
    QElapsedTimer clock;
    clock.start();
    gap.start();
    tick.start();
    model.fetchMore();
    if (!done)
        loop.exec();
    const double seconds = double(clock.elapsed()) / 1000.0;
    tick.stop();
    std::printf("messages loaded:        %d of %d%s\n", model.rowCount(), count, done ? "" : " (timed out)");
    std::printf("throughput:             %.0f msgs/s (%.2f s)\n", model.rowCount() / seconds, seconds);
    std::printf("longest GUI stall:      %lld ms\n", static_cast<long long>(maxGap));
    std::printf("sizeof(Row):            %zu bytes\n", sizeof(models::MessageListModel::Row));
    std::printf("model memory per row:   %.1f bytes (without bodies)\n", model.memoryPerRow());
    return done ? 0 : 1;
}
