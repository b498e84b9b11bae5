package dev.kiln.gateway.outbox;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.is;

import dev.kiln.contracts.messaging.Topics;
import dev.kiln.infra.kafka.RestartableKafkaTestResource;
import dev.kiln.infra.kafka.TopicReader;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** Kafka goes down: requests are still accepted and stored, and published once it is back. */
@QuarkusTest
@QuarkusTestResource(RestartableKafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class BrokerOutageTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void requestsAcceptedDuringAnOutageArePublishedWhenTheBrokerIsBack() throws Exception {
        RestartableKafkaTestResource.broker().stopBroker();
        String id;
        try {
            long started = System.nanoTime();
            id = given().contentType(ContentType.JSON)
                    .body("{\"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\"}}")
                    .post("/api/v1/runs").then().statusCode(202).extract().path("id");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("accepting does not wait for Kafka")
                    .isLessThan(Duration.ofSeconds(10));
            given().get("/api/v1/runs/" + id).then().statusCode(200);
            // The broker stays away a while; the run is stored and its message waits in the outbox.
            Thread.sleep(10_000);
            given().get("/api/v1/runs/" + id).then().statusCode(200).body("status", is("QUEUED"));
        } finally {
            RestartableKafkaTestResource.broker().startBroker();
        }
        String runId = id;

        ConsumerRecord<String, String> record = TopicReader.await(bootstrap, Topics.TRAIN_REQUESTS,
                r -> runId.equals(r.key()), Duration.ofSeconds(60));

        assertThat(record).as("train request published after the outage").isNotNull();
        assertThat(TopicReader.count(bootstrap, Topics.TRAIN_REQUESTS, r -> runId.equals(r.key()), Duration.ofSeconds(3)))
                .as("published once").isEqualTo(1);
    }
}
