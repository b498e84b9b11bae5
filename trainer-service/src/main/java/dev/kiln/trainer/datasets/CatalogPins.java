package dev.kiln.trainer.datasets;

import dev.kiln.contracts.datasets.DatasetPin;
import dev.kiln.contracts.datasets.DatasetStatus;
import dev.kiln.contracts.runs.Catalog;
import dev.kiln.store.datasets.DatasetRepository;
import dev.kiln.store.datasets.DatasetRepository.Version;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The pin of a spec that names a built-in data set without one: a request accepted before built-in data was
 * registered and pinned at submission, or a trial of a study submitted then. It trains on the latest READY
 * version, like any submission. Right after an upgrade the workers are still registering and validating the
 * built-in sets, so while that is under way the run waits (up to {@link #PATIENCE}) instead of failing.
 */
@ApplicationScoped
public class CatalogPins {

    private static final Logger LOG = Logger.getLogger(CatalogPins.class);
    static final Duration PATIENCE = Duration.ofMinutes(5);
    private static final Duration POLL = Duration.ofSeconds(1);

    private final DatasetRepository datasets;

    public CatalogPins(DatasetRepository datasets) {
        this.datasets = datasets;
    }

    /** @throws IOException the data set is not built in, or has no READY version and none on its way */
    public DatasetPin latest(String dataset) throws IOException {
        if (!Catalog.DATASETS.contains(dataset)) {
            throw new IOException("the spec names data set '" + dataset + "' without pinning a version of it");
        }
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        boolean told = false;
        while (true) {
            List<Version> versions = QuarkusTransaction.requiringNew().call(() -> datasets.versions(dataset));
            Version ready = versions.stream().filter(v -> v.status() == DatasetStatus.READY).findFirst().orElse(null);
            if (ready != null) {
                return ready.pin();
            }
            boolean coming = versions.isEmpty() || versions.get(0).status() == DatasetStatus.VALIDATING;
            if (!coming || System.nanoTime() > deadline) {
                throw new IOException("built-in data set " + dataset + " has no READY version"
                        + (versions.isEmpty() ? ": no worker with it installed has registered it"
                                : "; the newest, " + versions.get(0).ref() + ", is " + versions.get(0).status()));
            }
            if (!told) {
                LOG.infof("Waiting for built-in data set %s to be registered and validated", dataset);
                told = true;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for " + dataset);
            }
        }
    }
}
