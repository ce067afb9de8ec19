package io.portcullis.content;

import io.portcullis.config.CheckConfig;
import io.portcullis.config.ContentStep;
import io.portcullis.smtp.Replies;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * ClamAV's clamd over INSTREAM: the message goes in length-prefixed chunks (clamd decodes the
 * MIME structure and attachments itself), clamd answers {@code stream: OK} or
 * {@code stream: NAME FOUND}. A found signature refuses the message with {@code 554 5.7.1} naming it.
 */
final class ClamdCheck implements ContentCheck {
    private static final int CHUNK = 64 * 1024;

    private final CheckConfig.Clamd config;

    ClamdCheck(CheckConfig.Clamd config) {
        this.config = config;
    }

    @Override
    public ContentVerdict check(ContentMessage message, ContentStep step) throws IOException {
        if (message.size() > config.maxSize()) {
            return ContentChain.skipped(step, "larger than max-size");
        }
        String answer;
        try (ScannerConnection connection = ScannerConnection.open(config.endpoint(), step.timeout())) {
            DataOutputStream out = new DataOutputStream(connection.out());
            out.write("zINSTREAM\0".getBytes(StandardCharsets.US_ASCII));
            byte[] buffer = new byte[CHUNK];
            try (InputStream content = message.open()) {
                int n;
                while ((n = content.readNBytes(buffer, 0, CHUNK)) > 0) {
                    out.writeInt(n);
                    out.write(buffer, 0, n);
                }
            }
            out.writeInt(0);
            out.flush();
            answer = new String(connection.in().readNBytes(4096), StandardCharsets.US_ASCII).replace("\0", "").strip();
        }
        if (answer.endsWith(" FOUND")) {
            String signature = answer.substring(answer.indexOf(':') + 1, answer.length() - " FOUND".length()).strip();
            return new ContentVerdict.Reject(Replies.VIRUS_FOUND.append(signature), "virus");
        }
        if (answer.endsWith(": OK")) {
            return ContentVerdict.ACCEPT;
        }
        throw new IOException("clamd answered \"" + answer + "\"");
    }
}
