package io.portcullis.policy;

import static io.portcullis.testing.SmtpScript.plain;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * LDAP authentication and recipient validation against UnboundID's in-memory directory server,
 * a real LDAP server speaking the protocol on a loopback port.
 */
class LdapTest {
    private InMemoryDirectoryServer ldap;
    private TestGateway gateway;

    @BeforeEach
    void start() throws Exception {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig("dc=example,dc=test");
        config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap", java.net.InetAddress.getLoopbackAddress(), 0, null));
        config.addAdditionalBindCredentials("cn=gateway,dc=example,dc=test", "service-secret");
        ldap = new InMemoryDirectoryServer(config);
        ldap.add("dn: dc=example,dc=test", "objectClass: top", "objectClass: domain", "dc: example");
        ldap.add("dn: ou=people,dc=example,dc=test", "objectClass: organizationalUnit", "ou: people");
        ldap.add("dn: uid=carol,ou=people,dc=example,dc=test", "objectClass: inetOrgPerson", "uid: carol", "cn: Carol",
                "sn: C", "mail: carol@example.test", "mail: sales@example.test", "userPassword: carol-pw");
        ldap.add("dn: uid=dave,ou=people,dc=example,dc=test", "objectClass: inetOrgPerson", "uid: dave", "cn: Dave",
                "sn: D", "mail: dave@example.test");
        ldap.startListening();
        String tls = TestGateway.sharedTls().toString();
        gateway = TestGateway.startYaml("""
                hostname: gateway.test
                listeners:
                  - name: inbound
                    bind: 127.0.0.1:0
                    verify-recipients: true
                  - name: outbound
                    bind: 127.0.0.1:0
                    tls: {certificate: %1$s/certificate.pem, key: %1$s/key.pem}
                    auth: {required: true}
                    relay: authenticated
                    send-as: true
                ldap:
                  url: ldap://127.0.0.1:%2$d
                  allow-plaintext: true
                  bind-dn: cn=gateway,dc=example,dc=test
                  bind-password: service-secret
                  base-dn: dc=example,dc=test
                  user-filter: "(mail={0})"
                  recipient-filter: "(mail={0})"
                  send-as-attribute: mail
                  timeout: 2s
                domains: [example.test]
                connectors:
                  - {name: internal, type: drop, folder: drop/inbound}
                  - {name: internet, type: drop, folder: drop/outbound}
                routes:
                  - {domains: [example.test], connector: internal}
                  - {domains: ["*"], connector: internet, flows: [outbound, local]}
                delivery:
                  queue-only: true
                """.formatted(tls, ldap.getListenPort()));
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        ldap.shutDown(true);
    }

    private SmtpScript outbound() throws IOException {
        SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"));
        smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
        smtp.startTls().send("EHLO internal.example.test").expect("250 ");
        return smtp;
    }

    @Test
    void directoryUsersAuthenticateByBindAndSendAsTheirMailAttributes() throws Exception {
        try (SmtpScript smtp = outbound()) {
            smtp.send("AUTH PLAIN " + plain("", "carol@example.test", "carol-pw")).expect("235 2.7.0");
            smtp.send("MAIL FROM:<dave@example.test>").expect("553 5.7.1");
            smtp.send("MAIL FROM:<sales@example.test>").expect("250 2.1.0");
        }
    }

    @Test
    void wrongEmptyUnknownAndInjectedCredentialsAreRefused() throws Exception {
        try (SmtpScript smtp = outbound()) {
            smtp.send("AUTH PLAIN " + plain("", "carol@example.test", "wrong")).expect("535 5.7.8");
            smtp.send("AUTH PLAIN " + plain("", "nobody@example.test", "carol-pw")).expect("535 5.7.8");
        }
        try (SmtpScript smtp = outbound()) {
            smtp.send("AUTH PLAIN " + plain("", "carol@example.test", "")).expect("535 5.7.8");
            smtp.send("AUTH PLAIN " + plain("", "*)(mail=*", "carol-pw")).expect("535 5.7.8");
        }
    }

    @Test
    void inboundKnowsRecipientsFromTheDirectory() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO mx.example.org").expect("250 ");
            smtp.send("MAIL FROM:<someone@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<dave@example.test>").expect("250 2.1.5");
            smtp.send("RCPT TO:<Sales@Example.Test>").expect("250 2.1.5");
            smtp.send("RCPT TO:<nobody@example.test>").expect("550 5.1.1");
            smtp.send("RCPT TO:<*@example.test>").expect("550 5.1.1");
        }
    }

    @Test
    void aDirectoryThatIsDownMeansTryLaterNeverUnknown() throws Exception {
        ldap.shutDown(true);
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO mx.example.org").expect("250 ");
            smtp.send("MAIL FROM:<someone@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<dave@example.test>").expect("451 4.3.0");
        }
        try (SmtpScript smtp = outbound()) {
            smtp.send("AUTH PLAIN " + plain("", "carol@example.test", "carol-pw")).expect("454 4.7.0");
        }
    }
}
