package dev.kiln.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium (Debian's {@code chromium} and {@code chromium-driver}) at a laptop's size, with what the
 * console check asks of every page: its browser-console errors, its unlabelled controls, whether it fits the width,
 * and a screenshot.
 */
final class ConsoleBrowser implements AutoCloseable {

    /** A laptop screen less the browser's own bars. */
    static final Dimension LAPTOP = new Dimension(1366, 800);

    /**
     * Controls and pictures a screen reader could not name: form fields without a label, images without alt text,
     * canvases and SVG pictures without a label. Returns one description per problem.
     */
    private static final String UNLABELLED = """
            const problems = [];
            const named = e => e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')
                || (e.id && document.querySelector('label[for="' + e.id + '"]')) || e.closest('label');
            for (const e of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
              if (!named(e)) problems.push(e.outerHTML.slice(0, 120));
            }
            for (const e of document.querySelectorAll('button')) {
              if (!e.textContent.trim() && !e.getAttribute('aria-label')) problems.push(e.outerHTML.slice(0, 120));
            }
            for (const e of document.querySelectorAll('img')) {
              if (!e.getAttribute('alt')) problems.push(e.outerHTML.slice(0, 120));
            }
            for (const e of document.querySelectorAll('canvas, svg[role=img]')) {
              if (!e.getAttribute('aria-label')) problems.push(e.outerHTML.slice(0, 120));
            }
            return problems;
            """;

    private final WebDriver driver;
    private final String base;
    private final Path screenshots;

    ConsoleBrowser(String base, Path screenshots) throws IOException {
        // Selenium warns that it has no DevTools bindings for this Chromium: the check uses WebDriver only.
        java.util.logging.Logger.getLogger("org.openqa.selenium").setLevel(Level.SEVERE);
        this.base = base;
        this.screenshots = Files.createDirectories(screenshots);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(Path.of(System.getenv().getOrDefault("KILN_CHROMIUM", "/usr/bin/chromium")).toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--user-data-dir=" + Files.createTempDirectory("kiln-console-chromium"),
                "--window-size=" + LAPTOP.width + "," + LAPTOP.height);
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of(System.getenv().getOrDefault("KILN_CHROMEDRIVER",
                        "/usr/bin/chromedriver")).toFile())
                .build();
        driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(LAPTOP);
    }

    WebDriver driver() {
        return driver;
    }

    /** Opens a console path and waits for its script to have started (the page's title set by the layout). */
    void open(String path) {
        driver.get(base + path);
        await(Duration.ofSeconds(20), d -> "complete".equals(script("return document.readyState")), "page " + path);
    }

    @SuppressWarnings("unchecked")
    <T> T script(String code, Object... arguments) {
        return (T) ((JavascriptExecutor) driver).executeScript(code, arguments);
    }

    <T> T await(Duration timeout, Function<WebDriver, T> condition, String what) {
        return new WebDriverWait(driver, timeout, Duration.ofMillis(200))
                .withMessage(() -> what + " within " + timeout.toSeconds() + " s on " + driver.getCurrentUrl()
                        + problemShown())
                .until(condition);
    }

    /** The problem the page shows its user, if any (the layout's alert box). */
    private String problemShown() {
        String shown = script("const p = document.getElementById('problem'); return p && !p.hidden ? p.textContent"
                + " : null");
        return shown == null ? "" : "; the page says: " + shown;
    }

    /** The browser console's errors since the last call (reading them empties the log). */
    List<String> consoleErrors() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage).toList();
    }

    List<String> unlabelled() {
        return script(UNLABELLED);
    }

    /** Whether the page needs no horizontal scrolling at the laptop width. */
    boolean fitsWidth() {
        Number scrollWidth = script("return document.documentElement.scrollWidth");
        Number viewport = script("return window.innerWidth");
        return scrollWidth.intValue() <= viewport.intValue();
    }

    /** The whole page's screenshot as {@code name}.png: the window made as tall as the page for it. */
    Path screenshot(String name) {
        Path file = screenshots.resolve(name + ".png");
        Number height = script("return document.documentElement.scrollHeight");
        driver.manage().window().setSize(new Dimension(LAPTOP.width, Math.min(4000, Math.max(LAPTOP.height,
                height.intValue() + 140))));
        try {
            Files.copy(((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath(), file,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            driver.manage().window().setSize(LAPTOP);
        }
        return file;
    }

    @Override
    public void close() {
        driver.quit();
    }
}
