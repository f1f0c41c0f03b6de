#pragma once

#include "models/countsampler.h"

#include <QColor>
#include <QPointer>
#include <QWidget>

#include <cstdint>
#include <vector>

namespace busyard::widgets {

/**
 * A line chart of an entity's counts over time (active, dead-letter, scheduled, transfer dead-letter),
 * painted with QPainter from a models::CountSampler's ring buffer: a legend with the latest values, a
 * count axis and a time axis with "nice" ticks, and, under the mouse, a marker with the values of the
 * nearest sample. Until the sampler holds two samples it shows an empty state ("Collecting counts…",
 * or the sampler's error). Colours follow the palette (light and dark variants of each series colour;
 * text, grid and background from the palette roles), so it stays readable when the theme changes.
 *
 * Runs on the GUI thread; paints only (no I/O). The sampler is not owned (QPointer: a destroyed
 * sampler leaves the chart empty); the owner starts and stops it.
 */
class CountChart : public QWidget
{
    Q_OBJECT

public:
    enum Series { Active, DeadLetter, Scheduled, TransferDeadLetter, SeriesCount };

    explicit CountChart(QWidget *parent = nullptr);
    ~CountChart() override;

    /** Shows `sampler`'s samples and repaints on each new one (nullptr = none). */
    void setSampler(models::CountSampler *sampler);
    models::CountSampler *sampler() const { return m_sampler; }

    /** At least two samples: lines are drawn (else the empty state). */
    bool hasData() const;
    /** The empty-state text shown while !hasData(). */
    QString placeholderText() const;

    static QString seriesName(Series series);
    /** The series colour for the current palette (lighter variants on dark backgrounds). */
    QColor seriesColor(Series series) const;
    static std::int64_t seriesValue(const models::CountSample &sample, Series series);

    /** Index (0 = oldest) of the sample under the mouse, -1 when none. */
    int hoverIndex() const { return m_hover; }
    /** The hover box's text ("12:03:04\nActive 12\n…"), empty when nothing is hovered. */
    QString hoverText() const;

    /**
     * Axis ticks: multiples of a 1/2/5·10^k step, from ⌊min/step⌋·step to ⌈max/step⌉·step (so the
     * last tick covers `max`), at most about `maxTicks` intervals, step ≥ `minStep` (1 for counts).
     * min == max gives the interval [min, min + max(minStep, 1)].
     */
    static std::vector<double> niceTicks(double min, double max, int maxTicks, double minStep = 0);
    /**
     * Time axis ticks in [fromMs, toMs] (ms since the epoch): multiples (in local time) of the
     * smallest step from 1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min, 1, 2, 3, 6, 12 h, 1 d that gives at
     * most `maxTicks` ticks. `stepMs` receives the step.
     */
    static std::vector<qint64> timeTicks(qint64 fromMs, qint64 toMs, int maxTicks, qint64 *stepMs = nullptr);
    /** Short count label: "950", "12,500" → "12.5k", "3M". */
    static QString countLabel(double value);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    struct Layout;
    Layout computeLayout() const;
    void onSampled();
    void updateHover();
    void paintLegend(QPainter &p, const Layout &l) const;
    void paintHover(QPainter &p, const Layout &l) const;

    QPointer<models::CountSampler> m_sampler;
    int m_hover = -1;
    int m_mouseX = -1;
    int m_mouseY = -1;
};

} // namespace busyard::widgets
