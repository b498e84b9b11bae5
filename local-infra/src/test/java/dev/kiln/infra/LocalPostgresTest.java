package dev.kiln.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.infra.postgres.LocalPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's PostgreSQL keeps what was committed when it is stopped and started again. */
class LocalPostgresTest {

    @TempDir
    Path dataDir;

    @Test
    void dataSurvivesARestart() throws Exception {
        try (LocalPostgres postgres = LocalPostgres.start(0, dataDir, null, "kiln");
                Connection c = connect(postgres)) {
            c.createStatement().execute("create table accepted (id int primary key)");
            c.createStatement().execute("insert into accepted values (7)");
        }

        try (LocalPostgres postgres = LocalPostgres.start(0, dataDir, null, "kiln");
                Connection c = connect(postgres);
                ResultSet rs = c.createStatement().executeQuery("select id from accepted")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(7);
        }
    }

    private static Connection connect(LocalPostgres postgres) throws Exception {
        return DriverManager.getConnection(postgres.jdbcUrl(), LocalPostgres.USER, LocalPostgres.PASSWORD);
    }
}
