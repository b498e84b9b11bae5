package dev.kiln.gateway.quotas;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Submissions per caller: a token bucket per caller that holds a minute's allowance and refills at that rate, so a
 * caller may send a burst of a minute's worth, then keep to the rate. Per gateway replica (in memory): behind a
 * load balancer over n replicas a caller may reach n times the rate.
 */
final class SubmissionRate {

    private record Bucket(double tokens, long atNanos) {
    }

    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    /**
     * Takes one submission from the caller's allowance.
     *
     * @return 0 when taken, else the seconds until one is available
     */
    long take(String caller, int perMinute, long nowNanos) {
        double perNano = perMinute / 60e9;
        long[] wait = {0};
        buckets.compute(caller, (key, bucket) -> {
            double tokens = bucket == null ? perMinute
                    : Math.min(perMinute, bucket.tokens() + (nowNanos - bucket.atNanos()) * perNano);
            if (tokens >= 1) {
                return new Bucket(tokens - 1, nowNanos);
            }
            wait[0] = (long) Math.ceil((1 - tokens) / perNano / 1e9);
            return new Bucket(tokens, nowNanos);
        });
        return wait[0];
    }
}
