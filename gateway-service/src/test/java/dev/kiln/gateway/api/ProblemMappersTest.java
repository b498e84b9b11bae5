package dev.kiln.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.persistence.PersistenceException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.hibernate.exception.JDBCConnectionException;
import org.junit.jupiter.api.Test;

/** Which failures mean "the database is down" (503, retry) rather than a fault of ours (500). */
class ProblemMappersTest {

    @Test
    void connectionFailuresAnywhereInTheCauseChainAreUnavailability() {
        assertThat(ProblemMappers.databaseUnavailable(new PersistenceException("x",
                new JDBCConnectionException("no connection", new SQLException("refused", "08001"))))).isTrue();
        assertThat(ProblemMappers.databaseUnavailable(new RuntimeException(
                new SQLTransientConnectionException("Acquisition timeout")))).isTrue();
        assertThat(ProblemMappers.databaseUnavailable(new SQLException("connection failure", "08006"))).isTrue();
    }

    @Test
    void otherDatabaseErrorsAreNot() {
        assertThat(ProblemMappers.databaseUnavailable(new PersistenceException("constraint",
                new SQLException("duplicate key", "23505")))).isFalse();
        assertThat(ProblemMappers.databaseUnavailable(new IllegalStateException("bug"))).isFalse();
    }
}
