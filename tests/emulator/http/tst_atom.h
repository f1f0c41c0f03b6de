#pragma once

#include <QObject>

/** Tests of core/client/atom.h. Declared in a header: moc cannot read the raw string literals of the
 *  .cpp (it takes the "//" of an XML namespace URL for a comment). */
class TestAtom : public QObject
{
    Q_OBJECT

private slots:
    void formatDuration_data();
    void formatDuration();
    void parseDuration_data();
    void parseDuration();
    void parseDurationRejects_data();
    void parseDurationRejects();
    void durationRoundTrip_data();
    void durationRoundTrip();
    void dateTimes_data();
    void dateTimes();
    void dateTimeRejects();
    void queueEntryShape();
    void queueOptionalElementsOmitted();
    void queueRoundTrip();
    void topicRoundTripAndOrder();
    void subscriptionRoundTripAndOrder();
    void subscriptionDefaultRule();
    void ruleRoundTrip_data();
    void ruleRoundTrip();
    void jsStyleRuleRequest();
    void pythonStyleQueueRequest();
    void descriptionKinds_data();
    void descriptionKinds();
    void parseErrors_data();
    void parseErrors();
    void ruleParseErrors_data();
    void ruleParseErrors();
    void feedPaging();
    void namespaceInfo();
    void errorBody();
    void forwardToNames_data();
    void forwardToNames();
};
