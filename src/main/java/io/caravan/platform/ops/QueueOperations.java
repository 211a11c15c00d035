package io.caravan.platform.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import io.caravan.platform.broker.BrokerProperties;
import io.caravan.platform.broker.BrokerProperties.QueueSpec;
import io.caravan.platform.ops.QueueStats.Role;
import io.caravan.platform.ops.QueuesSummary.QueueDepth;
import io.caravan.platform.ops.QueuesSummary.WorkQueue;
import io.caravan.platform.rest.DependencyUnavailableException;
import io.caravan.platform.rest.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.AmqpAuthenticationException;
import org.springframework.amqp.AmqpConnectException;
import org.springframework.amqp.AmqpTimeoutException;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.QueueInformation;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.boot.autoconfigure.amqp.RabbitProperties;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClientException;

/**
 * Operations on the queues Caravan owns (work queues, their dead-letter queues and retry queues, as
 * {@link BrokerProperties} names them): broker health, per-queue statistics, a summary, and purge.
 * The REST routes ({@link QueueOperationsRoutes}) call it as the bean {@code queueOperations}.
 *
 * <p>Statistics come from RabbitMQ's management API when it answers ({@code "source": "management-api"}:
 * counts, unacknowledged messages and rates), otherwise from a passive queue declare over AMQP
 * ({@code "source": "passive-declare"}: ready messages and consumers only). Any other queue name is
 * refused with {@link NotFoundException}, so these operations cannot touch a queue Caravan does not own.
 * If RabbitMQ itself cannot be reached, every operation throws {@link DependencyUnavailableException}.
 */
@Component("queueOperations")
public class QueueOperations {

    public static final String MANAGEMENT_API = "management-api";
    public static final String PASSIVE_DECLARE = "passive-declare";

    private static final Logger LOG = LoggerFactory.getLogger(QueueOperations.class);
    private static final String RABBITMQ = "rabbitmq";

    /** A queue Caravan owns: what it is for and the work queues it belongs to (several may share a dead-letter queue). */
    private record CaravanQueue(String name, Role role, List<String> workQueues) {

        CaravanQueue with(String workQueue) {
            List<String> all = new ArrayList<>(workQueues);
            all.add(workQueue);
            return new CaravanQueue(name, role, List.copyOf(all));
        }

        /** The one work queue it belongs to, or null when it serves several. */
        String workQueue() {
            return workQueues.size() == 1 ? workQueues.get(0) : null;
        }
    }

    private final Map<String, CaravanQueue> caravanQueues = new LinkedHashMap<>();
    private final List<Map.Entry<String, QueueSpec>> workQueues;
    private final AmqpAdmin admin;
    private final RabbitTemplate rabbit;
    private final RabbitManagementClient management;
    private final String brokerAddress;

    public QueueOperations(BrokerProperties broker, AmqpAdmin admin, RabbitTemplate rabbit,
                           RabbitManagementClient management, RabbitProperties rabbitProperties) {
        this.admin = admin;
        this.rabbit = rabbit;
        this.management = management;
        this.brokerAddress = String.join(",", rabbitProperties.determineAddresses());
        this.workQueues = broker.queues().entrySet().stream().sorted(Map.Entry.comparingByKey()).toList();
        for (Map.Entry<String, QueueSpec> entry : workQueues) {
            QueueSpec spec = entry.getValue();
            caravanQueues.put(spec.name(), new CaravanQueue(spec.name(), Role.WORK, List.of(spec.name())));
            caravanQueues.merge(spec.deadLetterQueue(), new CaravanQueue(spec.deadLetterQueue(), Role.DEAD_LETTER, List.of(spec.name())),
                    (shared, next) -> shared.with(spec.name()));
            for (String retryQueue : spec.retryQueues()) {
                caravanQueues.put(retryQueue, new CaravanQueue(retryQueue, Role.RETRY, List.of(spec.name())));
            }
        }
    }

    /**
     * The broker's version and whether each Caravan queue exists (passive declare). Throws
     * {@link DependencyUnavailableException} if the broker cannot be reached or a queue is missing:
     * a missing queue means publishes to it are refused (they are mandatory), so the broker is not
     * healthy for Caravan.
     */
    public BrokerHealth health() {
        String version = onBroker(() -> rabbit.execute(channel ->
                String.valueOf(channel.getConnection().getServerProperties().get("version"))));
        Map<String, Boolean> queues = new LinkedHashMap<>();
        for (String name : caravanQueues.keySet()) {
            queues.put(name, onBroker(() -> admin.getQueueInfo(name) != null));
        }
        boolean managementApi = managementApiAnswers();
        List<String> missing = queues.entrySet().stream().filter(q -> !q.getValue()).map(Map.Entry::getKey).toList();
        if (!missing.isEmpty()) {
            throw new DependencyUnavailableException(RABBITMQ, "Caravan queue(s) missing on the broker: " + String.join(", ", missing),
                    Map.of("reachable", true, "version", version, "management_api", managementApi, "queues", queues), null);
        }
        return new BrokerHealth("UP", true, version, managementApi, queues);
    }

    /** Statistics of one Caravan queue; {@link NotFoundException} for any other name or a queue the broker lacks. */
    public QueueStats queue(String name) {
        CaravanQueue queue = caravanQueue(name);
        try {
            RabbitManagementClient.QueueCounts counts = management.queue(name);
            return new QueueStats(name, queue.role(), queue.workQueue(), queue.workQueues(), counts.messagesReady(),
                    counts.messagesUnacknowledged(), counts.consumers(), counts.publishRate(), counts.deliverRate(), MANAGEMENT_API);
        } catch (HttpClientErrorException.NotFound e) {
            // the API does not know the queue; the passive declare below says whether the broker has it
        } catch (RestClientException e) {
            LOG.warn("RabbitMQ management API at {} not usable ({}); statistics of {} from a passive declare",
                    management.url(), e.getMessage(), name);
        }
        QueueInformation info = onBroker(() -> admin.getQueueInfo(name));
        if (info == null) {
            throw missingOnBroker(name);
        }
        return new QueueStats(name, queue.role(), queue.workQueue(), queue.workQueues(), (long) info.getMessageCount(), null,
                info.getConsumerCount(), null, null, PASSIVE_DECLARE);
    }

    /** Removes every ready message from a Caravan queue (unacknowledged ones stay with their consumer). */
    public PurgeResult purge(String name) {
        caravanQueue(name);
        int purged = onBroker(() -> {
            if (admin.getQueueInfo(name) == null) {
                throw missingOnBroker(name);
            }
            return admin.purgeQueue(name);
        });
        LOG.info("Purged {} message(s) from queue {}", purged, name);
        return new PurgeResult(name, purged);
    }

    /**
     * Every work queue with its depth and consumers, its dead-letter queue's depth and its retry queues' depths;
     * with the management API also unacknowledged messages and publish/deliver rates.
     */
    public QueuesSummary summary() {
        Map<String, RabbitManagementClient.QueueCounts> counts = null;
        try {
            counts = management.queues();
        } catch (RestClientException e) {
            LOG.warn("RabbitMQ management API at {} not usable ({}); queue summary from passive declares",
                    management.url(), e.getMessage());
        }
        List<WorkQueue> summaries = new ArrayList<>();
        for (Map.Entry<String, QueueSpec> entry : workQueues) {
            QueueSpec spec = entry.getValue();
            QueueDepth work = depth(spec.name(), counts);
            List<QueueDepth> retries = new ArrayList<>();
            for (String retryQueue : spec.retryQueues()) {
                retries.add(depth(retryQueue, counts));
            }
            summaries.add(new WorkQueue(entry.getKey(), work.name(), work.exists(), work.messagesReady(),
                    work.consumers(), work.messagesUnacknowledged(), work.publishRate(), work.deliverRate(),
                    depth(spec.deadLetterQueue(), counts), retries));
        }
        return new QueuesSummary(counts != null ? MANAGEMENT_API : PASSIVE_DECLARE, summaries);
    }

    private QueueDepth depth(String name, Map<String, RabbitManagementClient.QueueCounts> fromManagement) {
        if (fromManagement != null) {
            RabbitManagementClient.QueueCounts counts = fromManagement.get(name);
            return counts == null ? new QueueDepth(name, false, null, null, null, null, null)
                    : new QueueDepth(name, true, counts.messagesReady(), counts.consumers(), counts.messagesUnacknowledged(),
                            counts.publishRate(), counts.deliverRate());
        }
        QueueInformation info = onBroker(() -> admin.getQueueInfo(name));
        return info == null ? new QueueDepth(name, false, null, null, null, null, null)
                : new QueueDepth(name, true, (long) info.getMessageCount(), info.getConsumerCount(), null, null, null);
    }

    private CaravanQueue caravanQueue(String name) {
        CaravanQueue queue = caravanQueues.get(name);
        if (queue == null) {
            throw new NotFoundException("'" + name + "' is not a Caravan queue");
        }
        return queue;
    }

    private static NotFoundException missingOnBroker(String name) {
        return new NotFoundException("Caravan queue '" + name + "' does not exist on the broker");
    }

    private boolean managementApiAnswers() {
        try {
            return management.version() != null;
        } catch (RestClientException e) {
            return false;
        }
    }

    /** Runs an AMQP call; a broker that cannot be reached or refuses Caravan's login is a 503, not a 500. */
    private <T> T onBroker(Supplier<T> call) {
        try {
            return call.get();
        } catch (AmqpConnectException | AmqpTimeoutException e) {
            throw brokerUnavailable("is unreachable", e);
        } catch (AmqpAuthenticationException e) {
            throw brokerUnavailable("refused Caravan's login", e);
        }
    }

    private DependencyUnavailableException brokerUnavailable(String what, RuntimeException e) {
        return new DependencyUnavailableException(RABBITMQ, "RabbitMQ at " + brokerAddress + " " + what + ": " + e.getMessage(),
                Map.of("reachable", false), e);
    }
}
