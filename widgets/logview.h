#pragma once

#include <QtWidgets/QWidget>

class QAction;
class QComboBox;
class QTableView;
class QToolButton;

namespace busyard::models {
class LogFilterModel;
class LogModel;
} // namespace busyard::models

namespace busyard::widgets {

/**
 * The log pane: a table of LogModel records with a minimum-level filter, Copy (selected rows as
 * tab-separated text, Ctrl+C), Clear, and autoscroll to the newest record. Does not own the model.
 */
class LogView : public QWidget
{
    Q_OBJECT

public:
    explicit LogView(models::LogModel *model, QWidget *parent = nullptr);

    /** Minimum spdlog level shown (0 = trace ... 5 = critical). */
    int minimumLevel() const;
    void setMinimumLevel(int level);

    bool autoscroll() const;
    void setAutoscroll(bool on);

    /** The selected rows as text, one "time<TAB>level<TAB>source<TAB>message" line each, in view order. */
    QString selectedText() const;

    QTableView *tableView() const { return m_table; }
    models::LogFilterModel *filterModel() const { return m_filter; }
    QAction *copyAction() const { return m_copyAction; }
    QAction *clearAction() const { return m_clearAction; }

private:
    void onRowsInserted();
    void onCopy();
    void onSelectionChanged();

    models::LogModel *m_model;
    models::LogFilterModel *m_filter;
    QComboBox *m_levelCombo;
    QTableView *m_table;
    QAction *m_copyAction;
    QAction *m_clearAction;
    QAction *m_autoscrollAction;
};

} // namespace busyard::widgets
