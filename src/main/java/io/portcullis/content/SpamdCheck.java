package io.portcullis.content;

import io.portcullis.config.CheckConfig;
import io.portcullis.config.ContentStep;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SpamAssassin's spamd over the SPAMC/SPAMD protocol (SYMBOLS, SPAMC/1.5): the score decides,
 * against our thresholds rather than spamd's own (see {@link SpamScore}).
 */
final class SpamdCheck implements ContentCheck {
    private static final Pattern STATUS = Pattern.compile("SPAMD/\\d+\\.\\d+ (\\d+) (.*)");
    private static final Pattern SPAM = Pattern.compile("(?i)Spam:\\s*(True|False|Yes|No)\\s*;\\s*(-?[\\d.]+)\\s*/\\s*(-?[\\d.]+)");

    private final CheckConfig.Spamd config;

    SpamdCheck(CheckConfig.Spamd config) {
        this.config = config;
    }

    @Override
    public boolean owns(HeaderField field) {
        return SpamScore.isScannerField(field.name());
    }

    @Override
    public ContentVerdict check(ContentMessage message, ContentStep step) throws IOException {
        if (message.size() > config.maxSize()) {
            return ContentChain.skipped(step, "larger than max-size");
        }
        double score;
        List<String> symbols;
        try (ScannerConnection connection = ScannerConnection.open(config.endpoint(), step.timeout())) {
            String request = "SYMBOLS SPAMC/1.5\r\nContent-length: " + message.size() + "\r\nUser: portcullis\r\n\r\n";
            connection.out().write(request.getBytes(StandardCharsets.US_ASCII));
            try (InputStream content = message.open()) {
                content.transferTo(connection.out());
            }
            connection.finishRequest();
            String response = new String(connection.in().readNBytes(64 * 1024), StandardCharsets.UTF_8);
            String[] parts = response.split("\r\n\r\n", 2);
            String[] lines = parts[0].split("\r\n");
            Matcher status = STATUS.matcher(lines[0]);
            if (!status.matches()) {
                throw new IOException("spamd answered \"" + lines[0] + "\"");
            }
            if (!status.group(1).equals("0")) {
                throw new IOException("spamd failed: " + status.group(1) + " " + status.group(2));
            }
            Matcher spam = null;
            for (String line : lines) {
                Matcher m = SPAM.matcher(line);
                if (m.find()) {
                    spam = m;
                }
            }
            if (spam == null) {
                throw new IOException("spamd gave no Spam: line");
            }
            score = Double.parseDouble(spam.group(2));
            symbols = new ArrayList<>();
            if (parts.length > 1) {
                for (String symbol : parts[1].strip().split("\\s*,\\s*")) {
                    if (!symbol.isEmpty()) {
                        symbols.add(symbol);
                    }
                }
            }
        }
        return SpamScore.verdict(score, symbols, step, config.markScore(), config.rejectScore());
    }
}
