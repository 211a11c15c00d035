package io.caravan.platform.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.caravan.support.Broker;
import io.caravan.support.RealServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageBuilder;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

/**
 * A channel that did not confirm a publish is not used again: the next publish goes out on a new channel.
 * On a RabbitMQ 3.10 cluster a channel can keep being refused by a quorum queue whose leader it met dead
 * (QuorumClusterTest), while a new channel is taken; here, on the machine's single node, a full queue
 * ({@code x-overflow=reject-publish}) refuses a publish, and the test counts the channels the publisher opens.
 * Its own connection factory, so that no other part of Caravan opens or borrows channels meanwhile.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConfirmedPublisherTest {

    final String full = "confirmed-publisher-test.full." + UUID.randomUUID();
    final String open = "confirmed-publisher-test.open." + UUID.randomUUID();
    final AtomicInteger channelsOpened = new AtomicInteger();
    CachingConnectionFactory connections;
    ConfirmedPublisher publisher;

    @BeforeEach
    void aPublisherOfItsOwnAndAQueueOfOne() throws Exception {
        RealServices.requireReachable();
        try (Connection connection = plainFactory().newConnection("caravan-test-probe");
             Channel channel = connection.createChannel()) {
            channel.queueDeclare(full, false, false, false, Map.of("x-max-length", 1, "x-overflow", "reject-publish"));
            channel.queueDeclare(open, false, false, false, null);
        }
        connections = new CachingConnectionFactory(plainFactory());
        connections.setPublisherConfirmType(CachingConnectionFactory.ConfirmType.CORRELATED);
        connections.setPublisherReturns(true);
        connections.addChannelListener((channel, transactional) -> channelsOpened.incrementAndGet());
        RabbitTemplate rabbit = new RabbitTemplate(connections);
        rabbit.setMandatory(true);
        publisher = new ConfirmedPublisher(rabbit, new BrokerProperties(Duration.ofSeconds(5), 1, Map.of(), Map.of()));
    }

    @AfterEach
    void deleteTheQueues() throws Exception {
        if (connections != null) {
            connections.destroy();
        }
        Broker.delete(full);
        Broker.delete(open);
    }

    @Test
    void aRefusedPublishIsFollowedByANewChannel() {
        publisher.publish("", full, message("fits"));
        publisher.publish("", open, message("on the same channel"));
        assertThat(channelsOpened).as("a confirmed channel is reused").hasValue(1);

        assertThatThrownBy(() -> publisher.publish("", full, message("does not fit")))
                .isInstanceOf(PublishFailedException.class).hasMessageContaining("broker refused message");
        publisher.publish("", open, message("after the refusal"));

        assertThat(channelsOpened).as("the refusing channel was closed, not cached").hasValue(2);
    }

    @Test
    void aBatchWithARefusedMessageIsFollowedByANewChannel() {
        List<ConfirmedPublisher.Outcome> outcomes = publisher.publishAll(List.of(
                new ConfirmedPublisher.Outgoing("", full, message("fits")),
                new ConfirmedPublisher.Outgoing("", full, message("does not fit")),
                new ConfirmedPublisher.Outgoing("", open, message("elsewhere"))));
        assertThat(outcomes).extracting(ConfirmedPublisher.Outcome::confirmed).containsExactly(true, false, true);
        assertThat(outcomes.get(1).reason()).startsWith(ConfirmedPublisher.REFUSED);

        publisher.publishAll(List.of(new ConfirmedPublisher.Outgoing("", open, message("next batch"))));

        assertThat(channelsOpened).as("the refusing channel was closed, not cached").hasValue(2);
    }

    static Message message(String text) {
        return MessageBuilder.withBody(text.getBytes(StandardCharsets.UTF_8)).setMessageId(UUID.randomUUID().toString()).build();
    }

    static ConnectionFactory plainFactory() {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(RealServices.rabbitHost());
        factory.setPort(RealServices.rabbitPort());
        factory.setUsername(System.getenv().getOrDefault("RABBITMQ_USERNAME", "guest"));
        factory.setPassword(System.getenv().getOrDefault("RABBITMQ_PASSWORD", "guest"));
        factory.setVirtualHost(System.getenv().getOrDefault("RABBITMQ_VHOST", "/"));
        return factory;
    }
}
