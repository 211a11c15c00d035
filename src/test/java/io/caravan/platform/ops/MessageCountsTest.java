package io.caravan.platform.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The recent counts of {@link MessageCounts}: differences of the counters over the window, summed per queue. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MessageCountsTest {

    private final MeterRegistry meters = new SimpleMeterRegistry();
    private final MovingClock clock = new MovingClock(Instant.parse("2026-11-29T06:00:00Z"));
    private final MessageCounts counts = new MessageCounts(meters,
            new ConsoleProperties(Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofMinutes(10)), clock);

    @Test
    void untilTheWindowIsFullTheCountsReachBackToTheStartAndSumEveryTagPerQueue() {
        meters.counter("caravan.messages.accepted", "queue", "chat_history", "via", "broker").increment(3);
        meters.counter("caravan.messages.accepted", "queue", "chat_history", "via", "outbox").increment(2);
        meters.counter("caravan.messages.dead_lettered", "queue", "chat_history", "failure", "poison").increment();
        clock.advance(Duration.ofSeconds(10));
        counts.sample();
        clock.advance(Duration.ofSeconds(20));

        MessageCounts.Recent recent = counts.recent();

        assertThat(recent.since()).isEqualTo(Instant.parse("2026-11-29T06:00:00Z"));
        assertThat(recent.seconds()).isEqualTo(30);
        assertThat(recent.of("accepted", List.of("chat_history"))).isEqualTo(5);
        assertThat(recent.of("dead_lettered", List.of("chat_history", "chat_history"))).isEqualTo(1);
        assertThat(recent.of("stored", List.of("chat_history"))).isZero();
    }

    @Test
    void onceTheWindowIsFullOnlyWhatHappenedInItCounts() {
        meters.counter("caravan.messages.stored", "queue", "events.neo4j").increment(100);
        for (int i = 0; i < 40; i++) {   // 400 s of samples, every 10 s
            clock.advance(Duration.ofSeconds(10));
            counts.sample();
        }
        meters.counter("caravan.messages.stored", "queue", "events.neo4j").increment(7);
        meters.counter("caravan.messages.retried", "queue", "events.qdrant", "step", "1").increment(2);

        MessageCounts.Recent recent = counts.recent();

        assertThat(recent.seconds()).isBetween(300L, 310L);
        assertThat(recent.of("stored", List.of("events.neo4j"))).isEqualTo(7);
        assertThat(recent.of("retried", List.of("events.qdrant"))).isEqualTo(2);
    }

    /** A clock the test moves by hand. */
    private static final class MovingClock extends Clock {
        private Instant now;

        MovingClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
