package io.portcullis.smtp;

import static io.portcullis.smtp.SyntaxException.Kind.UNSUPPORTED;

/**
 * The MAIL FROM parameters we offer, interpreted: SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8
 * (RFC 6531) and the DSN parameters RET and ENVID (RFC 3461 §4.3, §4.4).
 *
 * @param size     declared message size, or null
 * @param body     declared body type; 7BIT when absent
 * @param ret      DSN return type, or null when not requested
 * @param envelopeId DSN envelope id, decoded from xtext, or null; at most 100 characters as sent,
 *                   printable US-ASCII once decoded (RFC 3461 §4.4), so never a line break
 */
public record MailParameters(Long size, BodyType body, boolean smtpUtf8, DsnReturn ret, String envelopeId) {

    public enum BodyType { SEVEN_BIT, EIGHT_BIT_MIME }

    public enum DsnReturn { FULL, HDRS }

    private static final int MAX_ENVID = 100;

    public static final MailParameters NONE = new MailParameters(null, BodyType.SEVEN_BIT, false, null, null);

    public static MailParameters from(EsmtpParameters parameters) throws SyntaxException {
        Long size = null;
        BodyType body = BodyType.SEVEN_BIT;
        boolean smtpUtf8 = false;
        DsnReturn ret = null;
        String envelopeId = null;
        for (var entry : parameters.values().entrySet()) {
            String value = entry.getValue();
            switch (entry.getKey()) {
                case "SIZE" -> {
                    if (value == null || value.length() > 20 || !value.chars().allMatch(Character::isDigit)) {
                        throw new SyntaxException("SIZE needs a number of octets");
                    }
                    size = value.length() > 18 ? Long.MAX_VALUE : Long.parseLong(value);
                }
                case "BODY" -> {
                    String type = value == null ? "" : PathParser.upper(value);
                    body = switch (type) {
                        case "7BIT" -> BodyType.SEVEN_BIT;
                        case "8BITMIME" -> BodyType.EIGHT_BIT_MIME;
                        case "BINARYMIME" -> throw new SyntaxException(UNSUPPORTED, "BODY=BINARYMIME is not supported");
                        default -> throw new SyntaxException("BODY must be 7BIT or 8BITMIME");
                    };
                }
                case "SMTPUTF8" -> {
                    if (value != null) {
                        throw new SyntaxException("SMTPUTF8 takes no value");
                    }
                    smtpUtf8 = true;
                }
                case "RET" -> {
                    String type = value == null ? "" : PathParser.upper(value);
                    ret = switch (type) {
                        case "FULL" -> DsnReturn.FULL;
                        case "HDRS" -> DsnReturn.HDRS;
                        default -> throw new SyntaxException("RET must be FULL or HDRS");
                    };
                }
                case "ENVID" -> {
                    if (value == null) {
                        throw new SyntaxException("ENVID needs a value");
                    }
                    if (value.length() > MAX_ENVID) {
                        throw new SyntaxException("ENVID longer than " + MAX_ENVID + " characters");
                    }
                    envelopeId = Xtext.decode(value);
                    if (!Xtext.isPrintableAscii(envelopeId)) { // it goes into the DSN's Original-Envelope-Id
                        throw new SyntaxException("ENVID must decode to printable US-ASCII");
                    }
                }
                default -> throw new SyntaxException(UNSUPPORTED, "parameter " + entry.getKey() + " is not supported");
            }
        }
        return new MailParameters(size, body, smtpUtf8, ret, envelopeId);
    }
}
