package io.caravan.platform.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Date;
import java.util.Map;
import java.util.UUID;

import com.rabbitmq.client.AMQP;
import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import io.caravan.support.Http;
import org.apache.camel.CamelContext;
import org.apache.camel.component.springrabbit.SpringRabbitMQEndpoint;
import org.apache.camel.model.Model;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

/**
 * The {@code durable-consumer} template as a flow uses it: the flow names the queue by its key and the
 * template takes the broker's name, concurrency and prefetch from {@code caravan.broker.queues.<key>}
 * (here chat-history's, moved to a queue of this test's own); the sink gets the message's id and time
 * resolved. And the JSON answer every REST route ends with: the request's headers are not echoed.
 */
@TestPropertySource(properties = {
        "caravan.broker.queues.chat-history.name=" + DurableConsumerTemplateTest.QUEUE,
        "caravan.broker.queues.chat-history.concurrency=2",
        "caravan.broker.queues.chat-history.prefetch=7"
})
@DirtiesContext
class DurableConsumerTemplateTest extends CaravanTest {

    static final String QUEUE = "template_test.chat_history";

    @LocalServerPort
    int port;
    @Autowired
    CamelContext camel;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void aConsumerTakesItsQueuesNameConcurrencyAndPrefetchFromTheQueuesSettings() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(Broker.consumers(QUEUE)).isEqualTo(2));
        var endpoint = (SpringRabbitMQEndpoint) camel.getRoute("chat-history.consume").getEndpoint();
        assertThat(endpoint.getQueues()).isEqualTo(QUEUE);
        assertThat(endpoint.getConcurrentConsumers()).isEqualTo(2);
        assertThat(endpoint.getPrefetchCount()).isEqualTo(7);
    }

    @Test
    void theSinkGetsTheMessagesIdAndTimeFromTheTransportWhenTheBodyHasNone() throws Exception {
        String user = "template-" + UUID.randomUUID();
        String messageId = "amqp-" + UUID.randomUUID();
        AMQP.BasicProperties properties = Broker.json(messageId).builder().timestamp(new Date(1_700_000_000_000L)).build();

        Broker.publish(QUEUE, """
                {"user_id": "%s", "user_input": "hi", "bot_response": "hello"}""".formatted(user), properties);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(jdbc.queryForList("SELECT id, extract(epoch FROM \"timestamp\")::bigint AS epoch FROM chat_history WHERE user_id = ?", user))
                        .singleElement()
                        .satisfies(row -> {
                            assertThat(row).containsEntry("id", messageId);
                            assertThat(((Number) row.get("epoch")).longValue()).isEqualTo(1_700_000_000L);
                        }));
    }

    @Test
    void aConsumerOfAQueueKeyThatIsNotConfiguredIsRefusedNamingTheKey() {
        Model model = camel.getCamelContextExtension().getContextPlugin(Model.class);

        assertThatThrownBy(() -> model.addRouteFromTemplate("template-test.unknown", DurableConsumerTemplate.ID, Map.of(
                "queue", "no-such-queue", "schema", "schemas/chat-interaction.json", "sink", "log:template-test", "worker", "chat-history")))
                .hasStackTraceContaining("no-such-queue");
        assertThat(camel.getRoute("template-test.unknown")).isNull();
    }

    @Test
    void aJsonAnswerIsJsonAndEchoesNoRequestHeader() {
        var answer = new Http(port).getWithHeaders("/chat/history/nobody-" + UUID.randomUUID(),
                Map.of("X-Probe", "echo?", "Caravan-Accepted-Via", "forged"));

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.contentType()).isEqualTo("application/json");
        assertThat(answer.json().isArray()).isTrue();
        assertThat(answer.header("X-Probe")).isNull();
        assertThat(answer.header("Caravan-Accepted-Via")).isNull();
        assertThat(answer.header("Caravan-User")).isNull();
    }
}
