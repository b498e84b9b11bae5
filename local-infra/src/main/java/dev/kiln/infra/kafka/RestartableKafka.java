package dev.kiln.infra.kafka;

import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node KRaft broker in this JVM on fixed ports with its data on disk, which a test can stop
 * and start again at the same address: a broker outage, as clients see one.
 */
public final class RestartableKafka implements AutoCloseable {

    private final KafkaConfig config;
    private final String bootstrapServers;
    private KafkaRaftServer server;

    private RestartableKafka(KafkaConfig config, String bootstrapServers) {
        this.config = config;
        this.bootstrapServers = bootstrapServers;
    }

    /** Formats storage in {@code dir} and starts the broker with Kiln's topics. */
    public static RestartableKafka start(Path dir) throws Exception {
        int port = freePort();
        int controllerPort = freePort();
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@localhost:" + controllerPort);
        props.put("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://localhost:" + port);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", dir.resolve("data").toString());
        props.put("offsets.topic.replication.factor", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        Path file = dir.resolve("server.properties");
        Files.createDirectories(dir);
        try (var out = Files.newOutputStream(file)) {
            props.store(out, "Kiln test broker");
        }
        int formatted = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c",
                file.toString()}, new PrintStream(OutputStream.nullOutputStream()));
        if (formatted != 0) {
            throw new IOException("formatting Kafka storage in " + dir + " failed (" + formatted + ")");
        }
        RestartableKafka kafka = new RestartableKafka(KafkaConfig.fromProps(props), "localhost:" + port);
        kafka.startBroker();
        KafkaTopics.ensure(kafka.bootstrapServers());
        return kafka;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The outage: the broker is gone, its port closed; the data stays. */
    public synchronized void stopBroker() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    /** The broker is back at the same address with its data. */
    public synchronized void startBroker() {
        if (server == null) {
            server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
        }
    }

    @Override
    public void close() {
        stopBroker();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
