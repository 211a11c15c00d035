package io.caravan.platform.broker;

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

    @Test
    void aQuorumQueueItsRetryQueuesAndItsDeadLetterQueueAreAllQuorumAndDeadLetterAtLeastOnce() {
        BrokerProperties quorum = new BrokerProperties(Duration.ofSeconds(5), 1, BrokerProperties.QueueType.QUORUM, 7, Map.of(),
                Map.of("courses", new BrokerProperties.QueueSpec("courses", null, Map.of("x-max-length", "100", "x-message-ttl", "60000"),
                        1, 10, List.of(Duration.ofSeconds(5)), List.of())));

        var queues = new BrokerTopology().caravanQueues(quorum).getDeclarables().stream()
                .filter(Queue.class::isInstance).map(Queue.class::cast).toList();

        assertThat(queues).allSatisfy(q -> assertThat(q.getArguments()).containsEntry("x-queue-type", "quorum"));
        assertThat(queue(queues, "courses").getArguments())
                .containsEntry("x-max-length", 100).containsEntry("x-message-ttl", 60000)
                .containsEntry("x-overflow", "reject-publish")
                .containsEntry("x-delivery-limit", 7)
                .containsEntry("x-dead-letter-exchange", "").containsEntry("x-dead-letter-routing-key", "courses.dlq")
                .containsEntry("x-dead-letter-strategy", "at-least-once");
        assertThat(queue(queues, "courses.retry.1").getArguments())
                .containsEntry("x-message-ttl", 5000)
                .containsEntry("x-dead-letter-exchange", "").containsEntry("x-dead-letter-routing-key", "courses")
                .containsEntry("x-dead-letter-strategy", "at-least-once").containsEntry("x-overflow", "reject-publish");
        assertThat(queue(queues, "courses.dlq").getArguments()).containsOnlyKeys("x-queue-type");
    }

    @Test
    void aQueueOwnTypeWinsOverTheDefaultAndClassicQueuesKeepTheirArguments() {
        BrokerProperties mixed = new BrokerProperties(Duration.ofSeconds(5), 1, BrokerProperties.QueueType.QUORUM, 20, Map.of(),
                Map.of("old", new BrokerProperties.QueueSpec("old", null, Map.of(), 1, 10, List.of(Duration.ofSeconds(5)), List.of())
                                .withType(BrokerProperties.QueueType.CLASSIC),
                        "new", new BrokerProperties.QueueSpec("new", null, Map.of(), 1, 10, List.of(), List.of())));

        var queues = new BrokerTopology().caravanQueues(mixed).getDeclarables().stream()
                .filter(Queue.class::isInstance).map(Queue.class::cast).toList();

        assertThat(mixed.queues().get("new").type()).isEqualTo(BrokerProperties.QueueType.QUORUM);
        assertThat(queue(queues, "old").getArguments()).isEmpty();
        assertThat(queue(queues, "old.dlq").getArguments()).isEmpty();
        assertThat(queue(queues, "old.retry.1").getArguments()).doesNotContainKeys("x-queue-type", "x-dead-letter-strategy");
        assertThat(queue(queues, "new").getArguments()).containsEntry("x-queue-type", "quorum");
    }

    @Test
    void aQuorumQueueThatWouldDropItsOldestMessagesIsRefused() {
        var spec = new BrokerProperties.QueueSpec("q", null, Map.of("x-max-length", "5", "x-overflow", "drop-head"), 1, 10,
                List.of(), List.of()).withType(BrokerProperties.QueueType.QUORUM);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BrokerTopology.workQueueArguments(spec, 20))
                .hasMessageContaining("'q'").hasMessageContaining("drop-head");
    }

    @Test
    void aQueueOfTheOtherTypeIsReportedWithTheSettingAndWhatToDo() {
        BrokerProperties quorum = new BrokerProperties(Duration.ofSeconds(5), 1, BrokerProperties.QueueType.QUORUM, 20, Map.of(),
                Map.of("chat-history", new BrokerProperties.QueueSpec("chat_history", null, Map.of(), 1, 10,
                        List.of(Duration.ofSeconds(5)), List.of())));

        assertThat(BrokerTopology.typeMismatch("channel error; protocol method: #method<channel.close>(reply-code=406, "
                + "reply-text=PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'chat_history.retry.1' in vhost "
                + "'/': received the value 'quorum' of type 'longstr' but current is none, class-id=50, method-id=10)", quorum))
                .contains("'chat_history.retry.1' exists on the broker as a classic queue")
                .contains("as a quorum queue (caravan.broker.queues.chat-history.type")
                .contains("caravan.broker.queues.chat-history.type=classic")
                .contains("docs/rabbitmq-cluster.md");
        assertThat(BrokerTopology.typeMismatch("PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'chat_history' "
                + "in vhost '/': received none but current is the value 'quorum' of type 'longstr'", quorum))
                .contains("exists on the broker as a quorum queue").contains("as a classic queue");
        assertThat(BrokerTopology.typeMismatch("PRECONDITION_FAILED - inequivalent arg 'x-max-length' for queue 'q' in vhost "
                + "'/': received the value '10' of type 'signedint' but current is the value '5' of type 'signedint'", quorum))
                .isNull();
    }

    private static Queue queue(List<Queue> queues, String name) {
        return queues.stream().filter(q -> q.getName().equals(name)).findFirst().orElseThrow();
    }
}
