package io.portcullis.delivery.tls;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The two TXT records: {@code _mta-sts.DOMAIN} ({@code v=STSv1; id=...}, RFC 8461 §3.1) and
 * {@code _smtp._tls.DOMAIN} ({@code v=TLSRPTv1; rua=...}, RFC 8460 §3). For each, texts that do
 * not begin with the version are discarded; anything but exactly one left means "none" (both RFCs
 * say so), as does one that does not parse.
 */
public final class PolicyRecords {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9]{1,32}");
    /** More report addresses than this are not used. */
    static final int MAX_RUA = 5;

    private PolicyRecords() {
    }

    /** The {@code id} of the one valid STSv1 record among {@code texts}. */
    public static Optional<String> stsId(List<String> texts) {
        Optional<List<String[]>> fields = single(texts, "v=STSv1");
        if (fields.isEmpty()) {
            return Optional.empty();
        }
        String id = null;
        for (String[] field : fields.get()) {
            if (field[0].equals("id") && id == null) {
                id = field[1];
            }
        }
        return id != null && ID.matcher(id).matches() ? Optional.of(id) : Optional.empty();
    }

    /** The {@code rua} URIs (mailto: and https: only, at most {@value #MAX_RUA}) of the one valid TLSRPTv1 record. */
    public static List<URI> reportAddresses(List<String> texts) {
        Optional<List<String[]>> fields = single(texts, "v=TLSRPTv1");
        if (fields.isEmpty()) {
            return List.of();
        }
        List<URI> addresses = new ArrayList<>();
        for (String[] field : fields.get()) {
            if (!field[0].equals("rua")) {
                continue;
            }
            for (String item : field[1].split(",")) {
                try {
                    URI uri = new URI(item.strip());
                    boolean mailto = "mailto".equalsIgnoreCase(uri.getScheme()) && uri.getSchemeSpecificPart().contains("@");
                    boolean https = "https".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null;
                    if ((mailto || https) && addresses.size() < MAX_RUA) {
                        addresses.add(uri);
                    }
                } catch (URISyntaxException e) {
                    // an address that does not parse is skipped; the others still get the report
                }
            }
            break; // the first rua counts
        }
        return addresses;
    }

    /** The {@code key=value} fields of the one text that begins with {@code version}, or empty. */
    private static Optional<List<String[]>> single(List<String> texts, String version) {
        List<String> matching = texts.stream()
                .filter(text -> text.startsWith(version + ";") || text.equals(version)).toList();
        if (matching.size() != 1) {
            return Optional.empty();
        }
        List<String[]> fields = new ArrayList<>();
        String[] parts = matching.getFirst().split(";", 64);
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i].strip();
            if (part.isEmpty()) {
                if (i == parts.length - 1) {
                    break; // a trailing ';'
                }
                return Optional.empty();
            }
            int equals = part.indexOf('=');
            if (equals <= 0) {
                return Optional.empty();
            }
            fields.add(new String[] {part.substring(0, equals).strip(), part.substring(equals + 1).strip()});
        }
        return Optional.of(fields);
    }
}
