package io.portcullis.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A DNS zone signed with DNSSEC by ldns-signzone (Debian's ldnsutils): a fresh ECDSA P-256 key
 * pair (KSK and ZSK) per zone, made by ldns-keygen in a temporary folder. The KSK's DNSKEY record
 * is the trust anchor a validating resolver ({@link Unbound}) is given.
 */
public final class SignedZone {
    private final String name;
    private final Path file;
    private final String trustAnchor;

    private SignedZone(String name, Path file, String trustAnchor) {
        this.name = name;
        this.file = file;
        this.trustAnchor = trustAnchor;
    }

    /**
     * Signs {@code records} (zone-file lines with absolute names; an SOA and NS are added) as zone
     * {@code name} (with its trailing dot), writing into {@code directory}.
     */
    public static SignedZone sign(Path directory, String name, String records) throws IOException, InterruptedException {
        String keygen = ExternalProgram.require("ldns-keygen", "ldnsutils");
        String signzone = ExternalProgram.require("ldns-signzone", "ldnsutils");
        Path unsigned = directory.resolve(name + "zone");
        Files.writeString(unsigned, unsigned(name, records));
        String ksk = keygen(directory, keygen, name, true);
        String zsk = keygen(directory, keygen, name, false);
        ExternalProgram.Result signed = ExternalProgram.run(Duration.ofSeconds(60), signzone, "-o", name,
                "-f", unsigned + ".signed", unsigned.toString(), directory.resolve(zsk).toString(),
                directory.resolve(ksk).toString());
        if (signed.exitCode() != 0) {
            throw new IOException("ldns-signzone failed: " + signed.output());
        }
        String anchor = Files.readString(directory.resolve(ksk + ".key")).lines()
                .filter(line -> line.contains("DNSKEY")).findFirst().orElseThrow();
        return new SignedZone(name, Path.of(unsigned + ".signed"), anchor.replaceAll(";.*$", "").strip());
    }

    /** An unsigned zone file for {@code name}, written into {@code directory}. */
    public static Path unsignedFile(Path directory, String name, String records) throws IOException {
        return Files.writeString(directory.resolve(name + "zone"), unsigned(name, records));
    }

    private static String unsigned(String name, String records) {
        return "$TTL 60\n" + name + " IN SOA ns." + name + " hostmaster." + name + " 1 3600 600 86400 60\n"
                + name + " IN NS ns." + name + "\nns." + name + " IN A 127.0.0.1\n" + records;
    }

    private static String keygen(Path directory, String keygen, String name, boolean ksk) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("sh", "-c", "cd '" + directory + "' && exec " + keygen
                + " -a ECDSAP256SHA256 " + (ksk ? "-k " : "") + name));
        ExternalProgram.Result result = ExternalProgram.run(Duration.ofSeconds(60), command.toArray(String[]::new));
        if (result.exitCode() != 0) {
            throw new IOException("ldns-keygen failed: " + result.output());
        }
        return result.output().strip().lines().reduce((first, second) -> second).orElseThrow();
    }

    /**
     * Spoils the signature over {@code owner}'s {@code type} RRset (one character of the
     * signature changed), so a validating resolver finds the data bogus and answers SERVFAIL.
     */
    public void spoilSignature(String owner, String type) throws IOException {
        List<String> lines = new ArrayList<>();
        boolean spoiled = false;
        for (String line : Files.readAllLines(file)) {
            String[] fields = line.split("\\s+");
            if (fields.length > 5 && fields[0].equalsIgnoreCase(owner) && fields[3].equals("RRSIG") && fields[4].equals(type)) {
                int last = line.length() - 5;
                char c = line.charAt(last);
                line = line.substring(0, last) + (c == 'A' ? 'B' : 'A') + line.substring(last + 1);
                spoiled = true;
            }
            lines.add(line);
        }
        if (!spoiled) {
            throw new IllegalArgumentException("no RRSIG " + type + " at " + owner + " in " + file);
        }
        Files.write(file, lines);
    }

    public String name() {
        return name;
    }

    public Path file() {
        return file;
    }

    /** The KSK's DNSKEY record, as unbound's {@code trust-anchor} takes it. */
    public String trustAnchor() {
        return trustAnchor;
    }
}
