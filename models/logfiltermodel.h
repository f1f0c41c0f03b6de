#pragma once

#include <QtCore/QSortFilterProxyModel>

namespace busyard::models {

/**
 * Shows the rows of a LogModel whose level is at least minimumLevel() (spdlog level values, 0 = trace).
 * The log pane holds at most a few thousand rows, small enough for a proxy.
 */
class LogFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit LogFilterModel(QObject *parent = nullptr);

    int minimumLevel() const { return m_minimumLevel; }
    void setMinimumLevel(int level);

signals:
    void minimumLevelChanged(int level);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    int m_minimumLevel = 0;
};

} // namespace busyard::models
