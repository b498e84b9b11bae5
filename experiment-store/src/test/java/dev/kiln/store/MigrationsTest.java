package dev.kiln.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.infra.postgres.LocalPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Flyway migrations apply to a real PostgreSQL, are idempotent, and the schema guards its invariants. */
class MigrationsTest {

    private static LocalPostgres postgres;

    @BeforeAll
    static void start() throws Exception {
        postgres = LocalPostgres.start(0, null, null, "kiln");
    }

    @AfterAll
    static void stop() throws Exception {
        postgres.close();
    }

    private static Flyway flyway() {
        return Flyway.configure()
                .dataSource(postgres.jdbcUrl(), LocalPostgres.USER, LocalPostgres.PASSWORD)
                .locations("classpath:db/migration")
                .load();
    }

    @Test
    void migrationsApplyOnceAndValidate() throws Exception {
        MigrateResult first = flyway().migrate();
        MigrateResult second = flyway().migrate();

        assertThat(first.success).isTrue();
        assertThat(second.migrationsExecuted).isZero();
        flyway().validate();
        try (Connection c = connect()) {
            c.createStatement().execute("insert into runs (id, status, spec, created_at, updated_at) "
                    + "values (gen_random_uuid(), 'QUEUED', '{}', now(), now())");
            assertThatThrownBy(() -> c.createStatement().execute(
                    "insert into runs (id, status, spec, created_at, updated_at) "
                            + "values (gen_random_uuid(), 'BOGUS', '{}', now(), now())"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("runs_status_check");
        }
    }

    private static Connection connect() throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl(), LocalPostgres.USER, LocalPostgres.PASSWORD);
    }
}
