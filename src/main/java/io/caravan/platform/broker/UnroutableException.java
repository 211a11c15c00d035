package io.caravan.platform.broker;

/** The broker returned a mandatory message: no queue is bound for its exchange and routing key. */
public class UnroutableException extends PublishFailedException {

    public UnroutableException(String message) {
        super(message);
    }
}
