#include "aboutdialog.h"

#include "version.h"

#include <Qsci/qsciglobal.h>
#include <nlohmann/json.hpp>
#include <spdlog/version.h>

#include <QtGui/QClipboard>
#include <QtGui/QGuiApplication>
#include <QtGui/QIcon>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QGridLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QVBoxLayout>

namespace busyard::app {

namespace {

QString versionString(int major, int minor, int patch)
{
    return QStringLiteral("%1.%2.%3").arg(major).arg(minor).arg(patch);
}

} // namespace

QList<LibraryVersion> libraryVersions()
{
    return {
        {QStringLiteral("Qt"), QString::fromLatin1(qVersion())},
        {QStringLiteral("QScintilla"), QStringLiteral(QSCINTILLA_VERSION_STR)},
        {QStringLiteral("Qpid Proton"), QStringLiteral(BUSYARD_PROTON_VERSION)},
        {QStringLiteral("spdlog"), versionString(SPDLOG_VER_MAJOR, SPDLOG_VER_MINOR, SPDLOG_VER_PATCH)},
        {QStringLiteral("nlohmann_json"),
         versionString(NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH)},
    };
}

QString versionReport()
{
    QString report = QStringLiteral("Busyard %1\n").arg(QStringLiteral(BUSYARD_VERSION));
    for (const LibraryVersion &library : libraryVersions())
        report += QStringLiteral("%1 %2\n").arg(library.name, library.version);
    return report;
}

AboutDialog::AboutDialog(QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("About Busyard"));
    setObjectName(QStringLiteral("aboutDialog"));

    auto *icon = new QLabel(this);
    icon->setPixmap(QIcon(QStringLiteral(":/busyard/icons/busyard.svg")).pixmap(QSize(88, 88), devicePixelRatioF()));
    icon->setAlignment(Qt::AlignTop | Qt::AlignHCenter);

    auto *name = new QLabel(tr("Busyard"), this);
    QFont nameFont = name->font();
    nameFont.setPointSizeF(nameFont.pointSizeF() * 1.7);
    nameFont.setWeight(QFont::DemiBold);
    name->setFont(nameFont);

    auto *version = new QLabel(tr("Version %1").arg(QStringLiteral(BUSYARD_VERSION)), this);
    version->setObjectName(QStringLiteral("appVersion"));
    version->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *description = new QLabel(
        tr("A desktop studio for Azure Service Bus and Event Grid: explore namespaces, design pipelines and "
           "run them against an embedded emulator."),
        this);
    description->setWordWrap(true);
    description->setMinimumWidth(fontMetrics().averageCharWidth() * 46);
    description->setForegroundRole(QPalette::PlaceholderText);

    auto *librariesTitle = new QLabel(tr("Built with"), this);
    QFont sectionFont = librariesTitle->font();
    sectionFont.setWeight(QFont::DemiBold);
    librariesTitle->setFont(sectionFont);

    auto *libraries = new QGridLayout;
    libraries->setHorizontalSpacing(24);
    libraries->setVerticalSpacing(4);
    int row = 0;
    for (const LibraryVersion &library : libraryVersions()) {
        auto *libraryName = new QLabel(library.name, this);
        libraryName->setForegroundRole(QPalette::PlaceholderText);
        auto *libraryVersion = new QLabel(library.version, this);
        libraryVersion->setObjectName(QStringLiteral("libraryVersion"));
        libraryVersion->setTextInteractionFlags(Qt::TextSelectableByMouse);
        libraries->addWidget(libraryName, row, 0);
        libraries->addWidget(libraryVersion, row, 1);
        ++row;
    }
    libraries->setColumnStretch(2, 1);

    auto *texts = new QVBoxLayout;
    texts->setSpacing(4);
    texts->addWidget(name);
    texts->addWidget(version);
    texts->addSpacing(10);
    texts->addWidget(description);
    texts->addSpacing(16);
    texts->addWidget(librariesTitle);
    texts->addSpacing(4);
    texts->addLayout(libraries);

    auto *body = new QHBoxLayout;
    body->setSpacing(20);
    body->addWidget(icon, 0, Qt::AlignTop);
    body->addLayout(texts, 1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton *copy = buttons->addButton(tr("&Copy Versions"), QDialogButtonBox::ActionRole);
    copy->setToolTip(tr("Copy the version list, for a bug report"));
    connect(copy, &QPushButton::clicked, this, [] { QGuiApplication::clipboard()->setText(versionReport()); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 24, 24, 16);
    layout->addLayout(body);
    layout->addSpacing(20);
    layout->addWidget(buttons);
    // Size to the contents (word-wrapped description included) and keep that size.
    layout->setSizeConstraint(QLayout::SetFixedSize);
}

} // namespace busyard::app
