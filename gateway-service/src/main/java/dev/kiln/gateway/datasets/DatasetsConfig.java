package dev.kiln.gateway.datasets;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Data set uploads ({@code kiln.datasets.*}). */
@ConfigMapping(prefix = "kiln.datasets")
public interface DatasetsConfig {

    /** The largest archive accepted; past it the upload is refused (413) and nothing of it is kept. */
    @WithDefault("4G")
    MemorySize maxUploadSize();
}
