package dev.kiln.infra.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * A real PostgreSQL server process from zonky's embedded binaries: no Docker, no system install.
 * With a data directory it keeps its data across restarts (initdb runs only on an empty directory).
 */
public final class LocalPostgres implements AutoCloseable {

    public static final String USER = "postgres";
    /** Local clusters trust loopback connections; the password is only there for clients that insist. */
    public static final String PASSWORD = "postgres";

    private final EmbeddedPostgres server;
    private final String database;

    private LocalPostgres(EmbeddedPostgres server, String database) {
        this.server = server;
        this.database = database;
    }

    /**
     * @param port     0 for any free port
     * @param dataDir  null for a throw-away cluster
     * @param workDir  where the binaries are unpacked, null for the default temporary folder
     * @param database created when missing
     */
    public static LocalPostgres start(int port, Path dataDir, Path workDir, String database) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setServerConfig("max_connections", "200");
        if (port > 0) {
            builder.setPort(port);
        }
        if (dataDir != null) {
            // A cluster that keeps its data keeps every commit: the embedded default (asynchronous commit) can lose
            // the last transactions when the server is killed, which the stack's outage and chaos checks do.
            builder.setDataDirectory(dataDir).setCleanDataDirectory(false).setServerConfig("synchronous_commit", "on");
        }
        if (workDir != null) {
            builder.setOverrideWorkingDirectory(workDir.toFile());
        }
        LocalPostgres postgres = new LocalPostgres(builder.start(), database);
        postgres.ensureDatabase();
        return postgres;
    }

    private void ensureDatabase() throws IOException {
        try (Connection connection = server.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            try (ResultSet rs = statement.executeQuery(
                    "select 1 from pg_database where datname = '" + database.replace("'", "''") + "'")) {
                if (rs.next()) {
                    return;
                }
            }
            statement.execute("create database \"" + database.replace("\"", "\"\"") + "\"");
        } catch (SQLException e) {
            throw new IOException("Cannot create database " + database + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes each role one that logs in with {@code password} (created if missing, else given login: a migration
     * may have made it without), so a service can connect as its own role.
     */
    public void ensureLoginRoles(List<String> roles, String password) throws IOException {
        try (Connection connection = server.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            for (String role : roles) {
                String quoted = "\"" + role.replace("\"", "\"\"") + "\"";
                String literal = "'" + password.replace("'", "''") + "'";
                boolean exists;
                try (ResultSet rs = statement.executeQuery(
                        "select 1 from pg_roles where rolname = '" + role.replace("'", "''") + "'")) {
                    exists = rs.next();
                }
                statement.execute((exists ? "alter" : "create") + " role " + quoted + " login password " + literal);
            }
        } catch (SQLException e) {
            throw new IOException("Cannot create the login roles " + roles + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getPort();
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port() + "/" + database;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
