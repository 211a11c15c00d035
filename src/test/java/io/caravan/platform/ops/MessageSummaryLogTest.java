package io.caravan.platform.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.caravan.platform.broker.MessageCounters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The periodic INFO summary: per queue, what the message counters counted since the last line; nothing when nothing happened. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MessageSummaryLogTest {

    private final MeterRegistry meters = new SimpleMeterRegistry();
    private final MessageCounters counters = new MessageCounters(meters, "caravan");

    @Test
    void eachQueueWithMessagesGetsOneLineOfWhatHappenedSinceTheLastOne() {
        counters.accepted("chat_history", "broker").increment(1200);   // before the summary started: not in it
        MessageSummaryLog summary = new MessageSummaryLog(meters, new LoggingProperties(Duration.ofSeconds(60)));
        counters.accepted("chat_history", "broker").increment(3);
        counters.accepted("chat_history", "outbox").increment(2);
        counters.stored("chat_history");
        counters.stored("events.qdrant", 10);
        counters.retried("events.qdrant", 1).increment(2);
        counters.deadLettered("events.qdrant", "poison").increment();

        assertThat(summary.summarySinceLast()).containsExactly(
                "Last 60 s, chat_history: accepted 5, stored 1",
                "Last 60 s, events.qdrant: stored 10, retried 2, dead-lettered 1");

        counters.stored("chat_history");
        assertThat(summary.summarySinceLast()).containsExactly("Last 60 s, chat_history: stored 1");
    }

    @Test
    void anIntervalInWhichNothingHappenedLogsNothing() {
        counters.stored("chat_history", 5);
        MessageSummaryLog summary = new MessageSummaryLog(meters, new LoggingProperties(Duration.ofSeconds(60)));

        assertThat(summary.summarySinceLast()).isEmpty();
        counters.published("chat_history", "ingress").increment();   // not one of the summary's kinds
        assertThat(summary.summarySinceLast()).isEmpty();
    }

    @Test
    void countersAreResolvedOnceAndKeepTheirNamesAndTags() {
        counters.stored("chat_history");
        counters.stored("chat_history", 2);
        counters.responseCache("hit");

        assertThat(meters.find("caravan.messages.stored").tags("queue", "chat_history").counter().count()).isEqualTo(3);
        assertThat(meters.find("caravan.responses.cache").tags("result", "hit").counter().count()).isEqualTo(1);
        assertThat(counters.accepted("chat_history", "broker")).isSameAs(counters.accepted("chat_history", "broker"));
    }
}
