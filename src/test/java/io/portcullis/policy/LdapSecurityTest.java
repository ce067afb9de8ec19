package io.portcullis.policy;

import static io.portcullis.testing.SmtpScript.plain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import io.portcullis.config.PemFiles;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LDAP only over verified TLS, against UnboundID's in-memory directory server (a real LDAP server
 * on loopback) with LDAPS and StartTLS listeners: one set presenting a certificate that names
 * 127.0.0.1, the other one for {@code wrong.example} (trusted, so only the name is wrong). A
 * directory whose certificate names another host, or that does not do StartTLS, is "unavailable"
 * (454 4.7.0 at AUTH, 451 4.3.0 at RCPT) and never hears a bind; plain {@code ldap://} is a config
 * error unless allowed; the recipient cache keeps at most {@code cache-size} answers.
 */
class LdapSecurityTest {
    private static final String CAROL_DN = "uid=carol,ou=people,dc=example,dc=test";

    @TempDir
    static Path certificates;
    private static Path rightTrust;
    private static Path wrongTrust;
    private static SSLContext rightServer;
    private static SSLContext wrongServer;
    private static InMemoryDirectoryServer ldap;
    private static InMemoryDirectoryServer plainOnly;
    private static final List<String> accessLog = new ArrayList<>();
    private static final List<String> plainOnlyAccessLog = new ArrayList<>();
    private TestGateway gateway;

    @BeforeAll
    static void startDirectories() throws Exception {
        rightServer = serverContext("127.0.0.1", rightTrust = certificates.resolve("right.pem"));
        wrongServer = serverContext("wrong.example", wrongTrust = certificates.resolve("wrong.pem"));
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        ldap = directory(accessLog,
                InMemoryListenerConfig.createLDAPSConfig("ldaps-right", loopback, 0, rightServer.getServerSocketFactory(), null),
                InMemoryListenerConfig.createLDAPSConfig("ldaps-wrong", loopback, 0, wrongServer.getServerSocketFactory(), null),
                InMemoryListenerConfig.createLDAPConfig("starttls-right", loopback, 0, rightServer.getSocketFactory()),
                InMemoryListenerConfig.createLDAPConfig("starttls-wrong", loopback, 0, wrongServer.getSocketFactory()));
        plainOnly = directory(plainOnlyAccessLog, InMemoryListenerConfig.createLDAPConfig("plain", loopback, 0, null));
    }

    @AfterAll
    static void stopDirectories() {
        ldap.shutDown(true);
        plainOnly.shutDown(true);
    }

    @AfterEach
    void stopGateway() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    private static InMemoryDirectoryServer directory(List<String> log, InMemoryListenerConfig... listeners) throws Exception {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig("dc=example,dc=test");
        config.setListenerConfigs(listeners);
        config.addAdditionalBindCredentials("cn=gateway,dc=example,dc=test", "service-secret");
        config.setAccessLogHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                synchronized (log) {
                    log.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        InMemoryDirectoryServer server = new InMemoryDirectoryServer(config);
        server.add("dn: dc=example,dc=test", "objectClass: top", "objectClass: domain", "dc: example");
        server.add("dn: ou=people,dc=example,dc=test", "objectClass: organizationalUnit", "ou: people");
        server.add("dn: " + CAROL_DN, "objectClass: inetOrgPerson", "uid: carol", "cn: Carol", "sn: C",
                "mail: carol@example.test", "userPassword: carol-pw");
        for (int i = 0; i < 120; i++) {
            server.add("dn: uid=user" + i + ",ou=people,dc=example,dc=test", "objectClass: inetOrgPerson", "uid: user" + i,
                    "cn: User", "sn: U", "mail: user" + i + "@example.test");
        }
        server.startListening();
        return server;
    }

    /** A self-signed certificate for {@code name} (as DNS name, or IP address) and a server context presenting it. */
    private static SSLContext serverContext(String name, Path trustFile) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        X500Name subject = new X500Name("CN=" + name);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, new BigInteger(64, new SecureRandom()),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))), subject, pair.getPublic());
        boolean ip = Character.isDigit(name.charAt(0));
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, name)));
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate())));
        PemFiles.write(trustFile, certificate);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", pair.getPrivate(), "x".toCharArray(), new Certificate[] {certificate});
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "x".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    private static String yaml(String ldapSection) throws IOException {
        String tls = TestGateway.sharedTls().toString();
        return """
                hostname: gateway.test
                listeners:
                  - name: inbound
                    bind: 127.0.0.1:0
                    verify-recipients: true
                  - name: outbound
                    bind: 127.0.0.1:0
                    auth: {require-tls: false}
                    relay: authenticated
                ldap:
                  bind-dn: cn=gateway,dc=example,dc=test
                  bind-password: service-secret
                  base-dn: dc=example,dc=test
                  timeout: 3s
                %s
                domains: [example.test]
                connectors:
                  - {name: internal, type: drop, folder: drop/inbound}
                  - {name: internet, type: drop, folder: drop/outbound}
                routes:
                  - {domains: [example.test], connector: internal}
                  - {domains: ["*"], connector: internet, flows: [outbound, local]}
                delivery: {queue-only: true}
                """.formatted(ldapSection.stripIndent().indent(2).stripTrailing(), tls);
    }

    private void start(String ldapSection) throws IOException {
        gateway = TestGateway.startYaml(yaml(ldapSection));
    }

    private void authenticates(String expected) throws IOException {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("AUTH PLAIN " + plain("", "carol@example.test", "carol-pw")).expect(expected);
        }
    }

    private void recipient(String address, String expected) throws IOException {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO mx.example.org").expect("250 ");
            smtp.send("MAIL FROM:<someone@example.org>").expect("250");
            smtp.send("RCPT TO:<" + address + ">").expect(expected);
        }
    }

    private static List<String> binds(List<String> log) {
        synchronized (log) {
            return log.stream().filter(line -> line.contains(" BIND REQUEST")).toList();
        }
    }

    @Test
    void ldapsAndStartTlsWithTheRightNameWork() throws Exception {
        start("url: ldaps://127.0.0.1:" + ldap.getListenPort("ldaps-right") + "\ntls-trust: " + rightTrust);
        authenticates("235 2.7.0");
        recipient("user1@example.test", "250 2.1.5");
        gateway.close();
        start("url: ldap://127.0.0.1:" + ldap.getListenPort("starttls-right") + "\nstart-tls: true\ntls-trust: " + rightTrust);
        authenticates("235 2.7.0");
        recipient("user2@example.test", "250 2.1.5");
        recipient("nobody@example.test", "550 5.1.1");
    }

    @Test
    void ldapsToACertificateForAnotherNameIsRefused() throws Exception {
        int before = binds(accessLog).size();
        start("url: ldaps://127.0.0.1:" + ldap.getListenPort("ldaps-wrong") + "\ntls-trust: " + wrongTrust);
        authenticates("454 4.7.0");
        recipient("user3@example.test", "451 4.3.0");
        assertThat(binds(accessLog)).hasSize(before);
    }

    @Test
    void startTlsToACertificateForAnotherNameIsRefused() throws Exception {
        int before = binds(accessLog).size();
        start("url: ldap://127.0.0.1:" + ldap.getListenPort("starttls-wrong") + "\nstart-tls: true\ntls-trust: " + wrongTrust);
        authenticates("454 4.7.0");
        recipient("user4@example.test", "451 4.3.0");
        assertThat(binds(accessLog)).hasSize(before);
    }

    /** StartTLS stripped (a directory, or a man in the middle, that answers "not supported"): no fallback to plain text. */
    @Test
    void aDirectoryThatRefusesStartTlsNeverHearsAPassword() throws Exception {
        start("url: ldap://127.0.0.1:" + plainOnly.getListenPort("plain") + "\nstart-tls: true\ntls-trust: " + rightTrust);
        authenticates("454 4.7.0");
        recipient("user5@example.test", "451 4.3.0");
        assertThat(binds(plainOnlyAccessLog)).isEmpty();
        synchronized (plainOnlyAccessLog) {
            assertThat(plainOnlyAccessLog).anySatisfy(line -> assertThat(line).contains("EXTENDED REQUEST"));
        }
    }

    @Test
    void plainLdapIsAConfigErrorUnlessExplicitlyAllowed() throws Exception {
        String url = "url: ldap://127.0.0.1:" + plainOnly.getListenPort("plain");
        assertThatThrownBy(() -> start(url)).hasMessageContaining("ldap.url").hasMessageContaining("plain text")
                .hasMessageContaining("allow-plaintext");
        assertThatThrownBy(() -> start(url.replace("ldap:", "ldaps:") + "\nstart-tls: true"))
                .hasMessageContaining("ldap.start-tls");
        start(url + "\nallow-plaintext: true");
        authenticates("235 2.7.0");
    }

    /**
     * Answers for more distinct recipients than {@code cache-size} do not pile up: once 100 others
     * were asked, a recipient removed from the directory is looked up again and is unknown.
     */
    @Test
    void theRecipientCacheKeepsAtMostItsSize() throws Exception {
        start("url: ldaps://127.0.0.1:" + ldap.getListenPort("ldaps-right") + "\ntls-trust: " + rightTrust
                + "\ncache-size: 20\ncache-ttl: 1h");
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO mx.example.org").expect("250 ");
            smtp.send("MAIL FROM:<someone@example.org>").expect("250");
            for (int i = 0; i < 110; i++) {
                smtp.send("RCPT TO:<user" + i + "@example.test>").expect("250 2.1.5");
            }
        }
        ldap.delete("uid=user0,ou=people,dc=example,dc=test");
        ldap.delete("uid=user109,ou=people,dc=example,dc=test");
        try {
            recipient("user0@example.test", "550 5.1.1");      // long evicted: asked again
        } finally {
            ldap.add("dn: uid=user0,ou=people,dc=example,dc=test", "objectClass: inetOrgPerson", "uid: user0",
                    "cn: User", "sn: U", "mail: user0@example.test");
            ldap.add("dn: uid=user109,ou=people,dc=example,dc=test", "objectClass: inetOrgPerson", "uid: user109",
                    "cn: User", "sn: U", "mail: user109@example.test");
        }
    }
}
