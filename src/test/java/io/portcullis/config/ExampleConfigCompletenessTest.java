package io.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code portcullis.example.yaml} is the configuration reference: it loads, and it mentions every
 * key the loader reads (set or in a comment). The keys come from two places, so neither a branch
 * the example does not take nor a key passed through a helper is missed: every key {@link YamlMap}
 * is asked for while loading the example and the embedded default, and every key named as a
 * literal in a getter call in the config readers' source.
 */
class ExampleConfigCompletenessTest {
    private static final Path EXAMPLE = Path.of("portcullis.example.yaml");
    private static final Pattern GETTER = Pattern.compile(
            "\\.(?:string|integer|bool|size|duration|map|list|node|has|requiredString)\\(\\s*\"([a-z][a-z0-9-]*)\"");

    @Test
    void theExampleLoadsAndMentionsEveryKeyTheLoaderReads() throws Exception {
        Set<String> asked = new ConcurrentSkipListSet<>();
        YamlMap.keysAsked = path -> asked.add(path.replaceAll("\\[\\d+]", ""));
        try {
            GatewayConfig example = ConfigLoader.load(EXAMPLE);
            assertThat(example.admin().bind()).as("the example keeps the admin server (and /metrics) on").isNotNull();
            ConfigLoader.embeddedDefault();
        } finally {
            YamlMap.keysAsked = null;
        }
        Set<String> keys = new TreeSet<>();
        asked.forEach(path -> keys.add(path.substring(path.lastIndexOf('.') + 1)));
        keys.addAll(keysInReaderSource());
        assertThat(asked).contains("admin.bind", "tracking.retention", "logging.file.path", "logging.syslog.host");

        String text = Files.readString(EXAMPLE, StandardCharsets.UTF_8);
        Set<String> missing = new TreeSet<>();
        for (String key : keys) {
            if (!Pattern.compile("(?m)(^|[\\s{,#\\[-])" + Pattern.quote(key) + ":").matcher(text).find()) {
                missing.add(key);
            }
        }
        assertThat(missing).as("keys the loader reads that portcullis.example.yaml never mentions").isEmpty();
    }

    @Test
    void theEmbeddedDefaultThatDefaultConfigPrintsIsValid() throws Exception {
        GatewayConfig embedded = ConfigLoader.embeddedDefault();
        assertThat(embedded.listeners()).isNotEmpty();
        Path written = Files.createTempFile("default-config", ".yaml");
        try {
            Files.writeString(written, ConfigLoader.embeddedDefaultText());
            GatewayConfig reread = ConfigLoader.load(written);
            assertThat(reread.listeners()).hasSameSizeAs(embedded.listeners());
        } finally {
            Files.deleteIfExists(written);
        }
    }

    private static Set<String> keysInReaderSource() throws IOException {
        Set<String> keys = new TreeSet<>();
        try (Stream<Path> files = Files.list(Path.of("src/main/java/io/portcullis/config"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher matcher = GETTER.matcher(Files.readString(file, StandardCharsets.UTF_8));
                while (matcher.find()) {
                    keys.add(matcher.group(1));
                }
            }
        }
        assertThat(keys).hasSizeGreaterThan(100);
        return keys;
    }
}
