#pragma once

#include <QtGui/QIcon>
#include <QtWidgets/QWidget>

class QLabel;
class QVBoxLayout;

namespace busyard::widgets {

/**
 * A centred placeholder for an empty view: an illustration, a short title and one or two sentences
 * saying what to do next. The text wraps within a readable width and follows the palette.
 */
class EmptyState : public QWidget
{
    Q_OBJECT

public:
    EmptyState(const QIcon &icon, const QString &title, const QString &text, QWidget *parent = nullptr);

    QString title() const;
    QString text() const;

private:
    QLabel *m_icon;
    QLabel *m_title;
    QLabel *m_text;
};

/**
 * The page shown in the document area while no tab is open: the application icon, a title, a tagline
 * and a column of hints (icon, heading, sentence) added by the owner.
 */
class WelcomePage : public QWidget
{
    Q_OBJECT

public:
    WelcomePage(const QIcon &icon, const QString &title, const QString &tagline, QWidget *parent = nullptr);

    /** Appends a hint row. */
    void addHint(const QIcon &icon, const QString &heading, const QString &text);
    /** Small print under the hints (for example the version and where the log file is). */
    void setFootnote(const QString &text);

private:
    QWidget *m_column;
    QVBoxLayout *m_hints;
    QLabel *m_tagline;
    QLabel *m_footnote;
};

} // namespace busyard::widgets
