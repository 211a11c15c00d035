package io.caravan.support;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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

    /** Publishes every body persistently to {@code queue} on one channel, then waits for all their confirms. */
    public static void publishAll(String queue, List<byte[]> bodies, AMQP.BasicProperties properties) throws Exception {
        try (Connection connection = factory().newConnection("caravan-test-client");
             Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            for (byte[] body : bodies) {
                channel.basicPublish("", queue, properties, body);
            }
            channel.waitForConfirmsOrDie(30_000);
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

    /** Consumers on {@code queue}, from every application (passive declare). */
    public static int consumers(String queue) throws Exception {
        try (Connection connection = factory().newConnection("caravan-test-probe");
             Channel channel = connection.createChannel()) {
            return channel.queueDeclarePassive(queue).getConsumerCount();
        }
    }

    /** The arguments {@code queue} was declared with, as the management API reports them. */
    public static Map<String, Object> arguments(String queue) {
        Http management = Http.withBasicAuth(
                System.getenv().getOrDefault("RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672"),
                System.getenv().getOrDefault("RABBITMQ_USERNAME", "guest"),
                System.getenv().getOrDefault("RABBITMQ_PASSWORD", "guest"));
        Http.Response response = management.get("/api/queues/{vhost}/{queue}", vhost(), queue);
        if (response.status() != 200) {
            throw new IllegalStateException("management API: " + response.status() + " " + response.text());
        }
        return new com.fasterxml.jackson.databind.ObjectMapper().convertValue(response.json().get("arguments"),
                new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });
    }

    public static void purge(String queue) throws Exception {
        try (Connection connection = factory().newConnection("caravan-test-probe");
             Channel channel = connection.createChannel()) {
            channel.queuePurge(queue);
        }
    }

    /** Whether {@code queue} exists (passive declare). */
    public static boolean exists(String queue) throws Exception {
        try (Connection connection = factory().newConnection("caravan-test-probe")) {
            Channel channel = connection.createChannel();
            try {
                channel.queueDeclarePassive(queue);
                return true;
            } catch (java.io.IOException e) {
                return false; // the broker closed the channel: 404 NOT_FOUND
            }
        }
    }

    /** Declares a durable queue of someone else's, not Caravan's. */
    public static void declare(String queue) throws Exception {
        try (Connection connection = factory().newConnection("caravan-test-client");
             Channel channel = connection.createChannel()) {
            channel.queueDeclare(queue, true, false, false, null);
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

    /** Deletes {@code queue} if it exists. */
    public static void delete(String queue) throws Exception {
        try (Connection connection = factory().newConnection("caravan-test-client");
             Channel channel = connection.createChannel()) {
            channel.queueDelete(queue);
        }
    }

    /** The broker's version, as it announces itself to a client. */
    public static String serverVersion() throws Exception {
        try (Connection connection = factory().newConnection("caravan-test-probe")) {
            return String.valueOf(connection.getServerProperties().get("version"));
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

    /** Takes every message ready on {@code queue} (auto-ack), head first. */
    public static List<Received> drain(String queue) throws Exception {
        List<Received> messages = new ArrayList<>();
        for (Received message = get(queue); message != null; message = get(queue)) {
            messages.add(message);
        }
        return messages;
    }

    /** Declares a fanout exchange and binds each of {@code queues} to it, declaring the queues that do not exist. */
    public static void declareFanout(String exchange, String... queues) throws Exception {
        try (Connection connection = factory().newConnection("caravan-test-probe");
             Channel channel = connection.createChannel()) {
            channel.exchangeDeclare(exchange, "fanout", false);
            for (String queue : queues) {
                channel.queueDeclare(queue, true, false, false, null);
                channel.queueBind(queue, exchange, "");
            }
        }
    }

    /** Deletes an exchange (and with it its bindings) and the given queues. */
    public static void delete(String exchange, String... queues) throws Exception {
        try (Connection connection = factory().newConnection("caravan-test-probe");
             Channel channel = connection.createChannel()) {
            channel.exchangeDelete(exchange);
            for (String queue : queues) {
                channel.queueDelete(queue);
            }
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
        factory.setVirtualHost(vhost());
        return factory;
    }

    private static String vhost() {
        return System.getenv().getOrDefault("RABBITMQ_VHOST", "/");
    }
}
