// models::CountSampler (against a real busyard-emulator) and widgets::CountChart (ticks, ring buffer,
// painting, hover).
#include "models/countsampler.h"
#include "widgets/countchart.h"

#include "core/client/namespaceconnection.h"
#include "resources/resources.h"

#include "../common/clienttest.h"

#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QImage>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QStyleFactory>
#include <QTest>

#include <cmath>

using namespace busyard;
using namespace std::chrono_literals;
using models::CountSample;
using widgets::CountChart;

namespace {

/** Pixels of `image` within a small distance of `color`. */
int pixelsNear(const QImage &image, const QColor &color, int tolerance = 40)
{
    int n = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            const QColor c = image.pixelColor(x, y);
            if (std::abs(c.red() - color.red()) + std::abs(c.green() - color.green()) + std::abs(c.blue() - color.blue())
                < tolerance)
                ++n;
        }
    return n;
}

QPalette darkPalette()
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x30));
    p.setColor(QPalette::WindowText, QColor(0xdf, 0xe1, 0xe5));
    p.setColor(QPalette::Base, QColor(0x1e, 0x1f, 0x22));
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2b));
    p.setColor(QPalette::Text, QColor(0xdf, 0xe1, 0xe5));
    p.setColor(QPalette::Mid, QColor(0x4e, 0x51, 0x57));
    p.setColor(QPalette::ToolTipBase, QColor(0x2b, 0x2d, 0x30));
    p.setColor(QPalette::ToolTipText, QColor(0xdf, 0xe1, 0xe5));
    p.setColor(QPalette::PlaceholderText, QColor(0x8c, 0x8f, 0x94));
    return p;
}

/** A plausible half hour of a queue under load, 2 s apart. */
void fillHistory(models::CountSampler &sampler, int n, qint64 endMs)
{
    for (int i = 0; i < n; ++i) {
        CountSample s;
        s.timeMs = endMs - qint64(n - 1 - i) * 2000;
        const double t = double(i) / n;
        s.active = std::llround(1800 + 1500 * std::sin(t * 6.0) + 900 * t);
        s.deadLetter = std::llround(40 + 260 * t * t);
        s.scheduled = i < n / 2 ? 500 - i : 500 - n / 2 + (i - n / 2) / 3;
        s.transferDeadLetter = i > n * 3 / 4 ? 25 : 0;
        sampler.record(s);
    }
}

} // namespace

class TestCountChart : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<testing::EmulatorProcess> m_emulator;
    std::unique_ptr<client::NamespaceConnection> m_connection;

    bool startEmulator()
    {
        m_emulator = std::make_unique<testing::EmulatorProcess>();
        if (!m_emulator->start())
            return false;
        m_connection = testing::connectTo(*m_emulator);
        if (!m_connection)
            return false;
        return true;
    }

    bool sendN(const std::string &entity, int count)
    {
        std::vector<core::Message> messages;
        for (int i = 0; i < count; ++i) {
            core::Message m;
            m.messageId = core::Value::string("m-" + std::to_string(i));
            m.body = "x";
            messages.push_back(std::move(m));
        }
        std::optional<bool> ok;
        m_connection->sendBatch(entity, std::move(messages), this, [&](core::Result<void> r) { ok = r.ok(); });
        return QTest::qWaitFor([&] { return ok.has_value(); }, 20000) && *ok;
    }

private Q_SLOTS:
    void initTestCase()
    {
        resources::initialize();
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    }

    void cleanup()
    {
        m_connection.reset();
        m_emulator.reset();
    }

    // ---- pure units ------------------------------------------------------------------------------

    void ringBuffer()
    {
        models::RingBuffer<int> ring(3);
        QCOMPARE(ring.capacity(), std::size_t(3));
        QVERIFY(ring.empty());
        for (int i = 1; i <= 5; ++i)
            ring.push(i);
        QCOMPARE(ring.size(), std::size_t(3));
        QCOMPARE(ring.at(0), 3);
        QCOMPARE(ring.at(1), 4);
        QCOMPARE(ring.at(2), 5);
        QCOMPARE(ring.back(), 5);
        ring.setCapacity(2);  // keeps the newest
        QCOMPARE(ring.size(), std::size_t(2));
        QCOMPARE(ring.at(0), 4);
        QCOMPARE(ring.at(1), 5);
        ring.setCapacity(4);
        ring.push(6);
        ring.push(7);
        QCOMPARE(ring.size(), std::size_t(4));
        QCOMPARE(ring.at(0), 4);
        QCOMPARE(ring.back(), 7);
        ring.push(8);
        QCOMPARE(ring.at(0), 5);
        ring.clear();
        QVERIFY(ring.empty());
        ring.push(9);
        QCOMPARE(ring.at(0), 9);
    }

    void samplerCapacityFollowsWindow()
    {
        QVERIFY(startEmulator());
        models::CountSampler sampler(m_connection.get(), QStringLiteral("orders"));
        QCOMPARE(sampler.samples().capacity(), std::size_t(900));  // 30 min at 2 s
        sampler.setInterval(1s);
        sampler.setWindow(10s);
        QCOMPARE(sampler.samples().capacity(), std::size_t(10));
        for (int i = 0; i < 25; ++i)
            sampler.record(CountSample{i, i, 0, 0, 0});
        QCOMPARE(sampler.samples().size(), std::size_t(10));
        QCOMPARE(sampler.samples().at(0).active, 15);
        QCOMPARE(sampler.samples().back().active, 24);
    }

    void niceTicks_data()
    {
        QTest::addColumn<double>("max");
        QTest::addColumn<int>("maxTicks");
        QTest::addColumn<QList<double>>("expected");
        QTest::newRow("zero") << 0.0 << 5 << QList<double>{0, 1};
        QTest::newRow("seven") << 7.0 << 5 << QList<double>{0, 2, 4, 6, 8};
        QTest::newRow("ten") << 10.0 << 5 << QList<double>{0, 2, 4, 6, 8, 10};
        QTest::newRow("hundred") << 100.0 << 5 << QList<double>{0, 20, 40, 60, 80, 100};
        QTest::newRow("1234") << 1234.0 << 4 << QList<double>{0, 500, 1000, 1500};
        QTest::newRow("3 of 5") << 3.0 << 5 << QList<double>{0, 1, 2, 3};
        QTest::newRow("one tick") << 42.0 << 1 << QList<double>{0, 50};
    }

    void niceTicks()
    {
        QFETCH(double, max);
        QFETCH(int, maxTicks);
        QFETCH(QList<double>, expected);
        const auto ticks = CountChart::niceTicks(0, max, maxTicks, 1);
        QCOMPARE(QList<double>(ticks.begin(), ticks.end()), expected);
    }

    void niceTicksProperties()
    {
        // Whatever the range: ascending, evenly spaced by 1/2/5·10^k, covering [min, max], bounded.
        for (double max : {0.5, 1.0, 9.0, 11.0, 99.0, 101.0, 999.0, 12345.0, 1e6 + 1, 7.3e9}) {
            for (int maxTicks : {2, 4, 6}) {
                const auto t = CountChart::niceTicks(0, max, maxTicks, 1);
                QVERIFY(t.size() >= 2);
                QCOMPARE(t.front(), 0.0);
                QVERIFY2(t.back() >= max, qPrintable(QStringLiteral("%1 / %2").arg(max).arg(maxTicks)));
                QVERIFY(int(t.size()) - 1 <= maxTicks + 1);
                const double step = t[1] - t[0];
                const double mantissa = step / std::pow(10.0, std::floor(std::log10(step)));
                QVERIFY2(std::abs(mantissa - 1) < 1e-9 || std::abs(mantissa - 2) < 1e-9 || std::abs(mantissa - 5) < 1e-9,
                         qPrintable(QString::number(step)));
                for (std::size_t i = 1; i < t.size(); ++i)
                    QVERIFY(std::abs((t[i] - t[i - 1]) - step) < step * 1e-9);
            }
        }
        // Fractional ranges when no minimum step is asked for.
        const auto f = CountChart::niceTicks(0, 1, 5);
        QCOMPARE(f.size(), std::size_t(6));
        QVERIFY(std::abs(f[1] - 0.2) < 1e-12);
    }

    void timeTicks()
    {
        const qint64 from = QDateTime(QDate(2024, 5, 1), QTime(12, 0, 7)).toMSecsSinceEpoch();
        qint64 step = 0;
        // 30 minutes, at most 7 ticks -> 5-minute steps on the local clock.
        auto ticks = CountChart::timeTicks(from, from + 30 * 60 * 1000, 7, &step);
        QCOMPARE(step, qint64(5 * 60 * 1000));
        QVERIFY(!ticks.empty() && int(ticks.size()) <= 7);
        QCOMPARE(QDateTime::fromMSecsSinceEpoch(ticks.front()).time(), QTime(12, 5, 0));
        for (std::size_t i = 1; i < ticks.size(); ++i)
            QCOMPARE(ticks[i] - ticks[i - 1], step);
        QVERIFY(ticks.back() <= from + 30 * 60 * 1000);
        // 40 seconds, at most 5 ticks -> 10 s.
        ticks = CountChart::timeTicks(from, from + 40000, 5, &step);
        QCOMPARE(step, qint64(10000));
        QCOMPARE(QDateTime::fromMSecsSinceEpoch(ticks.front()).time(), QTime(12, 0, 10));
        QCOMPARE(int(ticks.size()), 4);  // :10 :20 :30 :40
    }

    void countLabels()
    {
        QCOMPARE(CountChart::countLabel(0), QStringLiteral("0"));
        QCOMPARE(CountChart::countLabel(950), QStringLiteral("950"));
        QCOMPARE(CountChart::countLabel(12500), QLocale().toString(12.5, 'f', 1) + QStringLiteral("k"));
        QCOMPARE(CountChart::countLabel(3e6), QStringLiteral("3M"));
    }

    // ---- the sampler against the emulator -----------------------------------------------------------

    void samplerSeesQueueCounts()
    {
        QVERIFY(startEmulator());
        models::CountSampler sampler(m_connection.get(), QStringLiteral("orders/$DeadLetterQueue"));
        QCOMPARE(sampler.entityPath(), QStringLiteral("orders"));
        sampler.setInterval(200ms);
        QSignalSpy sampled(&sampler, &models::CountSampler::sampled);
        sampler.start();
        QVERIFY(sampler.isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(sampled.count() >= 1, 20000);
        QCOMPARE(sampler.samples().back().active, 0);

        QVERIFY(sendN("orders", 7));
        QTRY_COMPARE_WITH_TIMEOUT(sampler.samples().back().active, 7, 20000);

        // Dead-letter two of them, schedule one.
        std::optional<std::vector<core::Message>> locked;
        m_connection->receive("orders", client::ReceiveMode::PeekLock, 2, 5s, this,
                              [&](core::Result<std::vector<core::Message>> r) { locked = r ? r.value() : std::vector<core::Message>{}; });
        QVERIFY(QTest::qWaitFor([&] { return locked.has_value(); }, 20000));
        QCOMPARE(locked->size(), std::size_t(2));
        int settled = 0;
        for (const auto &m : *locked)
            m_connection->deadLetter("orders", m.lockToken, std::string("test"), std::nullopt, this,
                                     [&](core::Result<void> r) { settled += r ? 1 : 100; });
        QTRY_COMPARE_WITH_TIMEOUT(settled, 2, 20000);
        core::Message later;
        later.body = "later";
        std::optional<bool> scheduled;
        m_connection->schedule("orders", {later}, core::SystemClock().now() + std::chrono::hours(1), this,
                               [&](core::Result<std::vector<std::int64_t>> r) { scheduled = r.ok(); });
        QTRY_VERIFY_WITH_TIMEOUT(scheduled.has_value(), 20000);
        QVERIFY(*scheduled);
        QTRY_VERIFY_WITH_TIMEOUT(sampler.samples().back().deadLetter == 2 && sampler.samples().back().scheduled == 1
                                     && sampler.samples().back().active == 5,
                                 20000);
        // Samples are in time order and never overlap (one request at a time).
        for (std::size_t i = 1; i < sampler.samples().size(); ++i)
            QVERIFY(sampler.samples().at(i).timeMs >= sampler.samples().at(i - 1).timeMs);
        sampler.stop();
        QVERIFY(!sampler.isRunning());
        QTRY_VERIFY(!sampler.isBusy());
        const int before = int(sampled.count());
        QTest::qWait(600);
        QCOMPARE(int(sampled.count()), before);
    }

    void samplerSubscriptionAndTopic()
    {
        QVERIFY(startEmulator());
        QVERIFY(sendN("events", 3));
        models::CountSampler sub(m_connection.get(), QStringLiteral("events/Subscriptions/all"));
        sub.setInterval(200ms);
        sub.start();
        QTRY_VERIFY_WITH_TIMEOUT(!sub.samples().empty() && sub.samples().back().active == 3, 20000);
        // A plain path that is a topic: the queue lookup fails once, then the topic is sampled.
        models::CountSampler topic(m_connection.get(), QStringLiteral("events"));
        QSignalSpy errors(&topic, &models::CountSampler::errorOccurred);
        topic.start();
        QTRY_VERIFY_WITH_TIMEOUT(!topic.samples().empty() || !topic.lastError().isEmpty(), 20000);
        QVERIFY2(topic.lastError().isEmpty(), qPrintable(topic.lastError()));
        QCOMPARE(errors.count(), 0);
    }

    void samplerReportsErrors()
    {
        QVERIFY(startEmulator());
        models::CountSampler sampler(m_connection.get(), QStringLiteral("no-such-queue"));
        QSignalSpy errors(&sampler, &models::CountSampler::errorOccurred);
        sampler.setInterval(200ms);
        sampler.start();
        QTRY_VERIFY_WITH_TIMEOUT(errors.count() >= 1, 20000);
        QVERIFY(!sampler.lastError().isEmpty());
        QVERIFY(sampler.samples().empty());
        QTest::qWait(700);
        QCOMPARE(errors.count(), 1);  // reported once, not on every tick
        CountChart chart;
        chart.setSampler(&sampler);
        QVERIFY(chart.placeholderText().contains(sampler.lastError()));
    }

    // ---- the chart ---------------------------------------------------------------------------------

    void emptyStateUntilTwoSamples()
    {
        QVERIFY(startEmulator());
        models::CountSampler sampler(m_connection.get(), QStringLiteral("orders"));
        CountChart chart;
        chart.resize(600, 200);
        chart.setSampler(&sampler);
        QVERIFY(!chart.hasData());
        QCOMPARE(chart.placeholderText(), QStringLiteral("Collecting counts…"));
        sampler.record(CountSample{1000, 5, 0, 0, 0});
        QVERIFY(!chart.hasData());
        QImage empty(chart.size(), QImage::Format_RGB32);
        chart.render(&empty);
        QCOMPARE(pixelsNear(empty, chart.seriesColor(CountChart::Active), 30), 0);
        sampler.record(CountSample{3000, 9, 0, 0, 0});
        QVERIFY(chart.hasData());
        QImage drawn(chart.size(), QImage::Format_RGB32);
        chart.render(&drawn);
        QVERIFY(pixelsNear(drawn, chart.seriesColor(CountChart::Active), 30) > 50);
    }

    void paintsSeriesAndHover()
    {
        QVERIFY(startEmulator());
        models::CountSampler sampler(m_connection.get(), QStringLiteral("orders"));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        fillHistory(sampler, 300, now);
        CountChart chart;
        chart.resize(720, 220);
        chart.setSampler(&sampler);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        QImage image(chart.size(), QImage::Format_RGB32);
        chart.render(&image);
        for (int s = 0; s < CountChart::SeriesCount; ++s)
            QVERIFY2(pixelsNear(image, chart.seriesColor(CountChart::Series(s)), 30) > 20,
                     qPrintable(CountChart::seriesName(CountChart::Series(s))));

        // Hover in the middle: the nearest sample's values are shown.
        QTest::mouseMove(&chart, QPoint(chart.width() / 2, chart.height() / 2));
        QTRY_VERIFY(chart.hoverIndex() >= 0);
        const CountSample &hovered = sampler.samples().at(std::size_t(chart.hoverIndex()));
        QVERIFY(chart.hoverIndex() > 100 && chart.hoverIndex() < 200);
        QVERIFY2(chart.hoverText().contains(QStringLiteral("Active: %1").arg(QLocale().toString(qint64(hovered.active)))),
                 qPrintable(chart.hoverText()));
        QVERIFY(chart.hoverText().contains(QStringLiteral("Dead-letter: ")));
        QEvent leave(QEvent::Leave);
        QApplication::sendEvent(&chart, &leave);
        QCOMPARE(chart.hoverIndex(), -1);

        // Dark palette: lighter series colours, still drawn.
        chart.setPalette(darkPalette());
        QVERIFY(chart.seriesColor(CountChart::Active).lightness() > 128);
        QImage dark(chart.size(), QImage::Format_RGB32);
        chart.render(&dark);
        QVERIFY(pixelsNear(dark, chart.seriesColor(CountChart::Active), 30) > 20);
        QVERIFY(dark.pixelColor(2, 2).lightness() < 64);

        // A destroyed sampler leaves an empty chart, not a dangling pointer.
        chart.setSampler(nullptr);
        QVERIFY(!chart.hasData());
    }

    void screenshot()
    {
        const QString dir = qEnvironmentVariable("BUSYARD_SCREENSHOT_DIR");
        if (dir.isEmpty())
            QSKIP("set BUSYARD_SCREENSHOT_DIR to write docs/screenshots");
        QVERIFY(startEmulator());
        models::CountSampler sampler(m_connection.get(), QStringLiteral("orders"));
        const qint64 end = QDateTime(QDate(2024, 5, 1), QTime(12, 30, 0)).toMSecsSinceEpoch();
        fillHistory(sampler, 900, end);
        CountChart chart;
        chart.resize(900, 240);
        chart.setSampler(&sampler);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        QTest::mouseMove(&chart, QPoint(chart.width() * 2 / 3, chart.height() / 2));
        QTRY_VERIFY(chart.hoverIndex() >= 0);
        QVERIFY(chart.grab().save(QDir(dir).filePath(QStringLiteral("count-chart.png"))));
        chart.setPalette(darkPalette());
        // The dark variant is for checking by eye only (docs keep the light one).
        QVERIFY(chart.grab().save(QDir::temp().filePath(QStringLiteral("busyard-count-chart-dark.png"))));
    }
};

QTEST_MAIN(TestCountChart)
#include "tst_countchart.moc"
