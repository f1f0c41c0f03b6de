// replay_worker: runs one models::ReplayJob headless, for tst_replayjob's crash test (which SIGKILLs it
// mid-way and runs it again on the same journal).
//
//   BUSYARD_REPLAY_CONNECTION_STRING=... replay_worker --source <entity> --journal <path>
//       [--target original|<queue or topic>] [--batch N] [--management-url URL] [--renew-id]
//       [--empty-wait-ms N] [--max N] [--no-complete]
//
// The connection string comes from the environment (never the command line: it holds a key). Prints one
// line per batch, flushed at once:  progress replayed=<n> failed=<n> expected=<n> rate=<msgs/s>
// then  failed seq=<n> reason=<text>  per failure and at the end
//       finished replayed=<n> resumed=<n> failed=<n> cancelled=<0|1> error=<text>
// Exit code: 0 = no error and no failure, 1 = usage or connection error, 2 = the job reported an error
// or failures.
#include "models/replayjob.h"

#include "core/client/namespaceconnection.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

using namespace busyard;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption source(QStringLiteral("source"), QStringLiteral("Entity to replay from."), QStringLiteral("entity"));
    const QCommandLineOption target(QStringLiteral("target"), QStringLiteral("'original' or a queue/topic."),
                                    QStringLiteral("entity"), QStringLiteral("original"));
    const QCommandLineOption journal(QStringLiteral("journal"), QStringLiteral("Journal file."), QStringLiteral("path"));
    const QCommandLineOption batch(QStringLiteral("batch"), QStringLiteral("Batch size."), QStringLiteral("n"), QStringLiteral("250"));
    const QCommandLineOption management(QStringLiteral("management-url"), QStringLiteral("ATOM base URL."), QStringLiteral("url"));
    const QCommandLineOption renew(QStringLiteral("renew-id"), QStringLiteral("Renew message ids."));
    const QCommandLineOption emptyWait(QStringLiteral("empty-wait-ms"), QStringLiteral("Empty receive wait."),
                                       QStringLiteral("ms"), QStringLiteral("1000"));
    const QCommandLineOption max(QStringLiteral("max"), QStringLiteral("Stop after n messages."), QStringLiteral("n"), QStringLiteral("-1"));
    const QCommandLineOption noComplete(QStringLiteral("no-complete"), QStringLiteral("Copy only."));
    parser.addOptions({source, target, journal, batch, management, renew, emptyWait, max, noComplete});
    parser.process(app);

    const QByteArray cs = qgetenv("BUSYARD_REPLAY_CONNECTION_STRING");
    if (cs.isEmpty() || !parser.isSet(source) || !parser.isSet(journal)) {
        std::fprintf(stderr, "usage: BUSYARD_REPLAY_CONNECTION_STRING=... replay_worker --source E --journal P [...]\n");
        return 1;
    }
    client::ConnectionOptions options;
    options.operationTimeout = std::chrono::seconds(30);
    if (parser.isSet(management))
        options.managementUrl = QUrl(parser.value(management));
    auto connection = client::NamespaceConnection::create(cs.toStdString(), options);
    if (!connection) {
        std::fprintf(stderr, "bad connection string: %s\n", connection.error().message.c_str());
        return 1;
    }

    models::ReplayOptions replay;
    if (parser.value(target) != QLatin1String("original")) {
        replay.target = models::ReplayOptions::Target::Entity;
        replay.targetEntity = parser.value(target);
    }
    replay.renewMessageId = parser.isSet(renew);
    replay.maxMessages = parser.value(max).toLongLong();
    replay.completeOriginal = !parser.isSet(noComplete);

    models::ReplayJob job(connection.value().get(), parser.value(source), replay, parser.value(journal));
    job.setBatchSize(parser.value(batch).toInt());
    job.setEmptyWait(std::chrono::milliseconds(parser.value(emptyWait).toInt()));
    int exitCode = 0;
    QObject::connect(&job, &models::ReplayJob::progress, &job,
                     [](qint64 replayed, qint64 failed, qint64 expected, double rate) {
                         std::printf("progress replayed=%lld failed=%lld expected=%lld rate=%.0f\n",
                                     static_cast<long long>(replayed), static_cast<long long>(failed),
                                     static_cast<long long>(expected), rate);
                         std::fflush(stdout);
                     });
    QObject::connect(&job, &models::ReplayJob::messageFailed, &job, [](const models::ReplayFailure &f) {
        std::printf("failed seq=%lld reason=%s\n", static_cast<long long>(f.sequenceNumber), qPrintable(f.reason));
        std::fflush(stdout);
    });
    QObject::connect(&job, &models::ReplayJob::finished, &app, [&](const models::ReplaySummary &s) {
        std::printf("finished replayed=%lld resumed=%lld failed=%lld cancelled=%d error=%s\n",
                    static_cast<long long>(s.replayed), static_cast<long long>(s.resumed),
                    static_cast<long long>(s.failed), s.cancelled ? 1 : 0, qPrintable(s.error));
        std::fflush(stdout);
        exitCode = s.error.isEmpty() && s.failed == 0 ? 0 : 2;
        QCoreApplication::exit(exitCode);
    });
    QMetaObject::invokeMethod(&job, &models::ReplayJob::start, Qt::QueuedConnection);
    app.exec();
    return exitCode;
}
