#pragma once

#include <QObject>

/** End-to-end tests of emulator/http/managementapi.h over loopback HTTP. Declared in a header: moc
 *  cannot read the raw string literals of the .cpp (it takes the "//" of a URL for a comment). */
class TestManagementApi : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void healthNeedsNoAuthorization();
    void createAndGetQueue();
    void createExistingIsConflict();
    void getMissingIs404();
    void updateQueue();
    void deleteQueue();
    void listQueuesWithPaging();
    void unauthorized_data();
    void unauthorized();
    void supplementaryAuthorization();
    void badRequests_data();
    void badRequests();
    void topicsSubscriptionsAndRules();
    void subscriptionWithDefaultRule();
    void namespaceInfo();
    void methodNotAllowed();
};
