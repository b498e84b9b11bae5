package dev.kiln.gateway.models;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Model imports ({@code kiln.models.*}). */
@ConfigMapping(prefix = "kiln.models")
public interface ModelsConfig {

    /** The largest import request (a TorchScript file and its manifest); past it the request is refused (413). */
    @WithDefault("512M")
    MemorySize maxImportSize();
}
