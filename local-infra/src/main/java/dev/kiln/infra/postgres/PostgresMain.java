package dev.kiln.infra.postgres;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The PostgreSQL process of {@code ./kiln up}: runs until SIGTERM, then stops the server cleanly.
 * Usage: {@code PostgresMain <port> <dataDir> <binariesDir> <database>}.
 */
public final class PostgresMain {

    private PostgresMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: PostgresMain <port> <dataDir> <binariesDir> <database>");
            System.exit(2);
        }
        LocalPostgres postgres = LocalPostgres.start(
                Integer.parseInt(args[0]), Path.of(args[1]), Path.of(args[2]), args[3]);
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
