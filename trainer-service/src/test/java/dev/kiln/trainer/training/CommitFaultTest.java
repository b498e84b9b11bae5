package dev.kiln.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.faults.StoreFaults;
import dev.kiln.store.faults.StoreRetry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL lost between a transaction's last statement and its commit (killed as the trainer commits an epoch:
 * what {@code ./kiln check-outages} hit once) surfaces from Narayana as a {@code RollbackException} that names
 * no SQL error; it is an outage all the same, so {@link StoreRetry} waits it out instead of failing the run.
 * The connection's server process is ended for real ({@code pg_terminate_backend}) on a real PostgreSQL.
 * Same resources as the worker's other tests, so the same application, started once.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class CommitFaultTest {

    @Inject
    EntityManager entities;

    @BeforeEach
    void probeTable() throws SQLException {
        try (Connection admin = directConnection()) {
            admin.createStatement().execute("create table if not exists commit_fault_probe (id int primary key)");
            admin.createStatement().execute("truncate commit_fault_probe");
        }
    }

    @Test
    void aConnectionLostAtCommitIsAnOutage() {
        Throwable failure = catchThrowable(() -> QuarkusTransaction.requiringNew().run(() -> insertAndLoseConnection(1)));

        assertThat(failure).as("the commit failed").isNotNull();
        assertThat(StoreFaults.unavailable(failure)).as("%s is seen as an outage", failure).isTrue();
    }

    @Test
    void aRetriedCommitKeepsItsWork() throws SQLException {
        AtomicInteger attempts = new AtomicInteger();

        StoreRetry.within(Duration.ofSeconds(30)).run("committing the probe", () -> QuarkusTransaction.requiringNew()
                .run(() -> {
                    if (attempts.incrementAndGet() == 1) {
                        insertAndLoseConnection(2);
                    } else {
                        insert(2);
                    }
                }));

        assertThat(attempts).hasValue(2);
        try (Connection admin = directConnection();
                var rows = admin.createStatement().executeQuery("select count(*) from commit_fault_probe where id = 2")) {
            rows.next();
            assertThat(rows.getInt(1)).isEqualTo(1);
        }
    }

    /** Writes a row (sent at once, nothing left to flush), then has another session end this one's server process. */
    private void insertAndLoseConnection(int id) {
        insert(id);
        int pid = ((Number) entities.createNativeQuery("select pg_backend_pid()").getSingleResult()).intValue();
        try (Connection admin = directConnection()) {
            admin.createStatement().execute("select pg_terminate_backend(" + pid + ")");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void insert(int id) {
        entities.createNativeQuery("insert into commit_fault_probe values (?1) on conflict do nothing")
                .setParameter(1, id).executeUpdate();
    }

    private static Connection directConnection() throws SQLException {
        var config = ConfigProvider.getConfig();
        return DriverManager.getConnection(config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class),
                config.getValue("quarkus.datasource.password", String.class));
    }
}
