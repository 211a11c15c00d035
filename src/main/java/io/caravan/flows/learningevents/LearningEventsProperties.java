package io.caravan.flows.learningevents;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the learning-events flow ({@code caravan.learning-events.*}), read by
 * {@code routes/learning-events.yaml}. The exchange and the queues are broker topology, under
 * {@code caravan.broker}.
 *
 * @param mail         e-mail for notifications
 * @param pageLimit    the most events one {@code GET /domain-events} page holds
 * @param replayLimit  the most events one {@code POST /domain-events/replay} publishes again
 */
@ConfigurationProperties("caravan.learning-events")
public record LearningEventsProperties(
        @DefaultValue Mail mail,
        @DefaultValue("500") int pageLimit,
        @DefaultValue("10000") int replayLimit) {

    public LearningEventsProperties {
        if (pageLimit < 1 || replayLimit < 1) {
            throw new IllegalArgumentException("caravan.learning-events.page-limit and replay-limit must be at least 1");
        }
    }

    /**
     * @param endpoint     the camel-mail endpoint notifications are sent to, e.g. {@code smtp://mail.example.com:587?username=…};
     *                     empty: notifications are recorded, not e-mailed
     * @param from         the sender of notification e-mails
     * @param newCoursesTo who hears of a new course (e.g. a mailing list); empty: recorded only
     */
    public record Mail(
            @DefaultValue("") String endpoint,
            @DefaultValue("KnowledgeNest <no-reply@knowledgenest.local>") String from,
            @DefaultValue("") String newCoursesTo) {
    }
}
