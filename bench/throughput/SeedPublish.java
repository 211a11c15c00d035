import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Backlog for bench/throughput.sh: publishes N chat-history messages shaped as seed 000's chat service publishes
 * them (JSON {user_id, user_input, bot_response, timestamp}, no id, persistent, default exchange, routing key
 * QUEUE), each different, with publisher confirms (waited for every 500). Uses the amqp-client that PerfTest brings.
 * Prints "RESULT published=N ms=…". Usage: java -cp PERFTEST_CLASSPATH SeedPublish.java AMQP_URI QUEUE USER N
 */
public class SeedPublish {
    public static void main(String[] args) throws Exception {
        String uri = args[0], queue = args[1], user = args[2];
        int n = Integer.parseInt(args[3]);
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(uri);
        long start = System.nanoTime();
        try (Connection connection = factory.newConnection("caravan-bench-seed-publish"); Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder()
                    .contentType("application/json").deliveryMode(2).build();
            for (int i = 0; i < n; i++) {
                String body = "{\"user_id\":\"" + user + "\",\"user_input\":\"Seed message " + i + ": what courses fit me?\","
                        + "\"bot_response\":\"Here are three courses that fit you.\",\"timestamp\":\"" + Instant.now() + "\"}";
                channel.basicPublish("", queue, persistent, body.getBytes(StandardCharsets.UTF_8));
                if (i % 500 == 499) {
                    channel.waitForConfirmsOrDie(30_000);
                }
            }
            channel.waitForConfirmsOrDie(30_000);
        }
        System.out.printf("RESULT published=%d ms=%d%n", n, (System.nanoTime() - start) / 1_000_000);
    }
}
