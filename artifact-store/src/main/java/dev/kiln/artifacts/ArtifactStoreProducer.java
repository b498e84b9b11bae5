package dev.kiln.artifacts;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The one {@link ArtifactStore} of a service, connected to the configured endpoint. */
@ApplicationScoped
public class ArtifactStoreProducer {

    @Produces
    @Singleton
    ArtifactStore artifactStore(ArtifactsConfig config) {
        return ArtifactStore.connect(ArtifactEndpoint.of(config));
    }

    void close(@Disposes ArtifactStore store) {
        store.close();
    }
}
