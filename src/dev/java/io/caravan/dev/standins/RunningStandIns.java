package io.caravan.dev.standins;

import java.util.ArrayDeque;
import java.util.Deque;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The stand-ins this run started; {@link #close()} stops them newest first, once. */
final class RunningStandIns {

    private static final Logger LOG = LoggerFactory.getLogger(RunningStandIns.class);

    private final Deque<StandIn> started = new ArrayDeque<>();

    synchronized void add(StandIn standIn) {
        started.push(standIn);
    }

    synchronized void close() {
        while (!started.isEmpty()) {
            StandIn standIn = started.pop();
            try {
                standIn.stop().close();
                LOG.info("Stopped the embedded {} on {}", standIn.service(), standIn.address());
            } catch (Exception e) {
                LOG.warn("Could not stop the embedded {} on {}: {}", standIn.service(), standIn.address(), e.toString());
            }
        }
    }
}
