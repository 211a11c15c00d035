package io.caravan.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.Exchange;
import org.springframework.amqp.core.Queue;

@Timeout(5)
class BrokerTopologyTest {

    final BrokerProperties broker = new BrokerProperties(Duration.ofSeconds(5), 1,
            Map.of("events", new BrokerProperties.ExchangeSpec("domain_events", "topic")),
            Map.of("courses", new BrokerProperties.QueueSpec("courses", null, Map.of("x-max-length", "100"), 1, 10,
                    List.of(Duration.ofSeconds(5), Duration.ofSeconds(30)),
                    List.of(new BrokerProperties.BindingSpec("domain_events", "course.*")))));

    @Test
    void declaresExchangesQueuesBindingsDeadLetterAndRetryQueuesDurable() {
        var declarables = new BrokerTopology().caravanQueues(broker).getDeclarables();

        assertThat(declarables).filteredOn(Exchange.class::isInstance).singleElement()
                .satisfies(d -> {
                    Exchange e = (Exchange) d;
                    assertThat(e.getName()).isEqualTo("domain_events");
                    assertThat(e.getType()).isEqualTo("topic");
                    assertThat(e.isDurable()).isTrue();
                });
        assertThat(declarables).filteredOn(Queue.class::isInstance).map(d -> ((Queue) d).getName())
                .containsExactly("courses", "courses.dlq", "courses.retry.1", "courses.retry.2");
        assertThat(declarables).filteredOn(Queue.class::isInstance).allSatisfy(d -> assertThat(((Queue) d).isDurable()).isTrue());
        assertThat(declarables).filteredOn(Binding.class::isInstance).singleElement().satisfies(d -> {
            Binding b = (Binding) d;
            assertThat(b.getExchange()).isEqualTo("domain_events");
            assertThat(b.getRoutingKey()).isEqualTo("course.*");
            assertThat(b.getDestination()).isEqualTo("courses");
        });
        Queue retry2 = (Queue) declarables.stream().filter(d -> d instanceof Queue q && q.getName().equals("courses.retry.2")).findFirst().orElseThrow();
        assertThat(retry2.getArguments()).containsEntry("x-message-ttl", 30000)
                .containsEntry("x-dead-letter-exchange", "").containsEntry("x-dead-letter-routing-key", "courses");
    }

    @Test
    void aLengthLimitedQueueRejectsPublishesWhenFullAndNumbersFromPropertiesAreNumbers() {
        assertThat(BrokerTopology.workQueueArguments(Map.of("x-max-length", "100")))
                .containsEntry("x-max-length", 100).containsEntry("x-overflow", "reject-publish");
        assertThat(BrokerTopology.workQueueArguments(Map.of("x-max-length", 5, "x-overflow", "drop-head")))
                .containsEntry("x-overflow", "drop-head");
        assertThat(BrokerTopology.workQueueArguments(Map.of("x-message-ttl", "86400000")))
                .containsEntry("x-message-ttl", 86400000).doesNotContainKey("x-overflow");
    }
}
