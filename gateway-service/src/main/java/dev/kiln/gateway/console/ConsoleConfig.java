package dev.kiln.gateway.console;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The web console's settings ({@code kiln.console.*}). */
@ConfigMapping(prefix = "kiln.console")
public interface ConsoleConfig {

    /**
     * The inference service as the browser reaches it: the playground and "inside the model" call it directly
     * (it must allow the console's origin: {@code quarkus.http.cors.origins} there).
     */
    @WithDefault("http://localhost:8082")
    String inferenceUrl();
}
