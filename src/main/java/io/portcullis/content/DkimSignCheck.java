package io.portcullis.content;

import io.portcullis.config.CheckConfig;
import io.portcullis.config.ContentStep;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * DKIM signing (RFC 6376 §5), relaxed/relaxed, with every key whose domain is the From: domain
 * or a parent of it (so d= aligns with From: for DMARC). Run it last in a chain: a check after it
 * that changes the message would break the signature.
 */
final class DkimSignCheck implements ContentCheck {
    private final CheckConfig.DkimSign config;
    private final List<DkimSigningKey> keys = new ArrayList<>();

    DkimSignCheck(CheckConfig.DkimSign config, Path dataDirectory) throws IOException {
        this.config = config;
        for (CheckConfig.DkimKey key : config.keys()) {
            keys.add(DkimSigningKey.load(key, dataDirectory));
        }
    }

    @Override
    public boolean runsInline() {
        return true;
    }

    @Override
    public ContentVerdict check(ContentMessage message, ContentStep step) throws IOException {
        String fromDomain = message.fromDomain();
        if (fromDomain == null) {
            return ContentVerdict.ACCEPT;
        }
        List<DkimSigningKey> signing = keys.stream().filter(k -> fromDomain.equals(k.config().domain())
                || fromDomain.endsWith("." + k.config().domain())).toList();
        if (signing.isEmpty()) {
            return ContentVerdict.ACCEPT;
        }
        String bodyHash;
        try (InputStream body = Deadline.after(step.timeout()).guard(message.openAfterHeaders())) {
            bodyHash = Base64.getEncoder().encodeToString(DkimCanonical.bodyHash(body, true, "SHA-256", -1));
        }
        List<String> names = new ArrayList<>();
        ByteArrayOutputStream signedFields = new ByteArrayOutputStream();
        List<HeaderField> fields = message.headers();
        for (String name : config.signedHeaders()) {
            List<HeaderField> present = fields.stream().filter(f -> f.is(name)).toList();
            for (int i = present.size() - 1; i >= 0; i--) { // bottom-up, as verifiers select them (§5.4.2)
                names.add(name);
                signedFields.writeBytes(DkimCanonical.relaxedHeader(present.get(i)).getBytes(StandardCharsets.ISO_8859_1));
            }
            if (name.equals("from")) {
                names.add(name); // over-signed: a From: added later breaks the signature
            }
        }
        long now = Instant.now().getEpochSecond();
        List<HeaderField> signatures = new ArrayList<>();
        for (DkimSigningKey key : signing) {
            String value = "v=1; a=" + key.config().algorithm().tag() + "; c=relaxed/relaxed; d=" + key.config().domain()
                    + "; s=" + key.config().selector() + "; t=" + now + "; h=" + String.join(":", names)
                    + "; bh=" + bodyHash + "; b=";
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            data.writeBytes(signedFields.toByteArray());
            data.writeBytes(DkimCanonical.relaxedHeader("DKIM-Signature", value).getBytes(StandardCharsets.ISO_8859_1));
            String signature = Base64.getEncoder().encodeToString(key.sign(data.toByteArray()));
            signatures.add(HeaderField.of("DKIM-Signature", value + signature));
        }
        return new ContentVerdict.Accept(MessageEdits.prepend(signatures.toArray(HeaderField[]::new)));
    }
}
