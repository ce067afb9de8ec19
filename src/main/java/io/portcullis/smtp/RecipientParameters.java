package io.portcullis.smtp;

import static io.portcullis.smtp.SyntaxException.Kind.UNSUPPORTED;

import java.util.EnumSet;
import java.util.Set;

/**
 * The RCPT TO parameters we offer: the DSN parameters NOTIFY and ORCPT (RFC 3461 §4.1, §4.2).
 *
 * @param notifyOn            when to send a DSN; empty when the client did not say (the default
 *                          then is FAILURE and DELAY); exactly {NEVER} for NEVER
 * @param originalRecipient ORCPT as "addr-type;address" with the address decoded (printable US-ASCII,
 *                          never a line break), or null
 */
public record RecipientParameters(Set<Notify> notifyOn, String originalRecipient) {

    public enum Notify { NEVER, SUCCESS, FAILURE, DELAY }

    private static final int MAX_ORCPT = 500;

    public static final RecipientParameters NONE = new RecipientParameters(Set.of(), null);

    public RecipientParameters {
        notifyOn = Set.copyOf(notifyOn);
    }

    public static RecipientParameters from(EsmtpParameters parameters) throws SyntaxException {
        Set<Notify> notify = EnumSet.noneOf(Notify.class);
        String originalRecipient = null;
        for (var entry : parameters.values().entrySet()) {
            String value = entry.getValue();
            switch (entry.getKey()) {
                case "NOTIFY" -> {
                    if (value == null) {
                        throw new SyntaxException("NOTIFY needs a value");
                    }
                    for (String item : value.split(",", -1)) {
                        try {
                            notify.add(Notify.valueOf(PathParser.upper(item)));
                        } catch (IllegalArgumentException e) {
                            throw new SyntaxException("NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY");
                        }
                    }
                    if (notify.contains(Notify.NEVER) && notify.size() > 1) {
                        throw new SyntaxException("NOTIFY=NEVER cannot be combined");
                    }
                }
                case "ORCPT" -> originalRecipient = originalRecipient(value);
                default -> throw new SyntaxException(UNSUPPORTED, "parameter " + entry.getKey() + " is not supported");
            }
        }
        return new RecipientParameters(notify, originalRecipient);
    }

    /**
     * ORCPT=addr-type;xtext (RFC 3461 §4.2): at most 500 characters; the type an atom; the address
     * decoded to printable US-ASCII (it goes into the DSN's Original-Recipient field), and for
     * type rfc822 a mailbox (RFC 5321 §4.1.2). RFC 6533's utf-8 type with raw UTF-8 is not offered.
     */
    private static String originalRecipient(String value) throws SyntaxException {
        int semicolon = value == null ? -1 : value.indexOf(';');
        if (semicolon <= 0 || semicolon == value.length() - 1) {
            throw new SyntaxException("ORCPT must be addr-type;address");
        }
        if (value.length() > MAX_ORCPT) {
            throw new SyntaxException("ORCPT longer than " + MAX_ORCPT + " characters");
        }
        String type = value.substring(0, semicolon);
        if (!type.chars().allMatch(c -> c < 128 && Character.isLetterOrDigit(c) || c == '-')) {
            throw new SyntaxException("bad ORCPT address type");
        }
        String address = Xtext.decode(value.substring(semicolon + 1));
        if (!Xtext.isPrintableAscii(address)) {
            throw new SyntaxException("ORCPT address must decode to printable US-ASCII");
        }
        if (type.equalsIgnoreCase("rfc822")) {
            try {
                PathParser.parseMailbox(address);
            } catch (SyntaxException e) {
                throw new SyntaxException("ORCPT rfc822 address is not a mailbox: " + e.getMessage());
            }
        }
        return type + ";" + address;
    }
}
