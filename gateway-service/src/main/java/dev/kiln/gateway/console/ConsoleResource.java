package dev.kiln.gateway.console;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.net.URI;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The web console's pages. They hold no data and need no token: each page's script fetches what it shows from the
 * API with the token the user gave on the login page, or got from the identity provider there (kept in the tab's
 * sessionStorage), so the console sees exactly what the API lets that token see. The scripts and styles are static
 * ({@code /console-assets}).
 */
@Path("/console")
@PermitAll
@Produces(MediaType.TEXT_HTML)
public class ConsoleResource {

    private final ConsoleConfig config;
    private final ConsoleLogin login;

    public ConsoleResource(ConsoleConfig config, ConsoleLogin login) {
        this.config = config;
        this.login = login;
    }

    /** One template per page, each including {@code console-layout.html}. */
    @CheckedTemplate
    static class Templates {
        static native TemplateInstance login(Page page, ConsoleLogin.Provider provider);

        static native TemplateInstance callback(Page page);

        static native TemplateInstance runs(Page page);

        static native TemplateInstance run(Page page, String runId);

        static native TemplateInstance compare(Page page);

        static native TemplateInstance studies(Page page);

        static native TemplateInstance study(Page page, String studyId);

        static native TemplateInstance models(Page page);

        static native TemplateInstance model(Page page, String modelName);

        static native TemplateInstance inside(Page page, String modelName, String version);

        static native TemplateInstance playground(Page page);

        static native TemplateInstance datasets(Page page);
    }

    /** What every page's layout needs: its name (the script's entry point), title and the inference URL. */
    public record Page(String name, String title, String inferenceUrl) {
    }

    private Page page(String name, String title) {
        return new Page(name, title, config.inferenceUrl());
    }

    @GET
    public RestResponse<Void> home() {
        return RestResponse.seeOther(URI.create("/console/runs"));
    }

    @GET
    @Path("login")
    public TemplateInstance login() {
        return Templates.login(page("login", "Log in"), login.provider());
    }

    /** Where the identity provider sends the browser back with a code; the script exchanges it for a token. */
    @GET
    @Path("login/callback")
    public TemplateInstance callback() {
        return Templates.callback(page("callback", "Logging in"));
    }

    @GET
    @Path("runs")
    public TemplateInstance runs() {
        return Templates.runs(page("runs", "Runs"));
    }

    @GET
    @Path("runs/{id}")
    public TemplateInstance run(@RestPath String id) {
        return Templates.run(page("run", "Run"), id);
    }

    @GET
    @Path("compare")
    public TemplateInstance compare() {
        return Templates.compare(page("compare", "Compare runs"));
    }

    @GET
    @Path("studies")
    public TemplateInstance studies() {
        return Templates.studies(page("studies", "Studies"));
    }

    @GET
    @Path("studies/{id}")
    public TemplateInstance study(@RestPath String id) {
        return Templates.study(page("study", "Study"), id);
    }

    @GET
    @Path("models")
    public TemplateInstance models() {
        return Templates.models(page("models", "Models"));
    }

    @GET
    @Path("models/{name}")
    public TemplateInstance model(@RestPath String name) {
        return Templates.model(page("model", "Model " + name), name);
    }

    @GET
    @Path("models/{name}/versions/{version}/inside")
    public TemplateInstance inside(@RestPath String name, @RestPath String version) {
        return Templates.inside(page("inside", "Inside " + name + " v" + version), name, version);
    }

    @GET
    @Path("playground")
    public TemplateInstance playground() {
        return Templates.playground(page("playground", "Playground"));
    }

    @GET
    @Path("datasets")
    public TemplateInstance datasets() {
        return Templates.datasets(page("datasets", "Data sets"));
    }
}
