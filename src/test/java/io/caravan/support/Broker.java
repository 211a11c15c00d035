package io.caravan.support;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

/**
 * A plain RabbitMQ Java client, as an application that knows only a seed would use it: no Spring, no
 * Camel. Tests publish through it and read queue state through it.
 */
public final class Broker {

    private Broker() {
    }

    /** Publishes {@code body} persistently to the default exchange, routing key {@code queue}, and waits for the confirm. */
    public static void publish(String queue, String body, AMQP.BasicProperties properties) throws Exception {
        publish("", queue, body.getBytes(StandardCharsets.UTF_8), properties);
    }

    public static void publish(String exchange, String routingKey, byte[] body, AMQP.BasicProperties properties) throws Exception {
        try (Connection connection = factory().newConnection("caravan-test-client");
             Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            channel.basicPublish(exchange, routingKey, properties, body);
            channel.waitForConfirmsOrDie(5000);
        }
    }

    /** Persistent JSON properties, optionally with a message id. */
    public static AMQP.BasicProperties json(String messageId) {
        return new AMQP.BasicProperties.Builder()
                .contentType("application/json")
                .deliveryMode(2)
                .messageId(messageId)
                .build();
    }

    /** Messages ready on {@code queue} (passive declare: fails if the queue does not exist). */
    public static long depth(String queue) throws Exception {
        try (Connection connection = factory().newConnection("caravan-test-probe");
             Channel channel = connection.createChannel()) {
            return channel.queueDeclarePassive(queue).getMessageCount();
        }
    }

    public static void purge(String queue) throws Exception {
        try (Connection connection = factory().newConnection("caravan-test-probe");
             Channel channel = connection.createChannel()) {
            channel.queuePurge(queue);
        }
    }

    /** Declares a durable {@code queue} and binds it to {@code exchange} with {@code routingKey}, as a new consumer would. */
    public static void bind(String queue, String exchange, String routingKey) throws Exception {
        try (Connection connection = factory().newConnection("caravan-test-probe");
             Channel channel = connection.createChannel()) {
            channel.queueDeclare(queue, true, false, false, null);
            channel.queueBind(queue, exchange, routingKey);
        }
    }

    /** Takes every message now on {@code queue} (auto-ack), oldest first. */
    public static java.util.List<Received> drain(String queue) throws Exception {
        java.util.List<Received> received = new java.util.ArrayList<>();
        for (Received next = get(queue); next != null; next = get(queue)) {
            received.add(next);
        }
        return received;
    }

    /** Deletes {@code queue} if it exists. */
    public static void delete(String queue) throws Exception {
        try (Connection connection = factory().newConnection("caravan-test-probe");
             Channel channel = connection.createChannel()) {
            channel.queueDelete(queue);
        }
    }

    /** Takes one message from {@code queue} (auto-ack), or null if it is empty. */
    public static Received get(String queue) throws Exception {
        try (Connection connection = factory().newConnection("caravan-test-probe");
             Channel channel = connection.createChannel()) {
            var response = channel.basicGet(queue, true);
            if (response == null) {
                return null;
            }
            Map<String, Object> headers = response.getProps().getHeaders() == null ? Map.of() : response.getProps().getHeaders();
            return new Received(response.getBody(), response.getProps(), headers);
        }
    }

    /** A message taken from a queue. */
    public record Received(byte[] body, AMQP.BasicProperties properties, Map<String, Object> headers) {
        public String header(String name) {
            Object value = headers.get(name);
            return value == null ? null : value.toString();
        }
    }

    private static ConnectionFactory factory() {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(RealServices.rabbitHost());
        factory.setPort(RealServices.rabbitPort());
        factory.setUsername(System.getenv().getOrDefault("RABBITMQ_USERNAME", "guest"));
        factory.setPassword(System.getenv().getOrDefault("RABBITMQ_PASSWORD", "guest"));
        factory.setVirtualHost(System.getenv().getOrDefault("RABBITMQ_VHOST", "/"));
        return factory;
    }
}
