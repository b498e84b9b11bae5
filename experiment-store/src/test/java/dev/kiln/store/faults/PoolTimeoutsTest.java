package dev.kiln.store.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kiln.infra.postgres.LocalPostgres;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.hibernate.exception.GenericJDBCException;
import org.junit.jupiter.api.Test;

/**
 * The connection pool the services run (Agroal, as Quarkus configures it) timing out is unavailability: checked
 * on the exceptions a real pool throws, against a real PostgreSQL and against a server that never answers.
 */
class PoolTimeoutsTest {

    private static AgroalDataSource pool(String jdbcUrl) throws SQLException {
        return AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier()
                .connectionPoolConfiguration(cp -> cp
                        .maxSize(1)
                        .acquisitionTimeout(Duration.ofMillis(500))
                        .connectionFactoryConfiguration(cf -> cf
                                .jdbcUrl(jdbcUrl)
                                .principal(new NamePrincipal(LocalPostgres.USER))
                                .credential(new SimplePassword(LocalPostgres.PASSWORD)))));
    }

    /** Hibernate's wrapping of a failed acquisition, which is what the services' code catches. */
    private static GenericJDBCException asHibernateThrowsIt(SQLException e) {
        return new GenericJDBCException("Unable to acquire JDBC Connection", e);
    }

    @Test
    void everyConnectionBusyIsUnavailabilityAndARealErrorIsNot() throws Exception {
        try (LocalPostgres postgres = LocalPostgres.start(0, null, null, "kiln");
                AgroalDataSource pool = pool(postgres.jdbcUrl()); Connection busy = pool.getConnection()) {
            SQLException timeout = catchThrowableOfType(SQLException.class, pool::getConnection);

            assertThat(timeout.getSQLState()).isNull();
            assertThat(StoreFaults.unavailable(timeout)).isTrue();
            assertThat(StoreFaults.unavailable(asHibernateThrowsIt(timeout))).isTrue();

            SQLException missing = catchThrowableOfType(SQLException.class,
                    () -> busy.createStatement().executeQuery("select * from no_such_table"));
            assertThat(missing.getSQLState()).isEqualTo("42P01");
            assertThat(StoreFaults.unavailable(asHibernateThrowsIt(missing))).isFalse();
        }
    }

    @Test
    void aServerThatAcceptsButNeverAnswersIsUnavailability() throws Exception {
        // What a paused PostgreSQL looks like: the kernel completes the TCP handshake, nothing ever replies.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                AgroalDataSource pool = pool("jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/kiln")) {
            SQLException timeout = catchThrowableOfType(SQLException.class, pool::getConnection);

            assertThat(timeout.getSQLState()).isNull();
            assertThat(StoreFaults.unavailable(asHibernateThrowsIt(timeout))).isTrue();
        }
    }
}
