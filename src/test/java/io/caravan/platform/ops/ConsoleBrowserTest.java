package io.caravan.platform.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.platform.broker.DeadLetters;
import io.caravan.support.Broker;
import io.caravan.support.CaravanTest;
import io.caravan.support.Tokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The operations console in a real browser: Debian's {@code chromium}, headless, driven through its
 * {@code chromedriver} (both from apt; {@code .ci/run} installs them). An operator signs in, sees a poison
 * message the test put on {@code chat_history} appear in {@code chat_history.dlq} with its reason, replays a
 * fixed dead letter and finds its row in PostgreSQL, deletes the poison one; with a non-admin token the
 * same actions are refused (403) on the page. Screenshots of the three views go to
 * {@code target/console-*.png}.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ConsoleBrowserTest extends CaravanTest {

    private static final String QUEUE = "chat_history";
    private static final String DLQ = "chat_history.dlq";
    private static final Duration WITHIN = Duration.ofSeconds(30);
    private static final String CHROMIUM = System.getenv().getOrDefault("CHROMIUM_BIN", "/usr/bin/chromium");
    private static final String CHROMEDRIVER = System.getenv().getOrDefault("CHROMEDRIVER_BIN", "/usr/bin/chromedriver");

    static ChromeDriver browser;

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ObjectMapper json;

    String user;

    @BeforeAll
    static void startBrowser() {
        assertThat(new File(CHROMIUM).canExecute()).as("Debian's chromium (apt-get install chromium chromium-driver; .ci/run does)").isTrue();
        assertThat(new File(CHROMEDRIVER).canExecute()).as("Debian's chromedriver (apt-get install chromium-driver)").isTrue();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1440,1000", "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        user = "console-" + UUID.randomUUID();
        Broker.purge(DLQ);
        browser.manage().deleteAllCookies();
    }

    @Test
    void anOperatorSeesAPoisonMessageWithItsReasonReplaysAFixedOneIntoPostgresAndDeletesThePoisonOne() throws Exception {
        String poison = "poison-" + user;
        String fixed = "fixed-" + user;

        // a wrong password gets nowhere; the console login does
        browser.get(base() + "/console?refresh=1");
        assertThat(browser.getCurrentUrl()).contains("/login");
        signIn("console-admin", "not-the-password");
        assertThat(browser.getCurrentUrl()).contains("/login").contains("error");
        browser.get(base() + "/console?refresh=1");
        signIn("console-admin", "console-password-for-tests");
        assertThat(browser.getCurrentUrl()).contains("/console");

        // Flows: each flow with its doors, queues and counts
        WebElement chatFlow = waitFor(By.id("flow-chat-history"));
        assertThat(chatFlow.getText()).contains("POST", "/chat", "chat_history", "chat-history");
        waitFor(By.id("flow-commerce-events"));

        // a poison message on the work queue, and a dead letter whose cause has since been fixed
        Broker.publish("", QUEUE, "{not json".getBytes(StandardCharsets.UTF_8), Broker.json(poison));
        publishDeadLetter(fixed, validBody(fixed), "transient", "Connection refused (PostgreSQL was down)");

        // Dead letters: both listed with their reasons
        browser.findElement(By.cssSelector("nav a[data-view='dead-letters']")).click();
        click(By.cssSelector("a[data-dlq='" + DLQ + "']"));
        String poisonRow = textOf(By.cssSelector("tr[data-message-id='" + poison + "']"));
        assertThat(poisonRow).contains("poison", QUEUE).containsIgnoringCase("unexpected character");
        assertThat(textOf(By.cssSelector("tr[data-message-id='" + fixed + "']")))
                .contains("transient", "Connection refused (PostgreSQL was down)", "3");
        screenshot("dead-letters");

        // filtered by failure kind, only the poison one is left
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.cssSelector("#filters select[name='failure']")))
                .selectByVisibleText("poison");
        browser.findElement(By.cssSelector("#filters button[type='submit']")).click();
        wait(Duration.ofSeconds(15)).until(d -> d.findElements(By.cssSelector("tr[data-message-id='" + fixed + "']")).isEmpty()
                && !d.findElements(By.cssSelector("tr[data-message-id='" + poison + "']")).isEmpty());
        browser.findElement(By.id("filters-clear")).click();

        // replay the fixed one: asked to confirm, the answer shown, the row stored in PostgreSQL
        click(By.cssSelector("tr[data-message-id='" + fixed + "'] button.replay-one"));
        assertThat(textOf(By.id("confirm-text"))).contains("Replay", fixed);
        browser.findElement(By.id("confirm-ok")).click();
        assertThat(waitForText(By.id("answer"), "Replayed 1")).contains("failed 0", "remaining 1", fixed);
        await().atMost(WITHIN).untilAsserted(() -> assertThat(rowsWithId(fixed)).isEqualTo(1));

        // delete the poison one, after saying no once
        click(By.cssSelector("tr[data-message-id='" + poison + "'] button.delete-one"));
        browser.findElement(By.id("confirm-cancel")).click();
        assertThat(Broker.depth(DLQ)).isEqualTo(1);
        click(By.cssSelector("tr[data-message-id='" + poison + "'] button.delete-one"));
        browser.findElement(By.id("confirm-ok")).click();
        assertThat(waitForText(By.id("answer"), "Deleted 1")).contains("remaining 0", poison);
        await().atMost(WITHIN).untilAsserted(() -> assertThat(Broker.depth(DLQ)).isZero());
        wait(Duration.ofSeconds(15)).until(d -> d.findElements(By.cssSelector("tr[data-message-id]")).isEmpty());

        // Queues: each work queue with its retry ladder and dead-letter queue, the source, the outbox
        browser.findElement(By.cssSelector("nav a[data-view='queues']")).click();
        assertThat(textOf(By.cssSelector("tr.work[data-queue='" + QUEUE + "']"))).contains(QUEUE);
        waitFor(By.cssSelector("tr.retry[data-queue='chat_history.retry.1']"));
        waitFor(By.cssSelector("tr.dead-letter[data-queue='" + DLQ + "']"));
        assertThat(textOf(By.id("queue-source"))).contains("management-api");
        assertThat(textOf(By.id("outbox"))).contains("waiting");
        screenshot("queues");

        // and back on Flows, chat-history's recent counts show what just happened
        browser.findElement(By.cssSelector("nav a[data-view='flows']")).click();
        wait(WITHIN).until(d -> !d.findElement(By.cssSelector("#flow-chat-history .counts .dl b")).getText().equals("0"));
        screenshot("flows");
    }

    @Test
    void aNonAdminTokenIsRefusedOnThePageAndNothingIsReplayed() throws Exception {
        String id = "kept-" + user;
        String binary = "binary-" + user;
        publishDeadLetter(id, validBody(id), "transient", "Connection refused");
        Broker.publish("", QUEUE, new byte[] {(byte) 0x80, (byte) 0x81, (byte) 0xC3, 0x28}, Broker.json(binary));
        browser.get(base() + "/console?refresh=1");
        signIn("console-admin", "console-password-for-tests");
        click(By.cssSelector("nav a[data-view='dead-letters']"));
        click(By.cssSelector("a[data-dlq='" + DLQ + "']"));
        waitFor(By.cssSelector("tr[data-message-id='" + id + "']"));
        // a body that is not text is shown in hex
        assertThat(textOf(By.cssSelector("tr[data-message-id='" + binary + "'] pre.body"))).isEqualTo("80 81 c3 28");

        // the operator switches to a token without the admin role
        browser.findElement(By.cssSelector("#token-box summary")).click();
        browser.findElement(By.id("token-input")).sendKeys(Tokens.of("alice", "user"));
        browser.findElement(By.cssSelector("#token-form button[type='submit']")).click();

        assertThat(waitForText(By.id("problem"), "403")).contains("role");
        click(By.id("replay-all"));
        browser.findElement(By.id("confirm-ok")).click();
        assertThat(waitForText(By.id("answer"), "403")).contains("refused");
        assertThat(Broker.depth(DLQ)).isEqualTo(2);
        assertThat(rowsWithId(id)).isZero();
        screenshot("refused");

        // back to the sign-in: the page works again
        browser.findElement(By.cssSelector("#token-box summary")).click();
        browser.findElement(By.id("token-clear")).click();
        wait(Duration.ofSeconds(15)).until(d -> !d.findElement(By.id("problem")).isDisplayed());
    }

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    private void signIn(String username, String password) {
        waitFor(By.id("username")).sendKeys(username);
        browser.findElement(By.id("password")).sendKeys(password);
        browser.findElement(By.cssSelector("button[type='submit']")).click();
        wait(Duration.ofSeconds(15)).until(d -> !d.getCurrentUrl().endsWith("/login"));
    }

    private static WebDriverWait wait(Duration timeout) {
        WebDriverWait wait = new WebDriverWait(browser, timeout);
        wait.ignoring(StaleElementReferenceException.class).ignoring(org.openqa.selenium.NoSuchElementException.class);
        return wait;
    }

    private static WebElement waitFor(By by) {
        return wait(WITHIN).until(d -> {
            WebElement found = d.findElement(by);
            return found.isDisplayed() ? found : null;
        });
    }

    /** Clicks the element once it is there; the page redraws every second, so it is looked up afresh. */
    private static void click(By by) {
        wait(WITHIN).until(d -> {
            d.findElement(by).click();
            return true;
        });
    }

    private static String textOf(By by) {
        return wait(WITHIN).until(d -> {
            String text = d.findElement(by).getText();
            return text.isBlank() ? null : text;
        });
    }

    private static String waitForText(By by, String part) {
        return wait(WITHIN).until(d -> {
            String text = d.findElement(by).getText();
            return text.contains(part) ? text : null;
        });
    }

    private static void screenshot(String view) throws Exception {
        Path file = Path.of("target", "console-" + view + ".png");
        Files.createDirectories(file.getParent());
        Files.write(file, browser.getScreenshotAs(OutputType.BYTES));
    }

    private String validBody(String id) throws Exception {
        return json.writeValueAsString(Map.of("id", id, "user_id", user, "user_input", "replay me", "bot_response", "ok"));
    }

    private int rowsWithId(String id) {
        return jdbc.queryForObject("SELECT count(*) FROM chat_history WHERE id = ?", Integer.class, id);
    }

    /** A dead letter straight into the DLQ, headed as {@link DeadLetters} heads one after three attempts. */
    private static void publishDeadLetter(String id, String body, String failure, String reason) throws Exception {
        Instant now = Instant.now();
        Map<String, Object> headers = new HashMap<>();
        headers.put(DeadLetters.H_FAILURE, failure);
        headers.put(DeadLetters.H_REASON, reason);
        headers.put(DeadLetters.H_EXCEPTION, "java.net.ConnectException");
        headers.put(DeadLetters.H_ORIGINAL_QUEUE, QUEUE);
        headers.put(DeadLetters.H_ORIGINAL_EXCHANGE, "");
        headers.put(DeadLetters.H_ORIGINAL_ROUTING_KEY, QUEUE);
        headers.put(DeadLetters.H_ATTEMPTS, 3);
        headers.put(DeadLetters.H_FIRST_FAILURE, now.minusSeconds(40).toString());
        headers.put(DeadLetters.H_LAST_FAILURE, now.toString());
        Broker.publish("", DLQ, body.getBytes(StandardCharsets.UTF_8), Broker.json(id).builder().headers(headers).build());
    }
}
