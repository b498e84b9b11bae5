package dev.kiln.infra.postgres;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The PostgreSQL process of {@code ./kiln up}: runs until SIGTERM, then stops the server cleanly.
 * Usage: {@code PostgresMain <port> <dataDir> <binariesDir> <database>}.
 */
public final class PostgresMain {

    /**
     * Each service connects as its own role, as on Kubernetes, with the privileges the migrations grant it
     * (V16__service_roles.sql); the schema's owner (the server's superuser here) only migrates.
     */
    private static final List<String> SERVICE_ROLES = List.of("kiln_gateway", "kiln_trainer", "kiln_inference");
    /** The local stack's password for every service role, as ./kiln passes it (the server listens on localhost only). */
    private static final String SERVICE_PASSWORD = "kiln-local";

    private PostgresMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: PostgresMain <port> <dataDir> <binariesDir> <database>");
            System.exit(2);
        }
        LocalPostgres postgres = LocalPostgres.start(
                Integer.parseInt(args[0]), Path.of(args[1]), Path.of(args[2]), args[3]);
        postgres.ensureLoginRoles(SERVICE_ROLES, SERVICE_PASSWORD);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                postgres.close();
            } catch (Exception e) {
                System.err.println("PostgreSQL did not stop cleanly: " + e.getMessage());
            }
            stopped.countDown();
        }));
        System.out.println("PostgreSQL ready at " + postgres.jdbcUrl());
        stopped.await();
    }
}
