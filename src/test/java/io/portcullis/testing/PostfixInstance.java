package io.portcullis.testing;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A private Postfix instance, a real MTA no one here wrote, acting as the organisation's internal
 * mail server: its own configuration, queue and maildir under a temporary directory, smtpd on a
 * loopback port, mail for {@code example.test} delivered to one maildir. The system Postfix is
 * never configured or started. Needs root (Postfix's master starts as root and drops privileges).
 */
public final class PostfixInstance implements AutoCloseable {
    private final Path directory;
    private final int port;
    private final String postfix;

    private PostfixInstance(Path directory, int port, List<String> mainCf) throws Exception {
        this.directory = directory;
        this.port = port;
        this.postfix = ExternalProgram.require("postfix", "postfix");
        for (String sub : List.of("etc", "queue", "data", "mail")) {
            Files.createDirectories(directory.resolve(sub));
        }
        Files.setPosixFilePermissions(directory, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        UserPrincipalLookupService users = directory.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(directory.resolve("data"), users.lookupPrincipalByName("postfix"));
        Files.setOwner(directory.resolve("mail"), users.lookupPrincipalByName("nobody"));
        String master = Files.readString(Path.of("/etc/postfix/master.cf"))
                .replaceFirst("(?m)^smtp\\s+inet.*$", "127.0.0.1:" + port + " inet n - n - - smtpd");
        Files.writeString(directory.resolve("etc/master.cf"), master);
        List<String> main = new ArrayList<>(List.of(
                "compatibility_level = 3.6",
                "queue_directory = " + directory.resolve("queue"),
                "data_directory = " + directory.resolve("data"),
                "mail_owner = postfix",
                "setgid_group = postdrop",
                "myhostname = internal.test",
                "inet_interfaces = 127.0.0.1",
                "inet_protocols = ipv4",
                "mydestination =",
                "mynetworks = 127.0.0.0/8",
                "smtpd_relay_restrictions = permit_mynetworks, reject",
                "virtual_mailbox_domains = example.test",
                "virtual_mailbox_base = " + directory.resolve("mail"),
                "virtual_mailbox_maps = static:mailbox/",
                "virtual_uid_maps = static:65534",
                "virtual_gid_maps = static:65534",
                "maillog_file = " + directory.resolve("maillog"),
                "maillog_file_prefixes = " + directory,
                "smtp_dns_support_level = disabled",
                "alias_maps =",
                "alias_database ="));
        main.addAll(mainCf);
        Files.write(directory.resolve("etc/main.cf"), main);
        ExternalProgram.Result started = ExternalProgram.run(Duration.ofSeconds(30), postfix, "-c",
                directory.resolve("etc").toString(), "start");
        if (started.exitCode() != 0) {
            throw new IOException("postfix did not start: " + started.output() + maillog());
        }
        awaitListening();
    }

    /** Starts an instance; {@code mainCf} lines are added to its main.cf. Skips the test unless root. */
    public static PostfixInstance start(String... mainCf) throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            ExternalProgram.unavailable("a private Postfix instance needs root (Postfix's master starts as root)");
        }
        return new PostfixInstance(Files.createTempDirectory("postfix-instance"), SmtpSink.freePort(), List.of(mainCf));
    }

    private void awaitListening() throws Exception {
        try {
            Eventually.await(java.time.Duration.ofSeconds(10), "postfix smtpd listens on " + port, () -> {
                try (Socket probe = new Socket("127.0.0.1", port)) {
                    return true;
                }
            });
        } catch (AssertionError e) {
            throw new IOException(e.getMessage() + ": " + maillog(), e);
        }
    }

    public int port() {
        return port;
    }

    public String maillog() throws IOException {
        Path log = directory.resolve("maillog");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** The messages delivered to the maildir so far. */
    public List<Path> delivered() throws IOException {
        Path maildir = directory.resolve("mail/mailbox");
        if (!Files.exists(maildir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(maildir)) {
            return files.filter(Files::isRegularFile).filter(p -> !p.getParent().endsWith("tmp")).toList();
        }
    }

    public List<Path> awaitDelivered(int count, long timeoutSeconds) throws Exception {
        return Eventually.value(java.time.Duration.ofSeconds(timeoutSeconds), count + " messages delivered by Postfix",
                this::delivered, found -> found.size() >= count);
    }

    @Override
    public void close() throws Exception {
        ExternalProgram.run(Duration.ofSeconds(30), postfix, "-c", directory.resolve("etc").toString(), "stop");
    }
}
