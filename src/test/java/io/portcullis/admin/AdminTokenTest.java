package io.portcullis.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.app.Gateway;
import io.portcullis.config.ConfigException;
import io.portcullis.config.ConfigLoader;
import io.portcullis.testing.RawHttp;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The admin API's token: a gateway whose token file or configured token is empty or short does not
 * start; the generated file is written whole with mode 0600; and every {@code /api} route, with
 * every method, answers 401 to anything but the right token.
 */
class AdminTokenTest {
    @TempDir
    static Path directory;
    private static Gateway gateway;
    private static String token;

    /** A gateway with no admin.token in its configuration: the token is generated into the data directory. */
    @BeforeAll
    static void start() throws Exception {
        gateway = Gateway.start(ConfigLoader.load(config(directory, "")), directory.resolve("data"));
        token = Files.readString(directory.resolve("data/admin-token"), StandardCharsets.US_ASCII).strip();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static Path config(Path folder, String tokenLine) throws IOException {
        return Files.writeString(folder.resolve("gateway.yaml"), TestGateway.defaultYaml("")
                + "admin:\n  bind: 127.0.0.1:0\n" + tokenLine);
    }

    @Test
    void theGeneratedTokenFileIsWrittenWholeWithMode0600() throws Exception {
        Path file = directory.resolve("data/admin-token");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file, StandardCharsets.US_ASCII)).isEqualTo(token + "\n");
        assertThat(Base64.getUrlDecoder().decode(token)).hasSize(32);
        assertThat(directory.resolve("data/admin-token.tmp")).doesNotExist();
    }

    @Test
    void aTemporaryFileLeftByACrashIsReplacedAndTheTokenKeptAcrossRestarts(@TempDir Path folder) throws Exception {
        Path data = Files.createDirectories(folder.resolve("data"));
        Files.writeString(data.resolve("admin-token.tmp"), "half-writ"); // a crash between create and rename
        String first;
        try (Gateway started = Gateway.start(ConfigLoader.load(config(folder, "")), data)) {
            first = Files.readString(data.resolve("admin-token"), StandardCharsets.US_ASCII).strip();
            assertThat(data.resolve("admin-token.tmp")).doesNotExist();
            assertThat(status(started, "GET", "/api/summary", "Bearer " + first)).isEqualTo(200);
        }
        try (Gateway restarted = Gateway.start(ConfigLoader.load(config(folder, "")), data)) {
            assertThat(Files.readString(data.resolve("admin-token"), StandardCharsets.US_ASCII).strip()).isEqualTo(first);
            assertThat(status(restarted, "GET", "/api/summary", "Bearer " + first)).isEqualTo(200);
        }
    }

    @ParameterizedTest(name = "admin-token holding \"{0}\"")
    @ValueSource(strings = {"", "\n", "   \n", "short-token\n", "fifteen-chars15", "has spaces but is long enough\n",
            "non-ascii-token-\u00e9\u00e9\u00e9\u00e9\n"})
    void anUnusableTokenFileStopsTheStartAndNamesTheFile(String content, @TempDir Path folder) throws Exception {
        Path data = Files.createDirectories(folder.resolve("data"));
        Path file = Files.writeString(data.resolve("admin-token"), content);
        assertThatThrownBy(() -> Gateway.start(ConfigLoader.load(config(folder, "")), data).close())
                .isInstanceOf(IOException.class)
                .hasMessageContaining(file.toAbsolutePath().toString())
                .hasMessageContaining("no usable admin token");
        assertThat(Files.readString(file)).as("the file is left as it was").isEqualTo(content);
        // The failed start released everything: with a good token the same data directory starts.
        Files.writeString(file, "a-token-of-twenty-chars\n");
        try (Gateway started = Gateway.start(ConfigLoader.load(config(folder, "")), data)) {
            assertThat(status(started, "GET", "/api/queue", "Bearer a-token-of-twenty-chars")).isEqualTo(200);
            assertThat(status(started, "GET", "/api/queue", "Bearer ")).isEqualTo(401);
        }
    }

    @ParameterizedTest(name = "admin.token: {0}")
    @ValueSource(strings = {"\"\"", "short", "fifteen-chars15", "\"sixteen chars 16\""})
    void anUnusableConfiguredTokenIsAConfigError(String value, @TempDir Path folder) throws Exception {
        Path file = config(folder, "  token: " + value + "\n");
        int line = (int) Files.readAllLines(file).stream().takeWhile(l -> !l.startsWith("  token:")).count() + 1;
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error).startsWith(file + ":" + line + ": admin.token: ")));
    }

    /** Each /api route with the method it takes and what the right token gets there (the queue is empty). */
    private static final List<Object[]> ROUTES = List.of(
            new Object[] {"/api/queue", List.of("GET", "HEAD"), 200},
            new Object[] {"/api/queue?flow=inbound", List.of("GET", "HEAD"), 200},
            new Object[] {"/api/queue/NOSUCHID0000", List.of("GET", "HEAD"), 404},
            new Object[] {"/api/queue/NOSUCHID0000/hold", List.of("POST"), 409},
            new Object[] {"/api/queue/NOSUCHID0000/bounce", List.of("POST"), 409},
            new Object[] {"/api/queue/actions/retry?flow=inbound", List.of("POST"), 200},
            new Object[] {"/api/reports", List.of("GET", "HEAD"), 200},
            new Object[] {"/api/summary", List.of("GET", "HEAD"), 200},
            new Object[] {"/api/track?hours=1", List.of("GET", "HEAD"), 200},
            new Object[] {"/api/no-such-route", List.of(), 404},
            new Object[] {"/api", List.of(), 404});
    private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");

    static Stream<Arguments> everyRouteMethodAndCredential() {
        List<Arguments> cases = new ArrayList<>();
        for (Object[] route : ROUTES) {
            String path = (String) route[0];
            @SuppressWarnings("unchecked")
            List<String> allowed = (List<String>) route[1];
            int answer = (int) route[2];
            for (String method : METHODS) {
                int right = allowed.isEmpty() ? 404 : allowed.contains(method) ? answer : 405;
                cases.add(Arguments.of(method, path, "no Authorization header", 401));
                cases.add(Arguments.of(method, path, "Bearer wrong-token-0123456789abcdef", 401));
                cases.add(Arguments.of(method, path, "Bearer ", 401));
                cases.add(Arguments.of(method, path, "Bearer", 401));
                cases.add(Arguments.of(method, path, "Bearer \"\"", 401));
                cases.add(Arguments.of(method, path, "Basic " + Base64.getEncoder().encodeToString("admin:x".getBytes()), 401));
                cases.add(Arguments.of(method, path, "Bearer RIGHT-TOKEN-TRUNCATED", 401));
                cases.add(Arguments.of(method, path, "Bearer RIGHT-TOKENx", 401));
                cases.add(Arguments.of(method, path, "BearerRIGHT-TOKEN", 401));
                cases.add(Arguments.of(method, path, "Token RIGHT-TOKEN", 401));
                cases.add(Arguments.of(method, path, "two headers: Bearer RIGHT-TOKEN and Bearer wrong", 401));
                cases.add(Arguments.of(method, path, "Bearer RIGHT-TOKEN", right));
                cases.add(Arguments.of(method, path, "bearer RIGHT-TOKEN", right));
                cases.add(Arguments.of(method, path, "BEARER    RIGHT-TOKEN", right));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} with {2}: {3}")
    @MethodSource("everyRouteMethodAndCredential")
    void everyApiRouteAnswersOnlyTheRightToken(String method, String path, String credential, int expected) throws Exception {
        String authorization = credential.equals("no Authorization header") ? null
                : credential.startsWith("two headers") ? "Bearer " + token + "\r\nAuthorization: Bearer wrong"
                : credential.replace("RIGHT-TOKEN-TRUNCATED", token.substring(0, token.length() - 1))
                        .replace("RIGHT-TOKEN", token);
        try (RawHttp http = RawHttp.connect(gateway.adminAddress().getPort())) {
            http.send(method + " " + path + " HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n"
                    + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n");
            RawHttp.Answer answer = http.readUntilClosed();
            assertThat(answer.statuses()).as(answer.text()).containsExactly(expected);
            if (expected == 401) {
                assertThat(answer.text()).containsIgnoringCase("WWW-Authenticate: Bearer realm=\"portcullis\"");
            }
            assertThat(answer.text()).doesNotContain(token);
        }
        assertThat(gateway.spool().queuedIds()).isEmpty();
    }

    private static int status(Gateway gateway, String method, String path, String authorization) throws IOException {
        return RawHttp.status(gateway.adminAddress().getPort(), method + " " + path + " HTTP/1.1\r\nHost: admin\r\n"
                + "Connection: close\r\nAuthorization: " + authorization + "\r\n\r\n");
    }
}
