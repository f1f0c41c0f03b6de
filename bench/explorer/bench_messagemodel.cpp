// bench_messagemodel [count=100000]: sends `count` 1 KB messages to busyard-emulator (loopback,
// in-memory), then loads them all into MessageListModel as a view would (fetchMore until the end),
// measuring throughput, the longest gap of a 1 ms QTimer on the GUI thread, and bytes per row.
#include "models/messagelistmodel.h"

#include "core/client/namespaceconnection.h"

#include "../../tests/common/clienttest.h"

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
    auto connection = testing::connectTo(emulator, std::chrono::seconds(60));
    if (!connection)
        return 1;
    auto &conn = *connection;

    const std::string body(1024, 'x');
    const bool sent = testing::sendGenerated(conn, &app, "orders", count, [&](int i) {
        core::Message m;
        m.messageId = core::Value::string("bench-" + std::to_string(i));
        m.subject = "bench";
        m.body = body;
        return m;
    });
    if (!sent) {
        std::fprintf(stderr, "send failed\n");
        return 1;
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
