#include "countchart.h"

#include "models/countsampler.h"

#include <QDateTime>
#include <QEvent>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <array>
#include <cmath>

namespace busyard::widgets {

namespace {

constexpr qint64 kSecond = 1000;
constexpr qint64 kMinute = 60 * kSecond;
constexpr qint64 kHour = 60 * kMinute;
/** Until this much history exists the time axis still spans it, so lines grow from the left. */
constexpr qint64 kMinSpanMs = kMinute;

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}

QColor blend(const QColor &a, const QColor &b, double t)
{
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t), float(a.greenF() * (1 - t) + b.greenF() * t),
                            float(a.blueF() * (1 - t) + b.blueF() * t));
}

} // namespace

struct CountChart::Layout
{
    QRect plot;            ///< the data area
    int legendY = 0;       ///< baseline row of the legend (top)
    qint64 fromMs = 0;
    qint64 toMs = 1;
    std::vector<double> yTicks;
    double yMax = 1;
    std::vector<qint64> xTicks;
    qint64 xStep = kSecond;

    double xOf(qint64 t) const
    {
        return plot.left() + double(t - fromMs) * plot.width() / double(std::max<qint64>(1, toMs - fromMs));
    }
    double yOf(double v) const { return plot.bottom() - v * plot.height() / std::max(1e-9, yMax); }
};

CountChart::CountChart(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("countChart"));
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

CountChart::~CountChart() = default;

void CountChart::setSampler(models::CountSampler *sampler)
{
    if (m_sampler == sampler)
        return;
    if (m_sampler)
        disconnect(m_sampler, nullptr, this, nullptr);
    m_sampler = sampler;
    if (m_sampler) {
        connect(m_sampler, &models::CountSampler::sampled, this, &CountChart::onSampled);
        connect(m_sampler, &models::CountSampler::errorOccurred, this, &CountChart::onSampled);
        connect(m_sampler, &models::CountSampler::cleared, this, &CountChart::onSampled);
        connect(m_sampler, &QObject::destroyed, this, &CountChart::onSampled);
    }
    m_hover = -1;
    update();
}

bool CountChart::hasData() const
{
    return m_sampler && m_sampler->samples().size() >= 2;
}

QString CountChart::placeholderText() const
{
    if (!m_sampler)
        return tr("No counts");
    if (!m_sampler->lastError().isEmpty())
        return tr("Counts unavailable: %1").arg(m_sampler->lastError());
    return tr("Collecting counts…");
}

QString CountChart::seriesName(Series series)
{
    switch (series) {
    case Active: return tr("Active");
    case DeadLetter: return tr("Dead-letter");
    case Scheduled: return tr("Scheduled");
    case TransferDeadLetter: return tr("Transfer DLQ");
    case SeriesCount: break;
    }
    return {};
}

QColor CountChart::seriesColor(Series series) const
{
    // Hues that stay apart for the common colour-vision deficiencies; lighter on dark backgrounds.
    static const std::array<QColor, SeriesCount> light = {QColor(0x1f, 0x6f, 0xc5), QColor(0xd0, 0x36, 0x2f),
                                                         QColor(0xc7, 0x8a, 0x00), QColor(0x80, 0x4f, 0xb3)};
    static const std::array<QColor, SeriesCount> dark = {QColor(0x5c, 0xad, 0xf2), QColor(0xff, 0x6e, 0x66),
                                                        QColor(0xf2, 0xc1, 0x4e), QColor(0xbf, 0x9b, 0xf2)};
    if (series < 0 || series >= SeriesCount)
        return palette().color(QPalette::Text);
    return isDark(palette()) ? dark[series] : light[series];
}

std::int64_t CountChart::seriesValue(const models::CountSample &sample, Series series)
{
    switch (series) {
    case Active: return sample.active;
    case DeadLetter: return sample.deadLetter;
    case Scheduled: return sample.scheduled;
    case TransferDeadLetter: return sample.transferDeadLetter;
    case SeriesCount: break;
    }
    return 0;
}

std::vector<double> CountChart::niceTicks(double min, double max, int maxTicks, double minStep)
{
    if (!std::isfinite(min) || !std::isfinite(max))
        return {0.0, 1.0};
    if (max < min)
        std::swap(min, max);
    maxTicks = std::max(1, maxTicks);
    if (max == min)
        max = min + std::max(minStep, 1.0);
    const double rough = (max - min) / maxTicks;
    const double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
    double step = 10 * magnitude;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * magnitude >= rough) {
            step = m * magnitude;
            break;
        }
    step = std::max(step, minStep);
    const double first = std::floor(min / step) * step;
    const double last = std::ceil(max / step) * step;
    std::vector<double> ticks;
    for (int i = 0; first + i * step <= last + step * 1e-9 && i <= 2 * maxTicks + 2; ++i) {
        const double v = first + i * step;
        ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
    }
    return ticks;
}

std::vector<qint64> CountChart::timeTicks(qint64 fromMs, qint64 toMs, int maxTicks, qint64 *stepMs)
{
    static const qint64 steps[] = {kSecond,      2 * kSecond,  5 * kSecond,  10 * kSecond, 15 * kSecond,
                                   30 * kSecond, kMinute,      2 * kMinute,  5 * kMinute,  10 * kMinute,
                                   15 * kMinute, 30 * kMinute, kHour,        2 * kHour,    3 * kHour,
                                   6 * kHour,    12 * kHour,   24 * kHour};
    if (toMs < fromMs)
        std::swap(fromMs, toMs);
    maxTicks = std::max(1, maxTicks);
    qint64 step = steps[std::size(steps) - 1];
    for (qint64 s : steps)
        if ((toMs - fromMs) / s + 1 <= maxTicks) {
            step = s;
            break;
        }
    if (stepMs)
        *stepMs = step;
    // Align to the local clock (12:00:00, 12:00:15, …), not to the UTC epoch.
    const qint64 offset = qint64(QDateTime::fromMSecsSinceEpoch(fromMs).offsetFromUtc()) * kSecond;
    qint64 first = fromMs + offset;
    first = (first / step + (first % step != 0 ? 1 : 0)) * step - offset;
    std::vector<qint64> ticks;
    for (qint64 t = first; t <= toMs && ticks.size() <= std::size_t(maxTicks) + 1; t += step)
        ticks.push_back(t);
    return ticks;
}

QString CountChart::countLabel(double value)
{
    const QLocale locale;
    const double a = std::abs(value);
    const auto compact = [&](double scaled, const QString &unit) -> QString {
        return locale.toString(scaled, 'f', scaled == std::floor(scaled) ? 0 : 1) + unit;
    };
    if (a >= 1e9)
        return compact(value / 1e9, QStringLiteral("G"));
    if (a >= 1e6)
        return compact(value / 1e6, QStringLiteral("M"));
    if (a >= 1e4)
        return compact(value / 1e3, QStringLiteral("k"));
    if (value == std::floor(value))
        return locale.toString(qint64(value));
    return locale.toString(value, 'f', 1);
}

QSize CountChart::sizeHint() const
{
    return {640, fontMetrics().height() * 11};
}

QSize CountChart::minimumSizeHint() const
{
    return {240, fontMetrics().height() * 7};
}

CountChart::Layout CountChart::computeLayout() const
{
    Layout l;
    const QFontMetrics fm = fontMetrics();
    const int margin = 8;
    l.legendY = margin + fm.ascent();
    const int top = margin + fm.height() + 8;
    const int bottom = height() - margin - fm.height() - 4;
    const auto &samples = m_sampler->samples();

    std::int64_t maxValue = 0;
    for (std::size_t i = 0; i < samples.size(); ++i)
        for (int s = 0; s < SeriesCount; ++s)
            maxValue = std::max(maxValue, seriesValue(samples.at(i), Series(s)));
    const int plotHeight = std::max(20, bottom - top);
    const int maxYTicks = std::clamp(plotHeight / (fm.height() * 2), 1, 6);
    l.yTicks = niceTicks(0, double(maxValue), maxYTicks, 1);
    l.yMax = l.yTicks.empty() ? 1 : std::max(1.0, l.yTicks.back());
    int labelWidth = 0;
    for (double v : l.yTicks)
        labelWidth = std::max(labelWidth, fm.horizontalAdvance(countLabel(v)));
    const int left = margin + labelWidth + 6;
    const int right = width() - margin - fm.horizontalAdvance(QStringLiteral("00:00")) / 2;
    l.plot = QRect(QPoint(left, top), QPoint(std::max(left + 20, right), top + plotHeight));

    l.toMs = samples.back().timeMs;
    l.fromMs = std::min(samples.at(0).timeMs, l.toMs - kMinSpanMs);
    if (m_sampler)
        l.fromMs = std::max(l.fromMs, l.toMs - std::max<qint64>(kMinSpanMs, m_sampler->window().count()));
    const int labelSpace = fm.horizontalAdvance(QStringLiteral("00:00:00")) + 24;
    l.xTicks = timeTicks(l.fromMs, l.toMs, std::max(2, l.plot.width() / labelSpace), &l.xStep);
    return l;
}

void CountChart::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    const QPalette pal = palette();
    p.fillRect(rect(), pal.color(QPalette::Base));
    const QFontMetrics fm = fontMetrics();

    if (!hasData()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(rect().adjusted(12, 8, -12, -8), Qt::AlignCenter | Qt::TextWordWrap, placeholderText());
        return;
    }

    const Layout l = computeLayout();
    const QColor text = pal.color(QPalette::Text);
    const QColor secondary = blend(pal.color(QPalette::Base), text, 0.62);
    const QColor grid = blend(pal.color(QPalette::Base), text, 0.12);
    const QColor axis = blend(pal.color(QPalette::Base), text, 0.35);

    // Grid and count axis.
    p.setFont(font());
    for (double v : l.yTicks) {
        const int y = int(std::lround(l.yOf(v)));
        p.setPen(QPen(grid, 1));
        if (v != 0)
            p.drawLine(l.plot.left(), y, l.plot.right(), y);
        p.setPen(secondary);
        const QString label = countLabel(v);
        p.drawText(QRect(0, y - fm.height() / 2, l.plot.left() - 6, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
                   label);
    }
    // Time axis.
    const QString timeFormat = l.xStep < kMinute ? QStringLiteral("HH:mm:ss") : QStringLiteral("HH:mm");
    for (qint64 t : l.xTicks) {
        const int x = int(std::lround(l.xOf(t)));
        p.setPen(QPen(grid, 1));
        p.drawLine(x, l.plot.top(), x, l.plot.bottom());
        p.setPen(axis);
        p.drawLine(x, l.plot.bottom(), x, l.plot.bottom() + 3);
        const QString label = QDateTime::fromMSecsSinceEpoch(t).toString(timeFormat);
        const int w = fm.horizontalAdvance(label);
        const int lx = std::clamp(x - w / 2, 0, width() - w);
        p.setPen(secondary);
        p.drawText(QRect(lx, l.plot.bottom() + 5, w, fm.height()), Qt::AlignCenter, label);
    }
    p.setPen(QPen(axis, 1));
    p.drawLine(l.plot.bottomLeft(), l.plot.bottomRight());

    // Series, drawn back to front so that Active stays on top where lines overlap.
    const auto &samples = m_sampler->samples();
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setClipRect(l.plot.adjusted(-2, -2, 2, 2));
    for (int s = SeriesCount - 1; s >= 0; --s) {
        QPainterPath path;
        bool started = false;
        for (std::size_t i = 0; i < samples.size(); ++i) {
            const auto &sample = samples.at(i);
            if (sample.timeMs < l.fromMs)
                continue;
            const QPointF pt(l.xOf(sample.timeMs), l.yOf(double(seriesValue(sample, Series(s)))));
            if (!started) {
                path.moveTo(pt);
                started = true;
            } else {
                path.lineTo(pt);
            }
        }
        p.setPen(QPen(seriesColor(Series(s)), s == Active ? 2.2 : 1.8, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        p.setBrush(Qt::NoBrush);
        p.drawPath(path);
    }
    p.setClipping(false);
    paintLegend(p, l);
    paintHover(p, l);
}

void CountChart::paintLegend(QPainter &p, const Layout &l) const
{
    const QFontMetrics fm = fontMetrics();
    const auto &last = m_sampler->samples().back();
    int x = l.plot.left();
    const QColor text = palette().color(QPalette::Text);
    for (int s = 0; s < SeriesCount; ++s) {
        const QColor color = seriesColor(Series(s));
        const int midY = l.legendY - fm.ascent() / 2 + 1;
        p.setPen(QPen(color, 3, Qt::SolidLine, Qt::RoundCap));
        p.drawLine(x, midY, x + 14, midY);
        x += 20;
        const QString name = seriesName(Series(s));
        p.setPen(text);
        p.drawText(x, l.legendY, name);
        x += fm.horizontalAdvance(name) + 5;
        QFont bold = font();
        bold.setWeight(QFont::DemiBold);
        p.setFont(bold);
        const QString value = QLocale().toString(qint64(seriesValue(last, Series(s))));
        p.drawText(x, l.legendY, value);
        x += QFontMetrics(bold).horizontalAdvance(value) + 18;
        p.setFont(font());
    }
}

void CountChart::paintHover(QPainter &p, const Layout &l) const
{
    const auto &samples = m_sampler->samples();
    if (m_hover < 0 || std::size_t(m_hover) >= samples.size())
        return;
    const auto &sample = samples.at(std::size_t(m_hover));
    const QPalette pal = palette();
    const double x = l.xOf(sample.timeMs);
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setPen(QPen(blend(pal.color(QPalette::Base), pal.color(QPalette::Text), 0.45), 1, Qt::DashLine));
    p.drawLine(QPointF(x, l.plot.top()), QPointF(x, l.plot.bottom()));
    for (int s = 0; s < SeriesCount; ++s) {
        p.setPen(QPen(pal.color(QPalette::Base), 1.5));
        p.setBrush(seriesColor(Series(s)));
        p.drawEllipse(QPointF(x, l.yOf(double(seriesValue(sample, Series(s))))), 3.5, 3.5);
    }

    // The box: time, then one row per series with a colour swatch; flips left near the right edge.
    const QFontMetrics fm = fontMetrics();
    const QStringList lines = hoverText().split(QLatin1Char('\n'));
    int w = 0;
    for (const QString &line : lines)
        w = std::max(w, fm.horizontalAdvance(line));
    const int pad = 6;
    const int swatch = 14;
    const QSize size(w + 2 * pad + swatch, int(lines.size()) * fm.height() + 2 * pad);
    int bx = int(x) + 12;
    if (bx + size.width() > l.plot.right())
        bx = int(x) - 12 - size.width();
    int by = std::clamp(m_mouseY - size.height() / 2, l.plot.top(), std::max(l.plot.top(), l.plot.bottom() - size.height()));
    const QRect box(QPoint(std::max(0, bx), by), size);
    p.setPen(QPen(pal.color(QPalette::Mid), 1));
    QColor bg = pal.color(QPalette::ToolTipBase);
    if (isDark(pal) != (bg.lightness() < 128))
        bg = pal.color(QPalette::Window);  // a light tooltip colour on a dark theme would glare
    p.setBrush(bg);
    p.drawRoundedRect(QRectF(box).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4);
    const QColor fg = bg == pal.color(QPalette::ToolTipBase) ? pal.color(QPalette::ToolTipText) : pal.color(QPalette::WindowText);
    for (int i = 0; i < lines.size(); ++i) {
        const int top = box.top() + pad + i * fm.height();
        int tx = box.left() + pad;
        if (i > 0) {
            p.setPen(Qt::NoPen);
            p.setBrush(seriesColor(Series(i - 1)));
            p.drawRoundedRect(QRectF(tx, top + fm.height() / 2 - 4, 9, 9), 2, 2);
        }
        tx += swatch;
        p.setPen(fg);
        p.drawText(QRect(tx, top, w, fm.height()), Qt::AlignLeft | Qt::AlignVCenter, lines.at(i));
    }
}

QString CountChart::hoverText() const
{
    if (!m_sampler || m_hover < 0 || std::size_t(m_hover) >= m_sampler->samples().size())
        return {};
    const auto &sample = m_sampler->samples().at(std::size_t(m_hover));
    QStringList lines{QDateTime::fromMSecsSinceEpoch(sample.timeMs).toString(QStringLiteral("HH:mm:ss"))};
    for (int s = 0; s < SeriesCount; ++s)
        lines << QStringLiteral("%1: %2").arg(seriesName(Series(s)), QLocale().toString(qint64(seriesValue(sample, Series(s)))));
    return lines.join(QLatin1Char('\n'));
}

void CountChart::onSampled()
{
    updateHover();
    update();
}

void CountChart::updateHover()
{
    // Recomputed on every sample too: new samples shift the axis under a resting mouse.
    const QPoint pos(m_mouseX, m_mouseY);
    int hover = -1;
    if (hasData() && m_mouseX >= 0) {
        const Layout l = computeLayout();
        if (l.plot.adjusted(-8, -8, 8, 8).contains(pos)) {
            const auto &samples = m_sampler->samples();
            double best = 1e300;
            for (std::size_t i = 0; i < samples.size(); ++i) {
                if (samples.at(i).timeMs < l.fromMs)
                    continue;
                const double d = std::abs(l.xOf(samples.at(i).timeMs) - pos.x());
                if (d < best) {
                    best = d;
                    hover = int(i);
                }
            }
        }
    }
    if (hover != m_hover) {
        m_hover = hover;
        update();
    }
}

void CountChart::mouseMoveEvent(QMouseEvent *event)
{
    const QPoint pos = event->position().toPoint();
    m_mouseX = pos.x();
    m_mouseY = pos.y();
    updateHover();
    if (m_hover >= 0)
        update();  // the box follows the mouse vertically
    QWidget::mouseMoveEvent(event);
}

void CountChart::leaveEvent(QEvent *event)
{
    m_mouseX = m_mouseY = -1;
    if (m_hover != -1) {
        m_hover = -1;
        update();
    }
    QWidget::leaveEvent(event);
}

void CountChart::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange)
        update();
    QWidget::changeEvent(event);
}

} // namespace busyard::widgets
