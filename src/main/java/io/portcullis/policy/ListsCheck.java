package io.portcullis.policy;

import io.portcullis.config.Cidr;
import io.portcullis.config.Phase;
import io.portcullis.config.PhaseCheckConfig;
import io.portcullis.smtp.DomainName;
import io.portcullis.smtp.Mailbox;
import io.portcullis.smtp.Replies;
import java.net.InetAddress;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Static allow and block lists from files ({@link ListFile}: re-read when changed). At connect the
 * client's address against {@code allow-clients} (allow-listed for the session: filters are skipped)
 * and {@code block-clients} (554 5.7.1, closed); at mail the sender against {@code allow-senders} and
 * {@code block-senders} (550 5.7.1); at rcpt the recipient against {@code block-recipients}
 * (550 5.7.1). An allow entry wins over a block entry. Address entries: {@code user@domain} (that
 * address), {@code @domain} or {@code domain} (the domain), {@code .domain} (its subdomains);
 * compared in the canonical forms (domain as A-labels, local part NFKC and lower case).
 * Client entries: an address or a network. An allow-listed sender is a claim anyone can make:
 * list only senders whose mail is authenticated some other way.
 */
final class ListsCheck implements PhaseCheck {
    private static final Set<Phase> PHASES = Set.of(Phase.CONNECT, Phase.MAIL, Phase.RCPT);

    private final ListFile<Cidr> allowClients;
    private final ListFile<Cidr> blockClients;
    private final ListFile<String> allowSenders;
    private final ListFile<String> blockSenders;
    private final ListFile<String> blockRecipients;

    ListsCheck(PhaseCheckConfig.Lists config) {
        allowClients = networks(config.allowClients());
        blockClients = networks(config.blockClients());
        allowSenders = addresses(config.allowSenders());
        blockSenders = addresses(config.blockSenders());
        blockRecipients = addresses(config.blockRecipients());
    }

    @Override
    public Set<Phase> phases() {
        return PHASES;
    }

    @Override
    public Verdict check(PhaseInput input) {
        return switch (input.phase()) {
            case CONNECT -> {
                InetAddress client = input.client().address();
                if (contains(allowClients, client)) {
                    yield new Verdict.Allow("allow-clients");
                }
                yield contains(blockClients, client) ? new Verdict.Disconnect(Replies.CLIENT_BLOCKED, "block-clients")
                        : Verdict.ACCEPT;
            }
            case MAIL -> {
                if (input.sender() == null) {
                    yield Verdict.ACCEPT;
                }
                if (matches(allowSenders, input.sender())) {
                    yield new Verdict.Allow("allow-senders");
                }
                yield matches(blockSenders, input.sender()) ? Verdict.reject(Replies.SENDER_BLOCKED, "block-senders")
                        : Verdict.ACCEPT;
            }
            case RCPT -> matches(blockRecipients, input.recipient())
                    ? Verdict.reject(Replies.RECIPIENT_BLOCKED, "block-recipients") : Verdict.ACCEPT;
            default -> Verdict.ACCEPT;
        };
    }

    private static ListFile<Cidr> networks(Path file) {
        return file == null ? null : new ListFile<>(file, Cidr::parse, List::copyOf);
    }

    private static ListFile<String> addresses(Path file) {
        return file == null ? null : new ListFile<>(file, ListsCheck::entry, Set::copyOf);
    }

    private static boolean contains(ListFile<Cidr> list, InetAddress client) {
        return list != null && Cidr.anyContains(list.current(), client);
    }

    /** The address itself, its domain as {@code @domain}, and each parent as {@code .parent}. */
    private static boolean matches(ListFile<String> list, Mailbox mailbox) {
        if (list == null || mailbox == null || mailbox.domain() == null) {
            return false;
        }
        Set<String> entries = list.current();
        String domain = mailbox.canonicalDomain();
        if (entries.contains(localPart(mailbox.unquotedLocalPart()) + "@" + domain) || entries.contains("@" + domain)) {
            return true;
        }
        for (int dot = domain.indexOf('.'); dot >= 0; dot = domain.indexOf('.', dot + 1)) {
            if (entries.contains(domain.substring(dot))) {
                return true;
            }
        }
        return false;
    }

    /** A line in canonical form: {@code local@domain}, {@code @domain} or {@code .domain}; null when it is none. */
    private static String entry(String line) {
        int at = line.lastIndexOf('@');
        String local = at < 0 ? null : line.substring(0, at);
        String domainText = at < 0 ? line : line.substring(at + 1);
        boolean subdomains = at < 0 && domainText.startsWith(".");
        String domain = DomainName.canonical(subdomains ? domainText.substring(1) : domainText);
        if (domain == null) {
            return null;
        }
        if (subdomains) {
            return "." + domain;
        }
        return local == null || local.isEmpty() ? "@" + domain : localPart(local) + "@" + domain;
    }

    private static String localPart(String localPart) {
        return Normalizer.normalize(localPart, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    }
}
