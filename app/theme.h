#pragma once

#include <QtCore/QString>
#include <QtGui/QPalette>

#include <optional>

namespace busyard::app {

/** Colour theme: follow the platform, or force a Fusion-based light or dark palette. */
enum class Theme { System, Light, Dark };

/** Settings/command-line key of a theme: "system", "light", "dark". */
QString themeKey(Theme theme);
std::optional<Theme> themeFromKey(QStringView key);

/** True when a palette's window colour is dark (lightness below the midpoint). */
bool isDark(const QPalette &palette);

/**
 * Whether the platform prefers dark colours. Qt 6.4 has no QStyleHints::colorScheme (6.5+), so this
 * looks at the lightness of the platform palette captured before Busyard changed anything.
 */
bool systemPrefersDark();

QPalette lightPalette();
QPalette darkPalette();

/**
 * Applies a theme to the whole application. System restores the platform style and palette captured
 * on first use (call this before changing the style or palette in any other way); Light and Dark use
 * the Fusion style with lightPalette() or darkPalette(). GUI thread.
 */
void applyTheme(Theme theme);
/** The theme last passed to applyTheme() (System before any call). */
Theme currentTheme();

} // namespace busyard::app
