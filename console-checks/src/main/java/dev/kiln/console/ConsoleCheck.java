package dev.kiln.console;

import static dev.kiln.infra.stack.StackHttp.JSON;
import static dev.kiln.infra.stack.StackHttp.awaitJson;
import static dev.kiln.infra.stack.StackHttp.getBytes;
import static dev.kiln.infra.stack.StackHttp.post;
import static dev.kiln.infra.stack.StackHttp.token;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.infra.keycloak.LocalKeycloak;
import dev.kiln.infra.stack.StackHttp;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * {@code ./kiln check-console}: the web console in a real headless Chromium against the running stack. With the
 * local Keycloak it first logs a realm user in through the login page's button (Keycloak's own form, back to the
 * console with that user's token, the runs list loaded with it) and out again. Then it logs in with the stack's
 * token, follows a run it submits live (the chart gains each epoch within seconds, one point per
 * epoch, without a reload), compares the confusion heatmap's cells with the API's matrix, checks the misclassified
 * gallery, the study page's best trial, the playground's answer to a drawn digit and a data set version's sample
 * images, and on every page: no error in the browser console, every control and picture labelled, no horizontal
 * scrolling at a laptop's width. Screenshots of each page go to the directory given. Exit status 1, with every
 * problem listed, when anything fails.
 *
 * <p>Arguments: the gateway's URL, the inference service's, the demo's registered model, the run spec to train live, the screenshot
 * directory; with a local Keycloak also its issuer URL and its home (the users' passwords).
 */
public final class ConsoleCheck {

    /** How long the chart may lag behind the API after an epoch is stored. */
    private static final Duration LIVE_LAG = Duration.ofSeconds(10);

    /** The realm user who logs in through Keycloak: a viewer (the least a runs list needs) of the default project. */
    private static final String OIDC_USER = "carol";

    private final String gateway;
    private final String inference;
    private final ConsoleBrowser browser;
    private final List<String> problems = new ArrayList<>();

    private ConsoleCheck(String gateway, String inference, ConsoleBrowser browser) {
        this.gateway = gateway;
        this.inference = inference;
        this.browser = browser;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5 && args.length != 7) {
            System.err.println("usage: ConsoleCheck GATEWAY_URL INFERENCE_URL DEMO_MODEL SPEC.json SCREENSHOT_DIR"
                    + " [KEYCLOAK_ISSUER KEYCLOAK_HOME]");
            System.exit(2);
        }
        String gateway = args[0];
        Path screenshots = Path.of(args[4]);
        List<String> problems;
        try (ConsoleBrowser browser = new ConsoleBrowser(gateway, screenshots)) {
            ConsoleCheck check = new ConsoleCheck(gateway, args[1], browser);
            try {
                if (args.length == 7) {
                    check.loginWithKeycloak(args[5], Path.of(args[6]));
                } else {
                    step("Login with the identity provider: skipped, the stack runs without Keycloak"
                            + " (KILN_OIDC=keycloak ./kiln up starts one)");
                }
                check.run(args[2], Path.of(args[3]));
            } catch (WebDriverException e) {
                // A page that never showed what a step waited for ends the check; its screenshot shows why.
                check.problems.add(e.getMessage().lines().findFirst().orElse(e.toString()) + " (screenshot: "
                        + browser.screenshot("failed") + ")");
            }
            problems = check.problems;
        }
        if (!problems.isEmpty()) {
            System.err.println("FAILED: the console check found " + problems.size() + " problem(s):");
            problems.forEach(problem -> System.err.println("  - " + problem));
            System.exit(1);
        }
        System.out.println("The console passed in Chromium: screenshots in " + screenshots);
    }

    private void run(String demoModel, Path spec) throws Exception {
        login();
        keyboard();
        String runId = submit(spec);
        followLive(runId);
        JsonNode run = get("/api/v1/runs/" + runId);
        heatmap(run.path("result"));
        gallery(runId);
        trainingBatch(runId);
        pageDone("run");
        compare(runId);
        study();
        models(demoModel);
        inside(demoModel, runId);
        playground(demoModel);
        datasets();
    }

    /**
     * The login page's "Log in with Keycloak": Keycloak's own form filled in as a realm user, back through the
     * callback to the page first asked for, with that user's access token in the tab (not the stack's API token), the
     * runs list loaded with it; then the log-out, which ends the Keycloak session too (the next login asks again).
     */
    private void loginWithKeycloak(String issuer, Path keycloakHome) throws Exception {
        step("Login with the identity provider: " + OIDC_USER + " through Keycloak's form (" + issuer + "), then out");
        browser.open("/console/runs");
        browser.await(Duration.ofSeconds(10), d -> d.getCurrentUrl().contains("/console/login"), "the login page");
        List<WebElement> button = browser.driver().findElements(By.id("idp-login-button"));
        if (button.isEmpty()) {
            problems.add("the login page offers no identity provider although Keycloak runs (was the gateway started"
                    + " with KILN_OIDC=keycloak?)");
            return;
        }
        button.get(0).click();
        browser.await(Duration.ofSeconds(20), d -> !d.findElements(By.id("kc-login")).isEmpty(),
                "Keycloak's login form");
        // What Keycloak's own pages log is Keycloak's business; the console's pages are checked from here on.
        browser.consoleErrors();
        browser.driver().findElement(By.id("username")).sendKeys(OIDC_USER);
        browser.driver().findElement(By.id("password")).sendKeys(LocalKeycloak.password(keycloakHome, OIDC_USER));
        browser.driver().findElement(By.id("kc-login")).click();
        browser.await(Duration.ofSeconds(20), d -> d.getCurrentUrl().equals(gateway + "/console/runs")
                && !d.findElements(By.cssSelector("#runs-table tbody tr")).isEmpty(),
                "the runs list after logging in through Keycloak");
        String user = browser.script("const t = sessionStorage.getItem('kiln.token') || '';"
                + " try { return JSON.parse(atob(t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')))"
                + ".preferred_username; } catch (e) { return 'not a JWT: ' + t.slice(0, 8); }");
        if (!OIDC_USER.equals(user)) {
            problems.add("after the login through Keycloak the console holds a token of " + user + ", not of "
                    + OIDC_USER);
        }
        System.out.println("   back on the runs list as " + user + ", with her token: "
                + browser.driver().findElements(By.cssSelector("#runs-table tbody tr")).size() + " run(s) listed");
        pageDone("runs-keycloak");
        browser.driver().findElement(By.id("logout")).click();
        browser.await(Duration.ofSeconds(20), d -> d.getCurrentUrl().startsWith(gateway + "/console/login")
                && browser.script("return sessionStorage.getItem('kiln.token')") == null, "the login page, logged out");
        browser.driver().findElement(By.id("idp-login-button")).click();
        browser.await(Duration.ofSeconds(20), d -> !d.findElements(By.id("kc-login")).isEmpty(),
                "Keycloak's login form again (its session ended with the log-out)");
        browser.consoleErrors();
        System.out.println("   logged out: the token is gone and Keycloak asks for the password again");
    }

    private void login() {
        step("Login: the runs page sends an unknown visitor to log in; the token opens it");
        browser.open("/console/runs");
        browser.await(Duration.ofSeconds(10), d -> d.getCurrentUrl().contains("/console/login"), "the login page");
        pageDone("login");
        browser.driver().findElement(By.id("token")).sendKeys(token());
        browser.driver().findElement(By.cssSelector("#login-form button[type=submit]")).click();
        browser.await(Duration.ofSeconds(15), d -> d.getCurrentUrl().endsWith("/console/runs")
                && !d.findElements(By.cssSelector("#runs-table tbody tr")).isEmpty(), "the runs list after login");
        pageDone("runs");
    }

    /**
     * The keyboard alone: from the top of a page, Tab reaches the skip link and Enter moves to the content; a run
     * ticked with the space bar stays ticked, and keeps the focus, through the list's refreshes.
     */
    private void keyboard() throws InterruptedException {
        step("Keyboard: the skip link, then a run ticked with the space bar through the list's refreshes");
        browser.open("/console/runs");
        browser.await(Duration.ofSeconds(15), d -> !d.findElements(By.cssSelector("#runs-table tbody tr")).isEmpty(),
                "the runs list");
        new Actions(browser.driver()).sendKeys(Keys.TAB).perform();
        if (!"skip".equals(browser.script("return document.activeElement.className"))) {
            problems.add("the first Tab on the runs page does not reach the skip link");
        }
        new Actions(browser.driver()).sendKeys(Keys.ENTER).perform();
        if (!"main".equals(browser.script("return document.activeElement.id"))) {
            problems.add("the skip link does not move the focus to the page's content");
        }
        WebElement box = browser.driver().findElement(By.cssSelector("#runs-table tbody tr input[type=checkbox]"));
        String run = box.findElement(By.xpath("ancestor::tr")).getDomAttribute("data-run-id");
        box.sendKeys(Keys.SPACE);
        Thread.sleep(4_000); // longer than the list's refresh
        Boolean kept = browser.script("const a = document.activeElement; return a.type === 'checkbox' && a.checked"
                + " && a.closest('tr').dataset.runId === arguments[0]", run);
        if (!Boolean.TRUE.equals(kept)) {
            problems.add("a run ticked with the space bar lost its tick or the focus when the list refreshed");
        }
        System.out.println("   Tab, Enter: skip link to the content; Space ticked run " + run.substring(0, 8)
                + ", still ticked and focused after a refresh");
    }

    private String submit(Path specFile) throws Exception {
        ObjectNode spec = (ObjectNode) JSON.readTree(Files.readString(specFile));
        ObjectNode request = JSON.createObjectNode();
        request.set("spec", spec);
        request.put("experiment", "console-check");
        HttpResponse<String> created = post(gateway + "/api/v1/runs", JSON.writeValueAsString(request));
        if (created.statusCode() != 202) {
            throw new IllegalStateException("submitting " + specFile + " answered " + created.statusCode() + ": "
                    + created.body());
        }
        String id = JSON.readTree(created.body()).path("id").asText();
        step("A run (" + specFile + ", " + spec.path("epochs").asInt() + " epochs) followed live on its page: run "
                + id);
        return id;
    }

    /** Every epoch the API stores must reach the chart within {@link #LIVE_LAG}, without the page reloading. */
    private void followLive(String runId) throws Exception {
        browser.open("/console/runs/" + runId);
        browser.script("window.kilnCheckMarker = 'not reloaded'");
        int seen = 0;
        long worstLagMillis = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(6).toNanos();
        JsonNode run = get("/api/v1/runs/" + runId);
        while (!Set.of("SUCCEEDED", "FAILED", "CANCELLED").contains(run.path("status").asText())) {
            if (System.nanoTime() > deadline) {
                problems.add("run " + runId + " did not finish within 6 minutes");
                return;
            }
            int stored = get("/api/v1/runs/" + runId + "/metrics").size();
            if (stored > seen) {
                long start = System.nanoTime();
                try {
                    browser.await(LIVE_LAG, d -> chartPoints("chart-loss") >= stored, "epoch " + stored
                            + " on the loss chart");
                } catch (RuntimeException e) {
                    problems.add("the run page's chart did not show epoch " + stored + " within "
                            + LIVE_LAG.toSeconds() + " s of the API storing it (it shows " + chartPoints("chart-loss")
                            + ")");
                }
                worstLagMillis = Math.max(worstLagMillis, (System.nanoTime() - start) / 1_000_000);
                seen = stored;
                System.out.println("   epoch " + stored + ": on the chart " + ((System.nanoTime() - start) / 1_000_000)
                        + " ms after the API had it");
            }
            Thread.sleep(200);
            run = get("/api/v1/runs/" + runId);
        }
        if (!"SUCCEEDED".equals(run.path("status").asText())) {
            problems.add("the live run " + runId + " ended " + run.path("status").asText() + ": "
                    + run.path("failureReason").asText());
            return;
        }
        int epochs = run.path("epochsDone").asInt();
        browser.await(LIVE_LAG, d -> chartPoints("chart-loss") == epochs && chartPoints("chart-accuracy") == epochs
                && chartPoints("chart-rate") == epochs, "one point per epoch on each chart");
        Object marker = browser.script("return window.kilnCheckMarker");
        if (!"not reloaded".equals(marker)) {
            problems.add("the run page reloaded while the run trained");
        }
        browser.await(Duration.ofSeconds(20), d -> d.findElement(By.id("result-section")).isDisplayed(),
                "the test result on the run page");
        System.out.println("   " + epochs + " epochs, one point each on the loss, accuracy and learning-rate charts;"
                + " worst lag " + worstLagMillis + " ms; the page never reloaded");
    }

    private int chartPoints(String canvasId) {
        Number points = browser.script("const c = Chart.getChart(document.getElementById(arguments[0]));"
                + " return c ? c.data.datasets[0].data.length : -1", canvasId);
        return points.intValue();
    }

    /** Each cell against the API's matrix: the counts, then normalised by row and by column. */
    private void heatmap(JsonNode result) {
        step("The confusion heatmap against the API's matrix");
        JsonNode matrix = result.path("confusion");
        int classes = result.path("classes").size();
        List<WebElement> cells = browser.driver().findElements(By.cssSelector("#confusion tbody td"));
        if (cells.size() != classes * classes) {
            problems.add("the heatmap has " + cells.size() + " cells for " + classes + " classes");
            return;
        }
        long[] rowSums = new long[classes];
        long[] columnSums = new long[classes];
        for (int i = 0; i < classes; i++) {
            for (int j = 0; j < classes; j++) {
                rowSums[i] += matrix.get(i).get(j).asLong();
                columnSums[j] += matrix.get(i).get(j).asLong();
            }
        }
        for (String mode : List.of("counts", "row", "column")) {
            browser.driver().findElement(By.cssSelector("input[name=confusion-mode][value=" + mode + "]")).click();
            browser.await(Duration.ofSeconds(5), d -> mode.equals(d.findElement(By.id("confusion"))
                    .getDomAttribute("data-mode")), "the heatmap in mode " + mode);
            int wrong = 0;
            for (WebElement cell : browser.driver().findElements(By.cssSelector("#confusion tbody td"))) {
                int i = Integer.parseInt(cell.getDomAttribute("data-row"));
                int j = Integer.parseInt(cell.getDomAttribute("data-column"));
                long count = matrix.get(i).get(j).asLong();
                double expected = switch (mode) {
                    case "row" -> rowSums[i] == 0 ? 0 : (double) count / rowSums[i];
                    case "column" -> columnSums[j] == 0 ? 0 : (double) count / columnSums[j];
                    default -> count;
                };
                if (Math.abs(Double.parseDouble(cell.getText()) - expected) > 0.0051) {
                    wrong++;
                }
            }
            if (wrong > 0) {
                problems.add(wrong + " heatmap cells differ from the API's matrix in mode " + mode);
            }
        }
        browser.driver().findElement(By.cssSelector("input[name=confusion-mode][value=row]")).click();
        System.out.println("   " + classes + " x " + classes + " cells match the API in counts, by row and by column");
    }

    private void gallery(String runId) throws Exception {
        step("The misclassified gallery");
        JsonNode examples = get("/api/v1/runs/" + runId + "/misclassified");
        if (examples.isEmpty()) {
            problems.add("the API recorded no misclassified test image for run " + runId
                    + " (a perfect score on the test set?)");
            return;
        }
        browser.await(Duration.ofSeconds(20), d -> d.findElements(By.cssSelector("#misclassified figure.example"))
                .size() == examples.size(), examples.size() + " misclassified images in the gallery");
        Number loaded = browser.script("return [...document.querySelectorAll('#misclassified img')]"
                + ".filter(i => i.complete && i.naturalWidth > 0).length");
        if (loaded.intValue() != examples.size()) {
            problems.add("only " + loaded + " of the " + examples.size() + " misclassified images loaded");
        }
        for (WebElement figure : browser.driver().findElements(By.cssSelector("#misclassified figure.example"))) {
            if (figure.getDomAttribute("data-truth").equals(figure.getDomAttribute("data-prediction"))) {
                problems.add("the gallery shows a correctly classified image: " + figure.getText());
            }
        }
        browser.script("document.getElementById('misclassified-title').scrollIntoView()");
        System.out.println("   " + examples.size() + " images shown, each with a truth other than its prediction");
    }

    /** The first training batch, as stored and augmented, beside each other. */
    private void trainingBatch(String runId) throws Exception {
        step("One training batch, before and after augmentation");
        JsonNode batch = get("/api/v1/runs/" + runId + "/training-batch");
        int expected = batch.path("images").size() * (batch.path("augmented").asBoolean() ? 2 : 1);
        browser.await(Duration.ofSeconds(20), d -> ((Number) browser.script("return [...document.querySelectorAll("
                + "'#training-batch img')].filter(i => i.complete && i.naturalWidth > 0).length")).intValue()
                == expected, expected + " training images loaded");
        System.out.println("   " + batch.path("images").size() + " images" + (batch.path("augmented").asBoolean()
                ? ", each beside its augmented form" : ""));
    }

    private void compare(String runId) throws Exception {
        step("Compare: this run's curves against a run of another model and data set");
        String model = get("/api/v1/runs/" + runId).path("spec").path("model").asText();
        // Another model on another data set: many fields differ, digests among them.
        String other = StreamSupport.stream(get("/api/v1/runs?status=SUCCEEDED&limit=50").spliterator(), false)
                .filter(r -> !r.path("spec").path("model").asText().equals(model))
                .map(r -> r.path("id").asText()).findFirst().orElse(null);
        if (other == null) {
            problems.add("no succeeded run of a model other than " + model + " to compare with (the demo's study has some)");
            return;
        }
        browser.open("/console/compare?runs=" + runId + "," + other);
        browser.await(Duration.ofSeconds(20), d -> chartDatasetsWithPoints("compare-accuracy") == 2,
                "two runs' curves on the comparison chart");
        browser.await(Duration.ofSeconds(10), d -> !d.findElements(By.cssSelector("#spec-diff tr.differs")).isEmpty(),
                "the specs' differing fields marked");
        pageDone("compare");
    }

    private int chartDatasetsWithPoints(String canvasId) {
        Number n = browser.script("const c = Chart.getChart(document.getElementById(arguments[0]));"
                + " return c ? c.data.datasets.filter(d => d.data.length > 0).length : -1", canvasId);
        return n.intValue();
    }

    private void study() throws Exception {
        step("Studies: the list, then the demo's study with its best trial marked");
        browser.open("/console/studies");
        browser.await(Duration.ofSeconds(15), d -> !d.findElements(By.cssSelector("#studies-table tbody tr"))
                .isEmpty(), "a study in the list");
        pageDone("studies");
        JsonNode studies = get("/api/v1/studies?limit=20");
        JsonNode study = StreamSupport.stream(studies.spliterator(), false)
                .filter(s -> s.hasNonNull("bestTrial")).findFirst().orElse(null);
        if (study == null) {
            problems.add("no study with a best trial (the demo's study)");
            return;
        }
        browser.open("/console/studies/" + study.path("id").asText());
        browser.await(Duration.ofSeconds(20), d -> !d.findElements(By.cssSelector("#study-report tr.best")).isEmpty(),
                "the best trial marked in the report");
        String marked = browser.driver().findElement(By.cssSelector("#study-report tr.best")).getDomAttribute(
                "data-trial");
        if (!study.path("bestTrial").asText().equals(marked)) {
            problems.add("the study page marks trial " + marked + " best, the API trial " + study.path("bestTrial"));
        }
        browser.await(Duration.ofSeconds(20), d -> chartDatasetsWithPoints("trial-curves") > 0,
                "the trials' curves");
        System.out.println("   trial #" + marked + " marked best, as the API says");
        pageDone("study");
    }

    private void models(String demoModel) throws Exception {
        step("Models: the list, then " + demoModel + " with its versions, rollouts, replicas and promotion timeline");
        browser.open("/console/models");
        browser.await(Duration.ofSeconds(15), d -> !d.findElements(By.cssSelector("#models-table tbody tr")).isEmpty(),
                "a model in the list");
        pageDone("models");
        JsonNode model = get("/api/v1/models/" + demoModel);
        browser.open("/console/models/" + demoModel);
        browser.await(Duration.ofSeconds(15), d -> d.findElements(By.cssSelector("#versions-table tbody tr")).size()
                == model.path("versions").size(), model.path("versions").size() + " versions listed");
        browser.await(Duration.ofSeconds(15), d -> !d.findElement(By.id("serving")).getText().isBlank(),
                "what the inference service serves");
        // The stack's inference service recorded its champion with the LOADED event (and heartbeats since): the
        // replicas table lists it live, serving the champion, as GET .../replicas does.
        int champion = model.path("aliases").path("champion").asInt();
        JsonNode replicas = awaitJson(gateway + "/api/v1/models/" + demoModel + "/replicas",
                body -> !liveReplicasServing(body, champion).isEmpty(), Duration.ofSeconds(60),
                "a live replica serving " + demoModel + " v" + champion);
        Set<String> fromApi = liveReplicasServing(replicas, champion);
        String served = ".served-version[data-alias='champion'][data-version='" + champion + "']";
        browser.await(Duration.ofSeconds(15), d -> !liveRowsServing(d.findElements(By.cssSelector(
                "#replicas-table tbody tr[data-live='true']")), served).isEmpty(),
                "a live replica serving the champion v" + champion + " in the replicas table");
        Set<String> onPage = liveRowsServing(browser.driver().findElements(By.cssSelector(
                "#replicas-table tbody tr[data-live='true']")), served);
        if (!onPage.containsAll(fromApi)) {
            problems.add("the replicas table lists " + onPage + " live serving v" + champion + ", the API " + fromApi);
        }
        System.out.println("   " + fromApi.size() + " live replica(s) serving the champion v" + champion + ": "
                + fromApi);
        // The rollouts table: a row per rollout the API lists, or the line that says new champions go out at once.
        int rollouts = get("/api/v1/models/" + demoModel + "/rollouts").size();
        browser.await(Duration.ofSeconds(15), d -> rollouts == 0
                ? d.findElement(By.cssSelector("#rollouts-table tbody")).getText().contains("No rollout yet")
                : d.findElements(By.cssSelector("#rollouts-table tbody tr[data-key]")).size() == rollouts,
                rollouts + " rollout(s) in the rollouts table");
        pageDone("model");
        rollouts();
    }

    /**
     * The page of a model that had rollouts (the demo's guarded rollout: one completed, one rolled back), if the stack
     * has one: a row per rollout, in the API's order, each with its state and reason.
     */
    private void rollouts() throws Exception {
        for (JsonNode model : get("/api/v1/models")) {
            String name = model.path("name").asText();
            JsonNode rollouts = get("/api/v1/models/" + name + "/rollouts");
            if (rollouts.isEmpty()) {
                continue;
            }
            browser.open("/console/models/" + name);
            browser.await(Duration.ofSeconds(15), d -> d.findElements(By.cssSelector("#rollouts-table tbody tr[data-key]"))
                    .size() == rollouts.size(), rollouts.size() + " rollouts of " + name + " listed");
            List<WebElement> rows = browser.driver().findElements(By.cssSelector("#rollouts-table tbody tr[data-key]"));
            for (int i = 0; i < rows.size(); i++) {
                JsonNode rollout = rollouts.get(i);
                WebElement row = rows.get(i);
                if (!rollout.path("id").asText().equals(row.getAttribute("data-key"))
                        || !rollout.path("state").asText().equals(row.getAttribute("data-state"))
                        || !row.getText().contains(rollout.path("reason").asText(""))) {
                    problems.add("rollouts table row " + i + " of " + name + " is '" + row.getText() + "', the API "
                            + rollout);
                }
            }
            System.out.println("   " + name + ": " + rows.size() + " rollout(s) listed as the API has them");
            pageDone("model-rollouts");
            return;
        }
        System.out.println("   no model of the stack had a rollout to show");
    }

    /** The replicas (data-key) of the table's rows that hold an element matching {@code served}. */
    private static Set<String> liveRowsServing(List<WebElement> rows, String served) {
        return rows.stream().filter(r -> !r.findElements(By.cssSelector(served)).isEmpty())
                .map(r -> r.getAttribute("data-key")).collect(Collectors.toSet());
    }

    /** The ids of the live replicas that have the version LOADED as the champion. */
    private static Set<String> liveReplicasServing(JsonNode replicas, int version) {
        return StreamSupport.stream(replicas.spliterator(), false).filter(r -> r.path("live").asBoolean())
                .filter(r -> StreamSupport.stream(r.path("versions").spliterator(), false).anyMatch(v ->
                        v.path("version").asInt() == version && "champion".equals(v.path("alias").asText())
                                && "LOADED".equals(v.path("state").asText())))
                .map(r -> r.path("id").asText()).collect(Collectors.toSet());
    }

    /**
     * The champion's first-layer filters, then the feature maps and saliency of an image file chosen on the page: one
     * of the live run's misclassified test images.
     */
    private void inside(String demoModel, String runId) throws Exception {
        int champion = get("/api/v1/models/" + demoModel).path("aliases").path("champion").asInt();
        step("Inside " + demoModel + " v" + champion + ": filters, feature maps and saliency of a test image file");
        String image = get("/api/v1/runs/" + runId + "/misclassified").get(0).path("image").asText();
        Path file = Files.createTempFile("kiln-console-probe", ".png");
        Files.write(file, getBytes(gateway + image).body());
        int filters = awaitJson(inference + "/api/v1/models/" + demoModel + "/versions/" + champion + "/filters",
                body -> true, Duration.ofSeconds(30), "the filters").path("outChannels").asInt();
        browser.open("/console/models/" + demoModel + "/versions/" + champion + "/inside");
        browser.await(Duration.ofSeconds(20), d -> d.findElements(By.cssSelector("#filters canvas")).size() == filters,
                filters + " filters drawn");
        browser.driver().findElement(By.id("probe-file")).sendKeys(file.toString());
        browser.await(Duration.ofSeconds(30), d -> !d.findElements(By.cssSelector("#feature-maps .maps canvas"))
                .isEmpty() && d.findElement(By.id("saliency")).getDomAttribute("data-label") != null,
                "feature maps and the saliency of the first misclassified test image");
        System.out.println("   " + filters + " filters, " + browser.driver().findElements(By.cssSelector(
                "#feature-maps .maps canvas")).size() + " feature maps; saliency for '"
                + browser.driver().findElement(By.id("saliency")).getDomAttribute("data-label") + "'");
        pageDone("inside");
    }

    private void playground(String demoModel) throws Exception {
        step("Playground: a digit drawn on the pad, classified by " + demoModel + "'s champion");
        browser.open("/console/playground?model=" + demoModel);
        browser.await(Duration.ofSeconds(15), d -> demoModel.equals(browser.script(
                "return document.getElementById('playground-model').value")), "the model chosen");
        WebElement pad = browser.driver().findElement(By.id("pad"));
        // A "1": one stroke down the middle of the pad.
        new Actions(browser.driver()).moveToElement(pad, 0, -90).clickAndHold().moveByOffset(0, 45).moveByOffset(0, 45)
                .moveByOffset(0, 45).moveByOffset(0, 45).release().perform();
        String label = browser.await(Duration.ofSeconds(20), d -> d.findElement(By.id("prediction-label"))
                .getDomAttribute("data-label"), "a label for the drawn digit");
        JsonNode classes = get("/api/v1/runs/" + get("/api/v1/models/" + demoModel).path("versions").get(0)
                .path("runId").asText()).path("result").path("classes");
        if (StreamSupport.stream(classes.spliterator(), false).noneMatch(c -> c.asText().equals(label))) {
            problems.add("the playground answered '" + label + "', not one of the model's classes " + classes);
        }
        int bars = browser.driver().findElements(By.cssSelector("#prediction-bars li")).size();
        System.out.println("   the drawn digit is a '" + label + "' (" + bars + " classes as bars)");
        pageDone("playground");
    }

    /**
     * The data sets page: a READY version's report with its sample images, class by class, each named by its class;
     * a version with samples is preferred (every version a trainer of this Kiln validated has them). A stack whose
     * versions were all validated before samples were recorded shows the page saying so instead.
     */
    private void datasets() throws Exception {
        step("Data sets: a READY version's report and its sample images, class by class");
        browser.open("/console/datasets");
        browser.await(Duration.ofSeconds(15), d -> !d.findElements(By.cssSelector("#datasets-table tbody tr"))
                .isEmpty(), "the data set table");
        String chosen = null;
        JsonNode samples = null;
        for (JsonNode dataset : get("/api/v1/datasets")) {
            for (JsonNode version : dataset.path("versions")) {
                if (samples != null || !version.path("status").asText().equals("READY")) {
                    continue;
                }
                String ref = dataset.path("name").asText() + "@" + version.path("version").asInt();
                chosen = chosen == null ? ref : chosen;
                HttpResponse<String> listed = StackHttp.get(gateway + "/api/v1/datasets/" + dataset.path("name")
                        .asText() + "/versions/" + version.path("version").asInt() + "/samples");
                if (listed.statusCode() == 200) {
                    chosen = ref;
                    samples = JSON.readTree(listed.body());
                }
            }
        }
        if (chosen == null) {
            problems.add("no READY data set version to show (the demo's data sets are validated before it trains)");
            pageDone("datasets");
            return;
        }
        browser.driver().findElement(By.cssSelector("#datasets-table tr[data-key='" + chosen + "'] button")).click();
        if (samples == null) {
            browser.await(Duration.ofSeconds(15), d -> d.findElement(By.id("dataset-samples-info")).getText()
                    .contains("validated before"), "the page saying " + chosen + " has no sample images");
            System.out.println("   " + chosen + ": no sample images recorded (validated before Kiln recorded them)");
        } else {
            int expected = samples.size();
            browser.await(Duration.ofSeconds(20), d -> ((Number) browser.script("return [...document.querySelectorAll("
                    + "'#dataset-samples img')].filter(i => i.complete && i.naturalWidth > 0).length")).intValue()
                    == expected, expected + " sample images of " + chosen + " loaded");
            List<String> labels = StreamSupport.stream(samples.spliterator(), false).map(s -> s.path("label").asText())
                    .toList();
            List<String> alts = browser.driver().findElements(By.cssSelector("#dataset-samples img")).stream()
                    .map(img -> img.getDomAttribute("alt")).toList();
            if (!alts.equals(labels)) {
                problems.add("the sample images of " + chosen + " are named " + alts + ", not by their classes "
                        + labels);
            }
            long classes = labels.stream().distinct().count();
            int groups = browser.driver().findElements(By.cssSelector("#dataset-samples [role=group] h4")).size();
            if (groups != classes) {
                problems.add("the sample images of " + chosen + " are in " + groups + " groups, not one per class ("
                        + classes + ")");
            }
            browser.script("document.getElementById('dataset-samples-title').scrollIntoView()");
            System.out.println("   " + chosen + ": " + expected + " sample images in " + classes + " classes");
        }
        pageDone("datasets");
    }

    /** What every page must meet; then its screenshot. */
    private void pageDone(String page) {
        for (String error : browser.consoleErrors()) {
            problems.add(page + " page: browser console error: " + error);
        }
        for (String control : browser.unlabelled()) {
            problems.add(page + " page: nothing names this for a screen reader: " + control);
        }
        if (!browser.fitsWidth()) {
            problems.add(page + " page: wider than a laptop screen (" + ConsoleBrowser.LAPTOP.width + " px)");
        }
        System.out.println("   " + page + " page: screenshot " + browser.screenshot(page));
    }

    private JsonNode get(String path) throws Exception {
        return awaitJson(gateway + path, body -> true, Duration.ofSeconds(30), "GET " + path);
    }

    private static void step(String what) {
        System.out.println(what);
    }
}
