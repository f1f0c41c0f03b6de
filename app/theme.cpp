#include "theme.h"

#include <QtWidgets/QApplication>
#include <QtWidgets/QStyle>
#include <QtWidgets/QStyleFactory>

namespace busyard::app {

namespace {

struct SystemAppearance
{
    QString styleName;
    QPalette palette;
};

/** The platform's style and palette, captured once before Busyard overrides either. */
const SystemAppearance &systemAppearance()
{
    static const SystemAppearance appearance{QApplication::style()->name(), QApplication::palette()};
    return appearance;
}

Theme s_current = Theme::System;

void setColours(QPalette &palette, QPalette::ColorGroup group, const QColor &window, const QColor &text,
                const QColor &base, const QColor &alternateBase, const QColor &button, const QColor &placeholder)
{
    palette.setColor(group, QPalette::Window, window);
    palette.setColor(group, QPalette::WindowText, text);
    palette.setColor(group, QPalette::Base, base);
    palette.setColor(group, QPalette::AlternateBase, alternateBase);
    palette.setColor(group, QPalette::Text, text);
    palette.setColor(group, QPalette::Button, button);
    palette.setColor(group, QPalette::ButtonText, text);
    palette.setColor(group, QPalette::PlaceholderText, placeholder);
    palette.setColor(group, QPalette::BrightText, QColor(0xFF, 0x5A, 0x5F));
}

} // namespace

QString themeKey(Theme theme)
{
    switch (theme) {
    case Theme::Light: return QStringLiteral("light");
    case Theme::Dark: return QStringLiteral("dark");
    case Theme::System: break;
    }
    return QStringLiteral("system");
}

std::optional<Theme> themeFromKey(QStringView key)
{
    for (Theme theme : {Theme::System, Theme::Light, Theme::Dark}) {
        if (key.compare(themeKey(theme), Qt::CaseInsensitive) == 0)
            return theme;
    }
    return std::nullopt;
}

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightness() < 128;
}

bool systemPrefersDark()
{
    return isDark(systemAppearance().palette);
}

QPalette lightPalette()
{
    QPalette p;
    const QColor window(0xF3, 0xF4, 0xF6), text(0x1F, 0x23, 0x28);
    for (auto group : {QPalette::Active, QPalette::Inactive})
        setColours(p, group, window, text, Qt::white, QColor(0xF6, 0xF8, 0xFA), QColor(0xF8, 0xF9, 0xFB),
                   QColor(0x6B, 0x72, 0x80));
    setColours(p, QPalette::Disabled, window, QColor(0xA3, 0xA9, 0xB3), QColor(0xF8, 0xF9, 0xFA),
               QColor(0xF6, 0xF8, 0xFA), window, QColor(0xB8, 0xBD, 0xC5));
    p.setColor(QPalette::Light, Qt::white);
    p.setColor(QPalette::Midlight, QColor(0xE6, 0xE8, 0xEC));
    p.setColor(QPalette::Mid, QColor(0xC4, 0xC9, 0xD1));
    p.setColor(QPalette::Dark, QColor(0xA0, 0xA6, 0xB0));
    p.setColor(QPalette::Shadow, QColor(0x55, 0x5B, 0x66));
    p.setColor(QPalette::Highlight, QColor(0x2F, 0x6F, 0xEB));
    p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(0xC4, 0xC9, 0xD1));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x25, 0x63, 0xD9));
    p.setColor(QPalette::LinkVisited, QColor(0x6D, 0x4A, 0xC9));
    p.setColor(QPalette::ToolTipBase, Qt::white);
    p.setColor(QPalette::ToolTipText, text);
    return p;
}

QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x1F, 0x22, 0x27), text(0xE3, 0xE6, 0xEA);
    for (auto group : {QPalette::Active, QPalette::Inactive})
        setColours(p, group, window, text, QColor(0x17, 0x19, 0x1D), QColor(0x1C, 0x1F, 0x24),
                   QColor(0x2B, 0x2F, 0x36), QColor(0x8B, 0x92, 0x9C));
    setColours(p, QPalette::Disabled, window, QColor(0x68, 0x6E, 0x77), QColor(0x1C, 0x1F, 0x23),
               QColor(0x1C, 0x1F, 0x24), QColor(0x26, 0x29, 0x2F), QColor(0x58, 0x5E, 0x67));
    p.setColor(QPalette::Light, QColor(0x3A, 0x3F, 0x47));
    p.setColor(QPalette::Midlight, QColor(0x31, 0x35, 0x3C));
    p.setColor(QPalette::Mid, QColor(0x26, 0x29, 0x2F));
    p.setColor(QPalette::Dark, QColor(0x12, 0x14, 0x17));
    p.setColor(QPalette::Shadow, QColor(0x05, 0x06, 0x07));
    p.setColor(QPalette::Highlight, QColor(0x35, 0x74, 0xE0));
    p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(0x3A, 0x3F, 0x47));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x6E, 0xA8, 0xFE));
    p.setColor(QPalette::LinkVisited, QColor(0xB3, 0x92, 0xF0));
    p.setColor(QPalette::ToolTipBase, QColor(0x2B, 0x2F, 0x36));
    p.setColor(QPalette::ToolTipText, text);
    return p;
}

void applyTheme(Theme theme)
{
    const SystemAppearance &system = systemAppearance();
    switch (theme) {
    case Theme::System:
        if (QApplication::style()->name().compare(system.styleName, Qt::CaseInsensitive) != 0)
            QApplication::setStyle(QStyleFactory::create(system.styleName));
        QApplication::setPalette(system.palette);
        break;
    case Theme::Light:
    case Theme::Dark:
        if (QApplication::style()->name().compare(QLatin1String("fusion"), Qt::CaseInsensitive) != 0)
            QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(theme == Theme::Dark ? darkPalette() : lightPalette());
        break;
    }
    s_current = theme;
}

Theme currentTheme()
{
    return s_current;
}

} // namespace busyard::app
