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
 *                          never a line break), or for type utf-8 in its checked 7-bit form; or null
 */
public record RecipientParameters(Set<Notify> notifyOn, String originalRecipient) {

    public enum Notify { NEVER, SUCCESS, FAILURE, DELAY }

    private static final int MAX_ORCPT = 500;
    private static final String UTF8_TYPE = "utf-8";

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
     * type rfc822 a mailbox (RFC 5321 §4.1.2). Type utf-8 (RFC 6533 §3) is kept in its 7-bit
     * {@link Utf8AddressXtext} form, which must decode strictly (no control character, surrogate
     * or needless escape) to a mailbox (RFC 6531); its raw UTF-8 form is not offered.
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
        if (type.equalsIgnoreCase(UTF8_TYPE)) {
            String xtext = value.substring(semicolon + 1);
            utf8Mailbox(xtext);
            return UTF8_TYPE + ";" + xtext;
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

    private static void utf8Mailbox(String xtext) throws SyntaxException {
        String address = Utf8AddressXtext.decode(xtext);
        try {
            PathParser.parseMailbox(address);
        } catch (SyntaxException e) {
            throw new SyntaxException("ORCPT utf-8 address is not a mailbox: " + e.getMessage());
        }
    }

    /**
     * True when an ORCPT as stored ("addr-type;address", {@link #originalRecipient()}) is one the
     * session admits today, so it may be passed to a next hop or written into a DSN as it is. A
     * spool record written before a rule was added may hold anything.
     */
    public static boolean admitsStored(String stored) {
        int semicolon = stored.indexOf(';');
        if (semicolon <= 0 || semicolon == stored.length() - 1) {
            return false;
        }
        String type = stored.substring(0, semicolon);
        String address = stored.substring(semicolon + 1);
        try {
            if (type.equalsIgnoreCase(UTF8_TYPE)) {
                utf8Mailbox(address);
                return true;
            }
            originalRecipient(type + ";" + Xtext.encode(address));
            return true;
        } catch (SyntaxException e) {
            return false;
        }
    }

    /** True for an ORCPT of type utf-8, whose address is kept (and passed on) in its 7-bit form. */
    public static boolean isUtf8Type(String stored) {
        return stored.regionMatches(true, 0, UTF8_TYPE + ";", 0, UTF8_TYPE.length() + 1);
    }
}
