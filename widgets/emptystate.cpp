#include "emptystate.h"

#include <QtGui/QPalette>
#include <QtWidgets/QGridLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QVBoxLayout>

namespace busyard::widgets {

namespace {

/**
 * Secondary text: drawn with the palette's placeholder colour (readable in both Fusion palettes and
 * the platform's), so it follows theme changes without re-styling. Plain text only.
 */
void useSecondaryText(QLabel *label)
{
    label->setTextFormat(Qt::PlainText);
    label->setForegroundRole(QPalette::PlaceholderText);
}

QLabel *iconLabel(const QIcon &icon, int size, QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setPixmap(icon.pixmap(QSize(size, size), parent->devicePixelRatioF()));
    label->setAlignment(Qt::AlignCenter);
    label->setFixedSize(size, size);
    return label;
}

} // namespace

EmptyState::EmptyState(const QIcon &icon, const QString &title, const QString &text, QWidget *parent)
    : QWidget(parent)
    , m_icon(iconLabel(icon, 72, this))
    , m_title(new QLabel(title, this))
    , m_text(new QLabel(text, this))
{
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.15);
    titleFont.setWeight(QFont::DemiBold);
    m_title->setFont(titleFont);
    m_title->setAlignment(Qt::AlignHCenter);
    m_title->setWordWrap(true);

    m_text->setAlignment(Qt::AlignHCenter);
    m_text->setWordWrap(true);

    // Word-wrapped labels get their height from their width only when the layout stretches them, so
    // centre a column of bounded width instead of aligning the labels themselves.
    auto *column = new QWidget(this);
    column->setMaximumWidth(fontMetrics().averageCharWidth() * 36);
    auto *columnLayout = new QVBoxLayout(column);
    columnLayout->setContentsMargins(0, 0, 0, 0);
    columnLayout->setSpacing(0);
    columnLayout->addWidget(m_icon, 0, Qt::AlignHCenter);
    columnLayout->addSpacing(14);
    columnLayout->addWidget(m_title);
    columnLayout->addSpacing(6);
    columnLayout->addWidget(m_text);
    m_icon->setParent(column);
    m_title->setParent(column);
    m_text->setParent(column);

    auto *row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(column, 100);
    row->addStretch(1);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(20, 16, 20, 16);
    layout->setSpacing(0);
    layout->addStretch(2);
    layout->addLayout(row);
    layout->addStretch(3);
    useSecondaryText(m_text);
}

QString EmptyState::title() const
{
    return m_title->text();
}

QString EmptyState::text() const
{
    return m_text->text();
}

WelcomePage::WelcomePage(const QIcon &icon, const QString &title, const QString &tagline, QWidget *parent)
    : QWidget(parent)
    , m_column(new QWidget(this))
    , m_hints(new QVBoxLayout)
    , m_tagline(new QLabel(tagline, m_column))
    , m_footnote(new QLabel(m_column))
{
    auto *titleLabel = new QLabel(title, m_column);
    QFont titleFont = titleLabel->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.9);
    titleFont.setWeight(QFont::DemiBold);
    titleLabel->setFont(titleFont);

    QFont taglineFont = m_tagline->font();
    taglineFont.setPointSizeF(taglineFont.pointSizeF() * 1.1);
    m_tagline->setFont(taglineFont);
    m_tagline->setWordWrap(true);

    m_footnote->setWordWrap(true);
    m_footnote->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_footnote->hide();

    auto *heading = new QHBoxLayout;
    heading->setSpacing(18);
    heading->addWidget(iconLabel(icon, 80, m_column), 0, Qt::AlignVCenter);
    auto *titles = new QVBoxLayout;
    titles->setSpacing(4);
    titles->addStretch(1);
    titles->addWidget(titleLabel);
    titles->addWidget(m_tagline);
    titles->addStretch(1);
    heading->addLayout(titles, 1);

    m_hints->setSpacing(14);

    auto *column = new QVBoxLayout(m_column);
    column->setContentsMargins(0, 0, 0, 0);
    column->setSpacing(0);
    column->addLayout(heading);
    column->addSpacing(32);
    column->addLayout(m_hints);
    column->addSpacing(28);
    column->addWidget(m_footnote);
    m_column->setMaximumWidth(fontMetrics().averageCharWidth() * 78);

    auto *outer = new QGridLayout(this);
    outer->setContentsMargins(32, 32, 32, 32);
    outer->addWidget(m_column, 1, 1);
    outer->setRowStretch(0, 2);
    outer->setRowStretch(2, 3);
    outer->setColumnStretch(0, 1);
    outer->setColumnStretch(1, 4);
    outer->setColumnStretch(2, 1);
    useSecondaryText(m_tagline);
    useSecondaryText(m_footnote);
}

void WelcomePage::addHint(const QIcon &icon, const QString &heading, const QString &text)
{
    auto *row = new QHBoxLayout;
    row->setSpacing(12);
    row->addWidget(iconLabel(icon, 24, m_column), 0, Qt::AlignTop);

    auto *texts = new QVBoxLayout;
    texts->setSpacing(2);
    auto *headingLabel = new QLabel(heading, m_column);
    QFont headingFont = headingLabel->font();
    headingFont.setWeight(QFont::DemiBold);
    headingLabel->setFont(headingFont);
    auto *textLabel = new QLabel(text, m_column);
    textLabel->setObjectName(QStringLiteral("hintText"));
    textLabel->setWordWrap(true);
    textLabel->setTextFormat(Qt::PlainText);
    texts->addWidget(headingLabel);
    texts->addWidget(textLabel);
    row->addLayout(texts, 1);
    m_hints->addLayout(row);
    useSecondaryText(textLabel);
}

void WelcomePage::setFootnote(const QString &text)
{
    m_footnote->setText(text);
    m_footnote->setVisible(!text.isEmpty());
}

} // namespace busyard::widgets
